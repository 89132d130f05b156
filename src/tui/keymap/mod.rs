//! Keys to actions: `(Context, KeyEvent) -> Action`, from the embedded `assets/keymap.toml`
//! patched by the user's `keymap.toml`. Unbound printable keys in a text field become
//! `Action::Input`, so the reducer never sees crossterm types. Help is generated from this map
//! and from the `desc` written next to the bindings in the keymap file (yazi's `desc`), so the
//! text of every action lives in one place, `assets/keymap.toml`, and a user file can change it.
//! The status lines' key hints come from the same map: the file's `[hints]` table names each
//! footer's actions and words, and `Keymap::hints` writes the keys bound to them now.
//!
//! This file holds the map itself: [`Context`], [`Keymap`], loading and patching the files,
//! and resolving an event. Its rooms: `keys` (key strings and their labels), `help` (the help
//! overlay's entries), `hints` (the footers' key hints).

mod help;
mod hints;
mod keys;

pub use keys::Key;

use crate::app::state::{Overlay, Screen, State};
use crate::app::Action;
use crate::ui::Footer;
use color_eyre::eyre::{eyre, Result};
use help::Desc;
use hints::{HintDef, HintSpec};
use ratatui::crossterm::event::{Event, KeyEventKind};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

/// The default bindings.
pub const DEFAULT_KEYMAP: &str = include_str!("../../../assets/keymap.toml");

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
    /// The rename prompt on the review.
    Rename,
    /// The trash screen.
    Trash,
    /// The history list and its detail view.
    History,
    /// The schedules screen (recurring expenses).
    Schedules,
    /// The prompt that moves one occurrence of a schedule.
    Move,
}

impl Context {
    const ALL: [(Context, &'static str); 13] = [
        (Context::Ledger, "ledger"),
        (Context::Review, "review"),
        (Context::Trash, "trash"),
        (Context::History, "history"),
        (Context::Schedules, "schedules"),
        (Context::Move, "move"),
        (Context::Budget, "budget"),
        (Context::Rename, "rename"),
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
            Some(
                Overlay::ConfirmDelete { .. }
                | Overlay::ConfirmPurge { .. }
                | Overlay::ConfirmRemoveSchedule { .. },
            ) => Context::Confirm,
            Some(Overlay::Move(_)) => Context::Move,
            Some(Overlay::Help { .. }) => Context::Help,
            Some(Overlay::Quick(_)) => Context::Quick,
            Some(Overlay::Budget(_)) => Context::Budget,
            Some(Overlay::Rename(_)) => Context::Rename,
            None if state.screen == Screen::Review => Context::Review,
            None if state.screen == Screen::Trash => Context::Trash,
            None if state.screen == Screen::History => Context::History,
            None if state.screen == Screen::Schedules => Context::Schedules,
            None if state.ledger.filter_editing => Context::Filter,
            None => Context::Ledger,
        }
    }

    /// Contexts with a text field: unbound keys edit the text.
    fn has_text(self) -> bool {
        matches!(
            self,
            Context::Form
                | Context::Filter
                | Context::Quick
                | Context::Budget
                | Context::Rename
                | Context::Move
        )
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

impl Binding {
    fn parts(&self) -> (&str, Option<&str>) {
        match self {
            Binding::Action(a) => (a, None),
            Binding::Described { run, desc } => (run, desc.as_deref()),
            Binding::Hints(_) => ("", None),
        }
    }
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

    /// The context's name, for messages.
    pub fn context_name(c: Context) -> &'static str {
        c.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventState, KeyModifiers};

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

    /// Vim's h/l do what [ and ] do on every screen that has months, and nothing else there.
    #[test]
    fn h_and_l_pair_with_the_month_keys() {
        let km = Keymap::load(None).unwrap();
        let k = |c| key(KeyCode::Char(c), KeyModifiers::NONE);
        for ctx in [Context::Ledger, Context::Review] {
            assert_eq!(km.resolve(ctx, &k('[')), Some(Action::PrevMonth));
            assert_eq!(km.resolve(ctx, &k('h')), km.resolve(ctx, &k('[')));
            assert_eq!(km.resolve(ctx, &k(']')), Some(Action::NextMonth));
            assert_eq!(km.resolve(ctx, &k('l')), km.resolve(ctx, &k(']')));
        }
        for (ctx, _) in Context::ALL {
            let months = km.resolve(ctx, &k('[')) == Some(Action::PrevMonth);
            let h = km.resolve(ctx, &k('h'));
            assert!(
                months || h.is_none() || matches!(h, Some(Action::Input(_))),
                "{}: h is {h:?} where [ is no month key",
                ctx.name()
            );
        }
        // The expense's own history moved from h to c.
        assert_eq!(
            km.resolve(Context::Ledger, &k('c')),
            Some(Action::ItemHistory)
        );
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
    fn unknown_section_lists_every_context() {
        let mut km = Keymap::load(None).unwrap();
        let err = km.patch("[elsewhere]\n", "k").unwrap_err().to_string();
        for (_, name) in Context::ALL {
            assert!(err.contains(name), "{err} lacks {name}");
        }
        assert!(err.contains("[elsewhere]"), "{err}");
    }
}
