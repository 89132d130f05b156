//! The key hints of each status line (and of the form's and budget popup's key lines), as
//! the keymap builds them: which actions a footer names is written in `assets/keymap.toml`'s
//! `[hints]` table, and the keys shown are the ones bound to those actions, so a person who
//! rebinds a key sees the new key here. Render only looks the hints up, through `Chrome`.

use super::theme::{Meaning, Theme};
use crate::app::Action;
use ratatui::text::Span;

/// A line of key hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Footer {
    /// The ledger's status line.
    Ledger,
    /// The review's status line.
    Review,
    /// The trash's status line.
    Trash,
    /// The history list's status line.
    History,
    /// The status line of one history record's detail.
    HistoryDetail,
    /// The key line of the budget popup.
    Budget,
    /// The key line of the rename prompt.
    Rename,
    /// The bottom border of the add/edit form.
    Form,
    /// The schedules screen's status line.
    Schedules,
    /// The key line of the prompt that moves an occurrence.
    Move,
}

impl Footer {
    /// Every footer with its name in the keymap's `[hints]` table.
    pub const ALL: [(Footer, &'static str); 10] = [
        (Footer::Ledger, "ledger"),
        (Footer::Review, "review"),
        (Footer::Trash, "trash"),
        (Footer::History, "history"),
        (Footer::HistoryDetail, "history_detail"),
        (Footer::Budget, "budget"),
        (Footer::Rename, "rename"),
        (Footer::Form, "form"),
        (Footer::Schedules, "schedules"),
        (Footer::Move, "move"),
    ];

    /// The footer's name in the keymap file.
    pub fn name(self) -> &'static str {
        Footer::ALL
            .iter()
            .find(|(f, _)| *f == self)
            .map_or("", |(_, n)| n)
    }
}

/// One hint as drawn: the keys (`a`, `[ ]`, `^r`) and a word (`add`).
#[derive(Debug, Clone, PartialEq)]
pub struct Hint {
    /// The keys as written on screen.
    pub keys: String,
    /// What they do, in a word or two.
    pub text: String,
    /// The actions the keys run (empty for a note such as `empty removes`), so a screen can
    /// leave out a hint that means nothing in its current view.
    pub actions: Vec<Action>,
}

/// The hints of every footer, in the order they are drawn.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hints {
    footers: Vec<(Footer, Vec<Hint>)>,
}

impl Hints {
    /// Hints from `(footer, hints)` pairs (the keymap builds them).
    pub fn new(footers: Vec<(Footer, Vec<Hint>)>) -> Hints {
        Hints { footers }
    }

    /// The hints of `footer` (none when the keymap gives it none).
    pub fn get(&self, footer: Footer) -> &[Hint] {
        self.footers
            .iter()
            .find(|(f, _)| *f == footer)
            .map_or(&[], |(_, h)| h.as_slice())
    }
}

/// The first of `hints` that fit whole in `width` cells as ` key word` pairs.
pub fn fitting(hints: &[Hint], width: u16) -> &[Hint] {
    let mut used = 0usize;
    let n = hints
        .iter()
        .take_while(|h| {
            used += 2 + h.keys.chars().count() + h.text.chars().count();
            used <= usize::from(width)
        })
        .count();
    &hints[..n]
}

/// The spans of `hints`: ` key word` pairs styled as keys and muted text.
pub fn spans<'a, 'h>(hints: impl IntoIterator<Item = &'h Hint>, theme: &Theme) -> Vec<Span<'a>> {
    hints
        .into_iter()
        .flat_map(|h| {
            [
                Span::styled(format!(" {}", h.keys), theme.style(Meaning::Key)),
                Span::styled(format!(" {}", h.text), theme.style(Meaning::Muted)),
            ]
        })
        .collect()
}
