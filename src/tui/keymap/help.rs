//! The help overlay's entries: every binding of every context, grouped by action in the order
//! the keymap file writes their `desc`s (yazi's `desc`), so the text of every action lives in
//! `assets/keymap.toml` and a user file can change it.

use super::{Context, Keymap};
use crate::app::Action;
use crate::ui::HelpEntry;

/// The help text of one action in one context.
#[derive(Debug, Clone)]
pub(super) struct Desc {
    pub(super) context: Context,
    pub(super) action: Action,
    pub(super) text: String,
}

impl Keymap {
    /// Where `action` goes in `context`'s help and its text: its own desc, else the desc it has
    /// in another context (after the described ones), else the action's Rust name.
    fn describe(&self, context: Context, action: &Action) -> (usize, String) {
        if let Some(i) = self
            .descs
            .iter()
            .position(|d| d.context == context && d.action == *action)
        {
            return (i, self.descs[i].text.clone());
        }
        let text = match self.descs.iter().find(|d| d.action == *action) {
            Some(d) => d.text.clone(),
            // Only for an action the built-in file binds nowhere (every one it binds has a desc).
            None => format!("{action:?}"),
        };
        (usize::MAX, text)
    }

    /// Every binding, grouped by context and action, in the help's order.
    pub fn help(&self) -> Vec<HelpEntry> {
        let mut out: Vec<HelpEntry> = Vec::new();
        for (ctx, name) in Context::ALL {
            let mut by_action: Vec<(Action, Vec<String>)> = Vec::new();
            for ((c, k), a) in &self.map {
                if *c != ctx {
                    continue;
                }
                match by_action.iter_mut().find(|(x, _)| x == a) {
                    Some((_, keys)) => keys.push(k.label()),
                    None => by_action.push((a.clone(), vec![k.label()])),
                }
            }
            let mut entries: Vec<((usize, String), Vec<String>)> = by_action
                .into_iter()
                .map(|(a, keys)| (self.describe(ctx, &a), keys))
                .collect();
            // Stable: actions without a desc of their own keep their keys' order at the end.
            entries.sort_by_key(|((at, _), _)| *at);
            for ((_, desc), keys) in entries {
                out.push(HelpEntry {
                    context: name.into(),
                    keys: keys.join(", "),
                    desc,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_binding_has_its_desc_in_its_table() {
        let km = Keymap::load(None).unwrap();
        for ((ctx, _), action) in &km.map {
            assert!(
                km.descs
                    .iter()
                    .any(|d| d.context == *ctx && d.action == *action),
                "[{}] {action:?} has no desc in assets/keymap.toml",
                ctx.name()
            );
        }
    }

    #[test]
    fn user_descs_and_bindings_without_desc() {
        let before = Keymap::load(None).unwrap().help();
        let mut km = Keymap::load(None).unwrap();
        // A binding without a desc, in both shapes, keeps the built-in text and place.
        km.patch(
            "[ledger]\n\"x\" = \"quit\"\n\"X\" = { run = \"open_add\" }\n",
            "k",
        )
        .unwrap();
        let help = km.help();
        assert_eq!(help.len(), before.len());
        let quit = help
            .iter()
            .find(|h| h.context == "ledger" && h.desc == "quit")
            .unwrap();
        assert!(quit.keys.contains('x'), "{quit:?}");
        // A desc replaces the text and keeps the place.
        km.patch(
            "[ledger]\n\"j\" = { run = \"select_next\", desc = \"down one\" }\n",
            "k",
        )
        .unwrap();
        let help = km.help();
        assert_eq!(help[0].desc, "down one");
        assert_eq!(help[0].keys, before[0].keys);
        // An action bound where it has no desc borrows the one it has elsewhere.
        km.patch("[trash]\n\"a\" = \"open_add\"\n", "k").unwrap();
        assert!(km
            .help()
            .iter()
            .any(|h| h.context == "trash" && h.keys == "a" && h.desc == "add an expense"));
    }
}
