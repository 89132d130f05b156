//! Pure render functions: `render(&State, &Chrome, &mut Frame)` reads state and draws; it never
//! changes state or does I/O. One file per screen; overlays are drawn last, over a `Clear`.

pub mod budget;
pub mod chart;
pub mod footer;
pub mod form;
pub mod help;
pub mod history;
pub mod layout;
pub mod ledger;
pub mod quick;
pub mod rename;
pub mod review;
pub mod schedules;
pub mod theme;
pub mod trash;
pub mod widgets;

use crate::app::state::{Overlay, State};
use crate::domain::money::format_grouped;
use crate::domain::text::inert;
pub use footer::{Footer, Hint, Hints};
pub use help::HelpEntry;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;
use theme::{Meaning, Theme};

/// What render needs besides state: the theme and the key bindings (for hints and help).
pub struct Chrome<'a> {
    /// Styles.
    pub theme: &'a Theme,
    /// Every binding, for the help overlay.
    pub help: &'a [HelpEntry],
    /// The key hints of each status line, built from the same bindings.
    pub hints: &'a Hints,
}

impl Chrome<'_> {
    /// The spans of `footer`'s key hints.
    pub fn hint_spans<'a>(&self, footer: Footer) -> Vec<Span<'a>> {
        footer::spans(self.hints.get(footer), self.theme)
    }
}

/// Draws the whole app.
pub fn render(state: &State, chrome: &Chrome, frame: &mut Frame) {
    let area = frame.area();
    if layout::too_small(area) {
        let text = Paragraph::new("terminal too small").wrap(Wrap { trim: true });
        frame.render_widget(text, area);
        return;
    }
    match state.screen {
        crate::app::state::Screen::Ledger => ledger::render(state, chrome, frame, area),
        crate::app::state::Screen::Review => review::render(state, chrome, frame, area),
        crate::app::state::Screen::Trash => trash::render(state, chrome, frame, area),
        crate::app::state::Screen::History => history::render(state, chrome, frame, area),
        crate::app::state::Screen::Schedules => schedules::render(state, chrome, frame, area),
    }
    match &state.overlay {
        Some(Overlay::Form(form)) => form::render(form, state, chrome, frame, area),
        Some(Overlay::Budget(form)) => budget::render(form, chrome, frame, area),
        Some(Overlay::Rename(form)) => rename::render(form, chrome, frame, area),
        Some(Overlay::Help { scroll }) => help::render(*scroll, chrome, frame, area),
        Some(Overlay::Quick(q)) => quick::render(q, chrome, frame, area),
        Some(Overlay::ConfirmDelete { expense }) => confirm_delete(expense, chrome, frame, area),
        Some(Overlay::ConfirmPurge { item }) => {
            trash::confirm_purge(&item.expense, chrome, frame, area)
        }
        Some(Overlay::ConfirmRemoveSchedule { schedule }) => {
            schedules::prompt::confirm_remove(schedule, chrome, frame, area)
        }
        Some(Overlay::Move(form)) => schedules::prompt::render_move(form, chrome, frame, area),
        None => {}
    }
}

fn confirm_delete(
    expense: &crate::domain::Expense,
    chrome: &Chrome,
    frame: &mut Frame,
    area: Rect,
) {
    let d = &expense.draft;
    let sign = if d.kind == crate::domain::Kind::Income {
        "+"
    } else {
        ""
    };
    let question = format!(
        "Delete {sign}{} {} · {} · {} on {}?",
        format_grouped(d.amount, d.currency),
        d.currency,
        inert(&d.category),
        inert(&d.payee),
        d.date.format("%Y-%m-%d")
    );
    confirm_popup(" Delete ", question, "delete", chrome, frame, area);
}

/// A y/n popup: `question` (wrapped; the key line below it always shows), the confirm
/// footer's keys under it with its first word (`yes`) as the popup's verb (`y delete`).
pub fn confirm_popup(
    title: &str,
    question: String,
    yes: &str,
    chrome: &Chrome,
    frame: &mut Frame,
    area: Rect,
) {
    let width = area.width.min(64);
    let text_width = usize::from(width.saturating_sub(2)).max(1);
    let question_rows = question.chars().count().div_ceil(text_width) as u16;
    let hints: Vec<footer::Hint> = chrome
        .hints
        .get(Footer::Confirm)
        .iter()
        .map(|h| match h.actions.as_slice() {
            [crate::app::Action::Submit] => footer::Hint {
                text: yes.to_string(),
                ..h.clone()
            },
            _ => h.clone(),
        })
        .collect();
    let text = vec![
        Line::from(question),
        Line::from(footer::spans(&hints, chrome.theme)),
    ];
    let popup = centered(area, width, question_rows + 3);
    popup_frame(frame, popup, title, chrome.theme);
    frame.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: false }),
        inner(popup),
    );
}

/// A rectangle of at most `width` x `height`, centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Clears `area` and draws a titled border.
pub fn popup_frame(frame: &mut Frame, area: Rect, title: &str, theme: &Theme) {
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Meaning::Border))
        .title(Span::styled(title.to_string(), theme.style(Meaning::Title)))
        .title_alignment(Alignment::Left);
    frame.render_widget(block, area);
}

/// The area inside a one-cell border.
pub fn inner(area: Rect) -> Rect {
    Rect {
        x: area.x.saturating_add(1),
        y: area.y.saturating_add(1),
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(2),
    }
}

/// A status line: `left` (message or key hints), and `position` (`3/120`) at the right edge.
pub fn status_line(left: Line<'_>, position: String, theme: &Theme, frame: &mut Frame, area: Rect) {
    let pos_width = position.chars().count() as u16;
    frame.render_widget(
        Paragraph::new(left),
        Rect {
            width: area.width.saturating_sub(pos_width),
            ..area
        },
    );
    frame.render_widget(
        Paragraph::new(Span::styled(position, theme.style(Meaning::Muted))),
        Rect {
            x: area.right().saturating_sub(pos_width),
            width: pos_width.min(area.width),
            ..area
        },
    );
}

/// What the status line shows instead of key hints: a store out of reach, else the last
/// message, else a failing trigger.
pub fn notice_line(state: &crate::app::state::State, theme: &Theme) -> Option<Line<'static>> {
    if let Some(why) = &state.store_away {
        return Some(Line::from(Span::styled(
            format!(" ! {}", inert(why)),
            theme.style(Meaning::Error),
        )));
    }
    if let Some(toast) = &state.toast {
        return Some(toast_line(toast, theme));
    }
    state.trigger_warning.as_ref().map(|w| {
        Line::from(Span::styled(
            format!(" ! {}", inert(w)),
            theme.style(Meaning::Warning),
        ))
    })
}

/// The status line's message: green for success, red for an error, user text made inert.
pub fn toast_line(toast: &crate::app::state::Toast, theme: &Theme) -> Line<'static> {
    let meaning = if toast.error {
        Meaning::Error
    } else {
        Meaning::Success
    };
    Line::from(Span::styled(
        format!(" {}", inert(&toast.text)),
        theme.style(meaning),
    ))
}
