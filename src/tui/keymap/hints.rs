//! The status lines' key hints: the keymap file's `[hints]` table names each footer's actions
//! and words ([`HintSpec`]), parsed into [`HintDef`]s when a file is applied, and
//! `Keymap::hints` writes the keys bound to those actions now, so a rebound key shows as itself.

use super::{Context, Key, Keymap};
use crate::app::Action;
use crate::ui::{Footer, Hint, Hints};
use color_eyre::eyre::{eyre, Result};
use serde::Deserialize;

/// One hint as written in `[hints]`: the actions whose keys are shown (space-separated; none
/// for a note), the word after them, and optionally how to write the keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HintSpec {
    #[serde(default)]
    run: Option<String>,
    hint: String,
    #[serde(default)]
    key: Option<String>,
}

/// One footer hint, parsed: its actions, its word, and the fixed way of writing its keys with
/// the keys it was written for (`Esc` for `esc`): the fixed text shows only while those keys
/// are still the ones shown, so a rebound key is always written as itself.
#[derive(Debug, Clone)]
pub(super) struct HintDef {
    actions: Vec<Action>,
    text: String,
    label: Option<(String, Vec<Key>)>,
}

impl Keymap {
    /// Parses one `[hints]` entry of `footer`.
    pub(super) fn hint_def(&self, footer: Footer, spec: HintSpec, source: &str) -> Result<HintDef> {
        let actions = spec
            .run
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(|name| {
                serde_json::from_value(serde_json::Value::String(name.into())).map_err(|_| {
                    eyre!(
                        "{source}: [hints] {}: \"{name}\": unknown action",
                        footer.name()
                    )
                })
            })
            .collect::<Result<Vec<Action>>>()?;
        let label = spec.key.map(|text| {
            let keys = self.hint_keys(footer_context(footer), &actions);
            (text, keys)
        });
        Ok(HintDef {
            actions,
            text: spec.hint,
            label,
        })
    }

    /// The key shown for each of `actions` in `context` (actions bound to no key are left out):
    /// the first key written for it in the latest file that binds it.
    fn hint_keys(&self, context: Context, actions: &[Action]) -> Vec<Key> {
        actions
            .iter()
            .filter_map(|action| {
                self.map
                    .iter()
                    .filter(|((c, _), a)| *c == context && *a == action)
                    .map(|((_, k), _)| *k)
                    .max_by_key(|k| {
                        let (patch, at) = self
                            .written
                            .get(&(context, *k))
                            .copied()
                            .unwrap_or_default();
                        (patch, std::cmp::Reverse(at))
                    })
            })
            .collect()
    }

    /// The key hints of every footer, with the keys bound now: a rebound key shows as itself,
    /// and a hint whose actions have no key left is dropped.
    pub fn hints(&self) -> Hints {
        let footers = self
            .hints
            .iter()
            .map(|(footer, defs)| {
                let context = footer_context(*footer);
                let hints = defs
                    .iter()
                    .filter_map(|d| {
                        let keys = self.hint_keys(context, &d.actions);
                        let text = match &d.label {
                            _ if keys.is_empty() && !d.actions.is_empty() => return None,
                            Some((fixed, for_keys)) if *for_keys == keys => fixed.clone(),
                            _ => keys
                                .iter()
                                .map(Key::hint_label)
                                .collect::<Vec<_>>()
                                .join(" "),
                        };
                        Some(Hint {
                            keys: text,
                            text: d.text.clone(),
                            actions: d.actions.clone(),
                        })
                    })
                    .collect();
                (*footer, hints)
            })
            .collect();
        Hints::new(footers)
    }
}

/// The keymap table whose bindings a footer shows.
fn footer_context(footer: Footer) -> Context {
    match footer {
        Footer::Ledger => Context::Ledger,
        Footer::Review => Context::Review,
        Footer::Trash => Context::Trash,
        Footer::History | Footer::HistoryDetail => Context::History,
        Footer::Budget => Context::Budget,
        Footer::Rename => Context::Rename,
        Footer::Form => Context::Form,
        Footer::Schedules => Context::Schedules,
        Footer::Move => Context::Move,
        Footer::Confirm => Context::Confirm,
        Footer::Quick => Context::Quick,
        Footer::Filter => Context::Filter,
        Footer::Help => Context::Help,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A footer as it is drawn, ` key word` pairs.
    fn footer(km: &Keymap, f: Footer) -> String {
        km.hints()
            .get(f)
            .iter()
            .map(|h| format!(" {} {}", h.keys, h.text))
            .collect()
    }

    #[test]
    fn default_hints_are_the_ones_the_screens_always_showed() {
        let km = Keymap::load(None).unwrap();
        let expected = [
            (
                Footer::Ledger,
                " a add e edit d del u undo c hist / find [ ] month r review ? help q quit R \
                 recurring",
            ),
            (
                Footer::Review,
                " space expand enter expenses b budget H hist [ ] month r ledger ? help q quit R \
                 rename",
            ),
            (Footer::Trash, " r restore x purge Esc ledger ? help q quit"),
            (
                Footer::History,
                " enter detail u undo ^r redo g G ends H all esc back ? help",
            ),
            (
                Footer::HistoryDetail,
                " j k prev/next u undo ^r redo esc close ? help",
            ),
            (Footer::Budget, " enter save empty removes esc cancel"),
            (Footer::Rename, " enter rename u undoes it esc cancel"),
            (
                Footer::Form,
                " Enter save Esc cancel Tab next ↓↑ suggest ^o take theirs",
            ),
            (
                Footer::Schedules,
                " enter post/edit a add p pause s skip Esc ledger ? help m move E end d del",
            ),
            (Footer::Move, " enter move u undoes it esc cancel"),
            (Footer::Confirm, " y yes n / Esc keep it"),
            (
                Footer::Quick,
                " Enter adds Esc cancels Tab complete ↑ recall",
            ),
            (
                Footer::Filter,
                " Enter keep Esc clear cat:food @payee #tag >50 by field",
            ),
            (Footer::Help, " j/↓ more Esc close"),
        ];
        for (f, text) in expected {
            assert_eq!(footer(&km, f), text, "{}", f.name());
        }
    }

    #[test]
    fn rebinding_a_key_changes_the_hint() {
        let mut km = Keymap::load(None).unwrap();
        // `a` moves to `n`: the footer names `n`, wherever `a` went.
        km.patch("[ledger]\n\"n\" = \"open_add\"\n\"a\" = \"none\"\n", "k")
            .unwrap();
        assert!(footer(&km, Footer::Ledger).starts_with(" n add e edit"));
        // A key of the user's file comes first even while the default one still works.
        km.patch("[ledger]\n\"ctrl-e\" = \"open_edit\"\n", "k")
            .unwrap();
        assert!(footer(&km, Footer::Ledger).starts_with(" n add ^e edit"));
        // An action left without keys loses its hint; the other key of an action takes over.
        km.patch("[ledger]\n\"q\" = \"none\"\n\"?\" = \"none\"\n", "k")
            .unwrap();
        assert!(
            footer(&km, Footer::Ledger).ends_with(" r review f1 help ^c quit R recurring"),
            "{}",
            footer(&km, Footer::Ledger)
        );
        // A fixed key text holds only for the keys it was written for.
        km.patch(
            "[trash]\n\"esc\" = \"none\"\n\"b\" = \"open_ledger\"\n",
            "k",
        )
        .unwrap();
        assert_eq!(
            footer(&km, Footer::Trash),
            " r restore x purge b ledger ? help q quit"
        );
        // A user list replaces a footer's hints; errors name the footer and the action.
        km.patch(
            "[hints]\ntrash = [{ run = \"quit\", hint = \"bye\" }]\n",
            "k",
        )
        .unwrap();
        assert_eq!(footer(&km, Footer::Trash), " q bye");
        let err = km
            .patch(
                "[hints]\ntrash = [{ run = \"explode\", hint = \"x\" }]\n",
                "k",
            )
            .unwrap_err()
            .to_string();
        assert!(err.contains("trash") && err.contains("explode"), "{err}");
        let err = km
            .patch("[hints]\nlobby = []\n", "k")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("lobby") && err.contains("history_detail"),
            "{err}"
        );
        assert!(km.patch("[ledger]\n\"x\" = []\n", "k").is_err());
    }
}
