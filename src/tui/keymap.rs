//! Keys to actions: `(Context, KeyEvent) -> Action`, from the embedded `assets/keymap.toml`
//! patched by the user's `keymap.toml`. Unbound printable keys in a text field become
//! `Action::Input`, so the reducer never sees crossterm types. Help is generated from this map
//! and from the `desc` written next to the bindings in the keymap file (yazi's `desc`), so the
//! text of every action lives in one place, `assets/keymap.toml`, and a user file can change it.
//! The status lines' key hints come from the same map: the file's `[hints]` table names each
//! footer's actions and words, and `Keymap::hints` writes the keys bound to them now.

use crate::app::state::{Overlay, Screen, State};
use crate::app::Action;
use crate::ui::{Footer, HelpEntry, Hint, Hints};
use color_eyre::eyre::{eyre, Result};
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

/// The default bindings.
pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// Where a key is pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// The month table.
    Ledger,
    /// Typing the filter.
    Filter,
    /// The add/edit form.
    Form,
    /// A yes/no prompt.
    Confirm,
    /// The help overlay.
    Help,
    /// The quick-entry line.
    Quick,
    /// The monthly review.
    Review,
    /// The budget form on the review.
    Budget,
    /// The trash screen.
    Trash,
    /// The history list and its detail view.
    History,
}

impl Context {
    const ALL: [(Context, &'static str); 10] = [
        (Context::Ledger, "ledger"),
        (Context::Review, "review"),
        (Context::Trash, "trash"),
        (Context::History, "history"),
        (Context::Budget, "budget"),
        (Context::Quick, "quick"),
        (Context::Filter, "filter"),
        (Context::Form, "form"),
        (Context::Confirm, "confirm"),
        (Context::Help, "help"),
    ];

    fn name(self) -> &'static str {
        Context::ALL
            .iter()
            .find(|(c, _)| *c == self)
            .map_or("", |(_, n)| n)
    }

    /// The context the state is in.
    pub fn of(state: &State) -> Context {
        match &state.overlay {
            Some(Overlay::Form(_)) => Context::Form,
            Some(Overlay::ConfirmDelete { .. } | Overlay::ConfirmPurge { .. }) => Context::Confirm,
            Some(Overlay::Help { .. }) => Context::Help,
            Some(Overlay::Quick { .. }) => Context::Quick,
            Some(Overlay::Budget(_)) => Context::Budget,
            None if state.screen == Screen::Review => Context::Review,
            None if state.screen == Screen::Trash => Context::Trash,
            None if state.screen == Screen::History => Context::History,
            None if state.ledger.filter_editing => Context::Filter,
            None => Context::Ledger,
        }
    }

    /// Contexts with a text field: unbound keys edit the text.
    fn has_text(self) -> bool {
        matches!(
            self,
            Context::Form | Context::Filter | Context::Quick | Context::Budget
        )
    }
}

/// A key with its modifiers, normalised (Shift is folded into the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    code: KeyCodeOrd,
    ctrl: bool,
    alt: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum KeyCodeOrd {
    Char(char),
    Named(u8),
    F(u8),
}

const NAMES: [(&str, KeyCode); 14] = [
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("pgup", KeyCode::PageUp),
    ("pgdown", KeyCode::PageDown),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
];

impl Key {
    /// Parses `ctrl-d`, `G`, `pgdown`, `f1`, `space`.
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut rest = s;
        let (mut ctrl, mut alt) = (false, false);
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-").filter(|r| !r.is_empty()) {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-").filter(|r| !r.is_empty()) {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCodeOrd::Char(c),
            _ if rest == "space" => KeyCodeOrd::Char(' '),
            _ => {
                if let Some(i) = NAMES.iter().position(|(n, _)| *n == rest) {
                    KeyCodeOrd::Named(i as u8)
                } else if let Some(n) = rest.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    KeyCodeOrd::F(n)
                } else {
                    return Err(format!("unknown key '{s}'"));
                }
            }
        };
        Ok(Key { code, ctrl, alt })
    }

    /// The key of a crossterm event, if it is one we can bind.
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let code = match ev.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(c),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            other => KeyCodeOrd::Named(NAMES.iter().position(|(_, k)| *k == other)? as u8),
        };
        Some(Key {
            code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        })
    }

    fn label(&self) -> String {
        format!(
            "{}{}{}",
            if self.ctrl { "ctrl-" } else { "" },
            if self.alt { "alt-" } else { "" },
            self.base()
        )
    }

    /// How the key is written in a status line's hints: as in the help, but `^r` for ctrl-r.
    fn hint_label(&self) -> String {
        format!(
            "{}{}{}",
            if self.ctrl { "^" } else { "" },
            if self.alt { "alt-" } else { "" },
            self.base()
        )
    }

    /// The key without its modifiers: `j`, `space`, `enter`, `f1`.
    fn base(&self) -> String {
        match self.code {
            KeyCodeOrd::Char(' ') => "space".to_string(),
            KeyCodeOrd::Char(c) => c.to_string(),
            KeyCodeOrd::Named(i) => NAMES[usize::from(i)].0.to_string(),
            KeyCodeOrd::F(n) => format!("f{n}"),
        }
    }
}

/// One value in a keymap file: a binding (an action name, or the action with its help text),
/// or, in the `[hints]` table, the list of one footer's hints.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Binding {
    /// `"j" = "select_next"`.
    Action(String),
    /// `"j" = { run = "select_next", desc = "next row" }`.
    Described {
        run: String,
        #[serde(default)]
        desc: Option<String>,
    },
    /// `ledger = [{ run = "open_add", hint = "add" }, ...]` in `[hints]`.
    Hints(Vec<HintSpec>),
}

/// One hint as written in `[hints]`: the actions whose keys are shown (space-separated; none
/// for a note), the word after them, and optionally how to write the keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HintSpec {
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
struct HintDef {
    actions: Vec<Action>,
    text: String,
    label: Option<(String, Vec<Key>)>,
}
impl Binding {
    fn parts(&self) -> (&str, Option<&str>) {
        match self {
            Binding::Action(a) => (a, None),
            Binding::Described { run, desc } => (run, desc.as_deref()),
            Binding::Hints(_) => ("", None),
        }
    }
}

/// The help text of one action in one context.
#[derive(Debug, Clone)]
struct Desc {
    context: Context,
    action: Action,
    text: String,
}

/// All bindings, per context, and the help text of their actions.
#[derive(Debug, Clone)]
pub struct Keymap {
    map: BTreeMap<(Context, Key), Action>,
    /// In help order: the built-in file's order of `desc`s, then new ones from the user's file.
    descs: Vec<Desc>,
    /// Where each binding was written: (patch number, position in that file). The hints show
    /// an action's key from the latest file that binds it, the first written there.
    written: BTreeMap<(Context, Key), (usize, usize)>,
    /// How many files were applied.
    patches: usize,
    /// The hints of each footer, in drawing order.
    hints: Vec<(Footer, Vec<HintDef>)>,
}

impl Keymap {
    /// The defaults patched by `dir/keymap.toml` when it exists.
    pub fn load(dir: Option<&Path>) -> Result<Keymap> {
        let mut km = Keymap {
            map: BTreeMap::new(),
            descs: Vec::new(),
            written: BTreeMap::new(),
            patches: 0,
            hints: Vec::new(),
        };
        km.patch(DEFAULT_KEYMAP, "<built-in keymap.toml>")?;
        if let Some(dir) = dir {
            let path = dir.join("keymap.toml");
            if let Ok(text) = std::fs::read_to_string(&path) {
                km.patch(&text, &path.display().to_string())?;
            }
        }
        Ok(km)
    }

    /// Applies a TOML keymap over the current bindings; errors name the file, table and value.
    /// A `desc` replaces the help text of its action in that table (a new one goes last).
    pub fn patch(&mut self, text: &str, source: &str) -> Result<()> {
        // Spanned: the tables are maps (sorted by key), and the help wants the `desc`s in the
        // order they are written, which only their position in the file still tells.
        let tables: BTreeMap<String, BTreeMap<String, Spanned<Binding>>> =
            toml::from_str(text).map_err(|e| eyre!("{source}: {}", e.to_string().trim_end()))?;
        let mut described: Vec<(usize, Desc)> = Vec::new();
        let patch = self.patches;
        self.patches += 1;
        let mut footers: Vec<(Footer, Vec<HintSpec>)> = Vec::new();
        for (ctx_name, bindings) in tables {
            if ctx_name == "hints" {
                for (name, list) in bindings {
                    let footer = Footer::ALL
                        .iter()
                        .find(|(_, n)| *n == name)
                        .map(|(f, _)| *f)
                        .ok_or_else(|| {
                            let known: Vec<&str> = Footer::ALL.iter().map(|(_, n)| *n).collect();
                            eyre!(
                                "{source}: [hints] unknown footer '{name}' ({})",
                                known.join(", ")
                            )
                        })?;
                    let Binding::Hints(specs) = list.into_inner() else {
                        return Err(eyre!(
                            "{source}: [hints] {name}: expected a list like [{{ run = \"quit\", hint = \"quit\" }}]"
                        ));
                    };
                    footers.push((footer, specs));
                }
                continue;
            }
            let ctx = Context::ALL
                .iter()
                .find(|(_, n)| *n == ctx_name)
                .map(|(c, _)| *c)
                .ok_or_else(|| {
                    let known: Vec<&str> = Context::ALL.iter().map(|(_, n)| *n).collect();
                    eyre!(
                        "{source}: unknown section [{ctx_name}] ({})",
                        known.join(", ")
                    )
                })?;
            for (key, binding) in bindings {
                let at = binding.span().start;
                if let Binding::Hints(_) = binding.get_ref() {
                    return Err(eyre!(
                        "{source}: [{ctx_name}] \"{key}\": a list is not a binding (hints go in [hints])"
                    ));
                }
                let (action, desc) = binding.get_ref().parts();
                let k = Key::parse(&key).map_err(|e| eyre!("{source}: [{ctx_name}] {e}"))?;
                if action == "none" {
                    self.map.remove(&(ctx, k));
                    continue;
                }
                let a: Action = serde_json::from_value(serde_json::Value::String(action.into()))
                    .map_err(|_| {
                        eyre!("{source}: [{ctx_name}] \"{key}\" = \"{action}\": unknown action")
                    })?;
                if let Some(text) = desc {
                    let d = Desc {
                        context: ctx,
                        action: a.clone(),
                        text: text.into(),
                    };
                    described.push((at, d));
                }
                self.map.insert((ctx, k), a);
                self.written.insert((ctx, k), (patch, at));
            }
        }
        // After this file's bindings, so a fixed key text is tied to the keys they give.
        for (footer, specs) in footers {
            let defs = specs
                .into_iter()
                .map(|spec| self.hint_def(footer, spec, source))
                .collect::<Result<Vec<_>>>()?;
            match self.hints.iter_mut().find(|(f, _)| *f == footer) {
                Some((_, old)) => *old = defs,
                None => self.hints.push((footer, defs)),
            }
        }
        described.sort_by_key(|(at, _)| *at);
        for (_, d) in described {
            match self
                .descs
                .iter_mut()
                .find(|x| x.context == d.context && x.action == d.action)
            {
                // A user's desc changes the text and keeps the built-in place in the help.
                Some(x) => x.text = d.text,
                None => self.descs.push(d),
            }
        }
        Ok(())
    }

    /// Parses one `[hints]` entry of `footer`.
    fn hint_def(&self, footer: Footer, spec: HintSpec, source: &str) -> Result<HintDef> {
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

    /// Resolves a terminal event in `context`.
    pub fn resolve(&self, context: Context, event: &Event) -> Option<Action> {
        let Event::Key(key) = event else { return None };
        if key.kind == KeyEventKind::Release {
            return None;
        }
        if let Some(k) = Key::from_event(key) {
            if let Some(a) = self.map.get(&(context, k)) {
                return Some(a.clone());
            }
        }
        if context.has_text() {
            return tui_input::backend::crossterm::to_input_request(event).map(Action::Input);
        }
        None
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

    /// The context's name, for messages.
    pub fn context_name(c: Context) -> &'static str {
        c.name()
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
        Footer::Form => Context::Form,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyEventState;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> Event {
        Event::Key(KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        })
    }

    #[test]
    fn default_bindings_resolve() {
        let km = Keymap::load(None).unwrap();
        let j = key(KeyCode::Char('j'), KeyModifiers::NONE);
        assert_eq!(km.resolve(Context::Ledger, &j), Some(Action::SelectNext));
        let g = key(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(km.resolve(Context::Ledger, &g), Some(Action::SelectLast));
        // In a text field, 'j' is text.
        assert_eq!(
            km.resolve(Context::Form, &j),
            Some(Action::Input(tui_input::InputRequest::InsertChar('j')))
        );
        let ctrl_d = key(KeyCode::Char('d'), KeyModifiers::CONTROL);
        assert_eq!(km.resolve(Context::Ledger, &ctrl_d), Some(Action::PageDown));
        assert!(km
            .help()
            .iter()
            .any(|h| h.context == "ledger" && h.keys.contains("pgdown")));
    }

    #[test]
    fn user_patch_and_errors() {
        let mut km = Keymap::load(None).unwrap();
        km.patch("[ledger]\n\"x\" = \"quit\"\n\"q\" = \"none\"\n", "test")
            .unwrap();
        let x = key(KeyCode::Char('x'), KeyModifiers::NONE);
        let q = key(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(km.resolve(Context::Ledger, &x), Some(Action::Quit));
        assert_eq!(km.resolve(Context::Ledger, &q), None);
        let err = km
            .patch("[ledger]\n\"x\" = \"explode\"\n", "keymap.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("explode") && err.contains("keymap.toml"),
            "{err}"
        );
        for bad in ["ctrl-", "nope", "f99x"] {
            let err = km
                .patch(&format!("[ledger]\n\"{bad}\" = \"quit\"\n"), "k")
                .unwrap_err()
                .to_string();
            assert!(err.contains(&format!("'{bad}'")), "{err}");
        }
        assert!(km.patch("[elsewhere]\n", "k").is_err());
    }

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
                " a add e edit d del u undo h hist / find [ ] month r review ? help q quit",
            ),
            (
                Footer::Review,
                " space expand enter expenses b budget H hist [ ] month r ledger ? help q quit",
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
            (Footer::Form, " Enter save Esc cancel Tab next ↓↑ suggest"),
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
            footer(&km, Footer::Ledger).ends_with(" r review f1 help ^c quit"),
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

    #[test]
    fn unknown_section_lists_every_context() {
        let mut km = Keymap::load(None).unwrap();
        let err = km.patch("[elsewhere]\n", "k").unwrap_err().to_string();
        for (_, name) in Context::ALL {
            assert!(err.contains(name), "{err} lacks {name}");
        }
        assert!(err.contains("[elsewhere]"), "{err}");
    }
}
