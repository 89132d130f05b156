//! Keys to actions: `(Context, KeyEvent) -> Action`, from the embedded `assets/keymap.toml`
//! patched by the user's `keymap.toml`. Unbound printable keys in a text field become
//! `Action::Input`, so the reducer never sees crossterm types. Help is generated from this map.

use crate::app::state::{Overlay, Screen, State};
use crate::app::Action;
use crate::ui::HelpEntry;
use color_eyre::eyre::{eyre, Result};
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::BTreeMap;
use std::path::Path;

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
            None if state.screen == Screen::Review => match state.review.budget_form {
                Some(_) => Context::Budget,
                None => Context::Review,
            },
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
        let base = match self.code {
            KeyCodeOrd::Char(' ') => "space".to_string(),
            KeyCodeOrd::Char(c) => c.to_string(),
            KeyCodeOrd::Named(i) => NAMES[usize::from(i)].0.to_string(),
            KeyCodeOrd::F(n) => format!("f{n}"),
        };
        format!(
            "{}{}{base}",
            if self.ctrl { "ctrl-" } else { "" },
            if self.alt { "alt-" } else { "" }
        )
    }
}

/// All bindings, per context.
#[derive(Debug, Clone)]
pub struct Keymap {
    map: BTreeMap<(Context, Key), Action>,
}

impl Keymap {
    /// The defaults patched by `dir/keymap.toml` when it exists.
    pub fn load(dir: Option<&Path>) -> Result<Keymap> {
        let mut km = Keymap {
            map: BTreeMap::new(),
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
    pub fn patch(&mut self, text: &str, source: &str) -> Result<()> {
        let tables: BTreeMap<String, BTreeMap<String, String>> =
            toml::from_str(text).map_err(|e| eyre!("{source}: {}", e.to_string().trim_end()))?;
        for (ctx_name, bindings) in tables {
            let ctx = Context::ALL
                .iter()
                .find(|(_, n)| *n == ctx_name)
                .map(|(c, _)| *c)
                .ok_or_else(|| eyre!("{source}: unknown section [{ctx_name}] (ledger, review, history, budget, quick, filter, form, confirm, help)"))?;
            for (key, action) in bindings {
                let k = Key::parse(&key).map_err(|e| eyre!("{source}: [{ctx_name}] {e}"))?;
                if action == "none" {
                    self.map.remove(&(ctx, k));
                    continue;
                }
                let a: Action = serde_json::from_value(serde_json::Value::String(action.clone()))
                    .map_err(|_| {
                    eyre!("{source}: [{ctx_name}] \"{key}\" = \"{action}\": unknown action")
                })?;
                self.map.insert((ctx, k), a);
            }
        }
        Ok(())
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
            by_action.sort_by_key(|(a, _)| describe(a).0);
            for (a, keys) in by_action {
                out.push(HelpEntry {
                    context: name.into(),
                    keys: keys.join(", "),
                    desc: describe(&a).1.into(),
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

/// Help order and text of each bindable action.
fn describe(a: &Action) -> (u8, &'static str) {
    match a {
        Action::SelectNext => (0, "next row"),
        Action::SelectPrev => (1, "previous row"),
        Action::PageDown => (2, "page down"),
        Action::PageUp => (3, "page up"),
        Action::SelectFirst => (4, "first row"),
        Action::SelectLast => (5, "last row"),
        Action::PrevMonth => (6, "previous month"),
        Action::NextMonth => (7, "next month"),
        Action::ThisMonth => (8, "back to this month"),
        Action::CycleSort => (9, "sort by date / amount / category / payee"),
        Action::ReverseSort => (10, "reverse the sort order"),
        Action::StartFilter => (11, "filter (fuzzy: payee, category, note, tags, amount)"),
        Action::ClearFilter => (12, "clear the filter"),
        Action::OpenAdd => (13, "add an expense"),
        Action::OpenQuick => (13, "one-line entry: 12.50 groc @Lidl -1"),
        Action::OpenEdit => (14, "edit the selected expense"),
        Action::DeleteSelected => (15, "delete the selected expense (asks first)"),
        Action::Undo => (16, "undo the latest change (any session)"),
        Action::Redo => (16, "redo the latest undo"),
        Action::OpenHistory => (16, "history of every change"),
        Action::ItemHistory => (16, "history of the selected expense"),
        Action::OpenHelp => (17, "this help"),
        Action::Suspend => (18, "suspend to the shell (fg resumes)"),
        Action::Quit => (19, "quit"),
        Action::FocusNext => (20, "next field"),
        Action::FocusPrev => (21, "previous field"),
        Action::SuggestNext => (22, "next suggestion (or next field)"),
        Action::SuggestPrev => (23, "previous suggestion (or previous field)"),
        Action::ToggleKind => (24, "switch expense / income"),
        Action::Submit => (25, "save / confirm / accept suggestion / detail"),
        Action::Cancel => (26, "cancel / close"),
        Action::ScrollDown => (27, "scroll down"),
        Action::ScrollUp => (28, "scroll up"),
        Action::OpenReview => (29, "monthly review: categories, budgets, charts"),
        Action::OpenLedger => (30, "back to the ledger"),
        Action::ToggleExpand => (31, "expand / collapse the category"),
        Action::Expand => (32, "expand (or step into) the category"),
        Action::Collapse => (33, "collapse (or go to the parent)"),
        Action::OpenCategory => (34, "the category's expenses in the ledger"),
        Action::EditBudget => (35, "set the category's monthly budget"),
        Action::OpenTrash => (36, "the trash: deleted expenses, restore or purge"),
        Action::RestoreSelected => (37, "restore the selected expense"),
        Action::PurgeSelected => (38, "purge the selected expense for good (asks first)"),
        _ => (99, "internal"),
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
}
