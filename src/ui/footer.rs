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
    /// The key line of a yes/no popup (its first hint's word becomes the popup's own verb).
    Confirm,
    /// The title of the quick-entry line.
    Quick,
    /// The status line while the filter is typed.
    Filter,
    /// The title of the help overlay.
    Help,
}

impl Footer {
    /// Every footer with its name in the keymap's `[hints]` table.
    pub const ALL: [(Footer, &'static str); 14] = [
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
        (Footer::Confirm, "confirm"),
        (Footer::Quick, "quick"),
        (Footer::Filter, "filter"),
        (Footer::Help, "help"),
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

/// The first of `hints` that fit whole in `width` cells as ` key word` pairs; the help hint
/// is kept when it can fit at all (the hints before it make room), so a narrow terminal
/// still says where every other key is written.
pub fn fitting(hints: &[Hint], width: u16) -> Vec<&Hint> {
    let cells = |h: &Hint| 2 + h.keys.chars().count() + h.text.chars().count();
    let width = usize::from(width);
    let mut used = 0usize;
    let mut out: Vec<&Hint> = hints
        .iter()
        .take_while(|h| {
            used += cells(h);
            used <= width
        })
        .collect();
    let help = hints.iter().find(|h| h.actions.contains(&Action::OpenHelp));
    if let Some(help) = help.filter(|h| !out.iter().any(|o| std::ptr::eq(*o, *h))) {
        while !out.is_empty() && out.iter().map(|h| cells(h)).sum::<usize>() + cells(help) > width {
            out.pop();
        }
        if cells(help) <= width {
            out.push(help);
        }
    }
    out
}

/// `hints` as plain text for a title, `key word` pairs between ` · `.
pub fn title<'h>(hints: impl IntoIterator<Item = &'h Hint>) -> String {
    hints
        .into_iter()
        .map(|h| format!("{} {}", h.keys, h.text))
        .collect::<Vec<_>>()
        .join(" · ")
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

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(keys: &str, text: &str, action: Option<Action>) -> Hint {
        Hint {
            keys: keys.into(),
            text: text.into(),
            actions: action.into_iter().collect(),
        }
    }

    fn shown(hints: &[&Hint]) -> String {
        hints
            .iter()
            .map(|h| format!(" {} {}", h.keys, h.text))
            .collect()
    }

    #[test]
    fn a_narrow_line_keeps_the_help_hint() {
        let hints = [
            hint("a", "add", Some(Action::OpenAdd)),
            hint("e", "edit", Some(Action::OpenEdit)),
            hint("d", "del", Some(Action::DeleteSelected)),
            hint("?", "help", Some(Action::OpenHelp)),
            hint("q", "quit", Some(Action::Quit)),
        ];
        // Wide enough for all: all, in order.
        assert_eq!(
            shown(&fitting(&hints, 80)),
            " a add e edit d del ? help q quit"
        );
        // Wide enough to reach help: the ones after it go.
        assert_eq!(shown(&fitting(&hints, 28)), " a add e edit d del ? help");
        // Too narrow to reach help: the last ones before it make room.
        assert_eq!(shown(&fitting(&hints, 20)), " a add e edit ? help");
        assert_eq!(shown(&fitting(&hints, 8)), " ? help");
        // Narrower than the help hint itself: nothing rather than half a word.
        assert!(fitting(&hints, 5).is_empty());
        // No help hint among them: the first that fit.
        assert_eq!(shown(&fitting(&hints[..2], 10)), " a add");
    }
}
