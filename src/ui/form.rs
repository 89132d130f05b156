//! The add/edit form popup: one line per field, the reason under an invalid field, suggestions
//! under the focused one, and the cursor placed in the focused text field. The schedule form
//! is the same popup with the rule's lines after the expense's (`ui/schedules/form.rs`) and
//! the date named as the rule's start.

use super::footer::Hint;
use super::theme::Meaning;
use super::{centered, inner, popup_frame, Chrome, Footer};
use crate::app::state::{FormMode, FormState, State};
use crate::app::Action;
use crate::domain::answer::Conflicted;
use crate::domain::text::inert;
use crate::domain::validate::Field;
use crate::domain::Kind;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Width of the field labels.
pub const LABEL: usize = 10;

/// Draws the form over `area`.
pub fn render(form: &FormState, _state: &State, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let theme = chrome.theme;
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor: Option<(u16, u16)> = None;
    let width = area.width.min(70).saturating_sub(2);
    let field_width = usize::from(width).saturating_sub(LABEL + 1).max(1);
    let mut focus_line = 0;
    let schedule = form.mode == FormMode::Schedule;
    let changed = form.changed_elsewhere();
    for field in Field::ALL {
        let focused = form.focused(field);
        if focused {
            focus_line = lines.len();
        }
        let label_style = if focused {
            theme.style(Meaning::Focus)
        } else {
            theme.style(Meaning::Muted)
        };
        let name = match field {
            Field::Date if schedule => "Start",
            f => f.label(),
        };
        let label = Span::styled(format!("{name:<LABEL$}"), label_style);
        if field == Field::Kind {
            let pick = |k: Kind, text: &'static str| {
                let chosen = form.kind == k;
                let style = if chosen {
                    theme.style(Meaning::Selected)
                } else {
                    theme.style(Meaning::Muted)
                };
                Span::styled(format!(" {text} "), style)
            };
            let mut spans = vec![
                label,
                pick(Kind::Expense, "expense"),
                Span::raw(" "),
                pick(Kind::Income, "income"),
            ];
            if focused {
                spans.push(Span::styled("  space toggles", theme.style(Meaning::Muted)));
            }
            lines.push(Line::from(spans));
        } else {
            let input = form.input(field);
            // Only the focused field follows its cursor; the others show their beginning.
            let scroll = if focused {
                input.visual_scroll(field_width)
            } else {
                0
            };
            let shown: String = inert(input.value())
                .chars()
                .skip(scroll)
                .take(field_width)
                .collect();
            let style = if focused {
                theme.style(Meaning::Text)
            } else {
                theme.style(Meaning::Muted)
            };
            if focused {
                let x = LABEL + input.visual_cursor().saturating_sub(scroll);
                cursor = Some((x as u16, lines.len() as u16));
            }
            let mut spans = vec![label, Span::styled(shown, style)];
            if field == Field::Category && form.category_proposed {
                spans.push(Span::styled(
                    "  last time; type to replace",
                    theme.style(Meaning::Muted),
                ));
            }
            if field == Field::Amount {
                if let Some(p) = &form.amount_preview {
                    spans.push(Span::styled(format!("  {p}"), theme.style(Meaning::Muted)));
                }
            }
            lines.push(Line::from(spans));
        }
        if let Some((_, hint)) = form.hint.as_ref().filter(|(f, _)| *f == field) {
            let hint = format!("↳ {}", inert(hint));
            for part in wrap(&hint, field_width) {
                lines.push(Line::from(Span::styled(
                    format!("{:LABEL$}{part}", ""),
                    theme.style(Meaning::Muted),
                )));
            }
        }
        if let Some(err) = form.error(field) {
            let err = format!("↳ {}", inert(err));
            for part in wrap(&err, field_width) {
                lines.push(Line::from(Span::styled(
                    format!("{:LABEL$}{part}", ""),
                    theme.style(Meaning::Error),
                )));
            }
        }
        if let Some((_, theirs)) = changed.iter().find(|(f, _)| *f == field) {
            let same = if field == Field::Kind {
                form.kind.as_str() == theirs
            } else {
                form.input(field).value() == theirs
            };
            let text = if same {
                "↳ changed elsewhere to this too".to_string()
            } else if theirs.is_empty() {
                "↳ emptied elsewhere".to_string()
            } else {
                format!("↳ elsewhere: {}", inert(theirs))
            };
            for part in wrap(&text, field_width) {
                lines.push(Line::from(Span::styled(
                    format!("{:LABEL$}{part}", ""),
                    theme.style(Meaning::Warning),
                )));
            }
        }
        if focused {
            for (i, s) in form.shown_suggestions().iter().enumerate() {
                let style = if form.suggestion == Some(i) {
                    theme.style(Meaning::Selected)
                } else {
                    theme.style(Meaning::Muted)
                };
                lines.push(Line::from(vec![
                    Span::raw(format!("{:LABEL$}", "")),
                    Span::styled(format!("▸ {}", inert(s)), style),
                ]));
            }
        }
    }
    if let Some(rule) = &form.rule {
        let r = super::schedules::form::lines(rule, theme, field_width);
        let at = lines.len();
        if let Some(f) = r.focus_line {
            focus_line = at + f;
        }
        if let Some((x, y)) = r.cursor {
            cursor = Some((x, at as u16 + y));
        }
        lines.extend(r.lines);
    }
    if let Some(err) = &form.store_error {
        for part in wrap(&inert(err), usize::from(width).max(1)) {
            lines.push(Line::from(Span::styled(part, theme.style(Meaning::Error))));
        }
    }
    if let Some(c) = &form.conflict {
        for part in wrap(&conflict_text(c, chrome), usize::from(width).max(1)) {
            lines.push(Line::from(Span::styled(
                part,
                theme.style(Meaning::Warning),
            )));
        }
    }
    // The key hints live in the bottom border, so they show at any height: `take theirs` only
    // after a conflict, and Tab says it takes a suggestion while one shows.
    let taking = form.tab_takes();
    let shown: Vec<Hint> = chrome
        .hints
        .get(Footer::Form)
        .iter()
        .filter(|h| form.conflict.is_some() || !h.actions.contains(&Action::TakeOther))
        .map(|h| match h.actions.as_slice() {
            [Action::FocusNext] if taking => Hint {
                text: "take".into(),
                ..h.clone()
            },
            _ => h.clone(),
        })
        .collect();
    let mut hints = super::footer::spans(&shown, theme);
    hints.push(Span::raw(" "));
    if form.saving {
        lines.push(Line::from(Span::styled(
            "Saving…",
            theme.style(Meaning::Muted),
        )));
    }
    // On a short screen, lines above the focused field scroll away.
    let room = usize::from(area.height.saturating_sub(2));
    let skip = lines.len().saturating_sub(room).min(focus_line);
    if skip > 0 {
        lines.drain(..skip);
        cursor = cursor.map(|(x, y)| (x, y.saturating_sub(skip as u16)));
    }
    lines.truncate(room.max(1));
    let height = (lines.len() as u16).saturating_add(2);
    let popup = centered(area, width.saturating_add(2), height);
    let title = match form.mode {
        FormMode::New => " Add expense ",
        FormMode::Edit { .. } => " Edit expense ",
        FormMode::Schedule if form.rule.as_ref().is_some_and(|r| r.base.is_some()) => {
            " Edit recurring expense · from the next occurrence on "
        }
        FormMode::Schedule => " New recurring expense ",
        FormMode::PostDue { .. } => " Post a due recurring expense ",
    };
    popup_frame(frame, popup, title, theme);
    let bottom = Rect {
        y: popup.bottom().saturating_sub(1),
        height: 1,
        x: popup.x + 1,
        width: popup.width.saturating_sub(2),
    };
    frame.render_widget(Paragraph::new(Line::from(hints)), bottom);
    let body = inner(popup);
    frame.render_widget(Paragraph::new(lines), body);
    if let Some((x, y)) = cursor {
        if x < body.width && y < body.height {
            frame.set_cursor_position(Position::new(body.x + x, body.y + y));
        }
    }
}

/// What a conflict means and the keys that settle it, with the keys bound now.
fn conflict_text(c: &Conflicted, chrome: &Chrome) -> String {
    let key = |action: Action| {
        chrome
            .hints
            .get(Footer::Form)
            .iter()
            .find(|h| h.actions == [action.clone()])
            .map(|h| h.keys.clone())
    };
    let save = key(Action::Submit).unwrap_or_else(|| "Enter".into());
    match (&c.current, key(Action::TakeOther)) {
        (Some(e), Some(take)) => format!(
            "Saved elsewhere while you typed (now version {}; its fields are marked above). \
             {save} saves yours over it, {take} takes that one.",
            e.version
        ),
        (Some(e), None) => format!(
            "Saved elsewhere while you typed (now version {}; its fields are marked above). \
             {save} saves yours over it.",
            e.version
        ),
        (None, Some(take)) => format!(
            "Deleted elsewhere while you typed. {save} adds yours as a new expense, {take} \
             leaves it deleted."
        ),
        (None, None) => {
            format!("Deleted elsewhere while you typed. {save} adds yours as a new expense.")
        }
    }
}

/// Splits `text` into pieces of at most `width` characters, at spaces where possible.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        while line.chars().count() > width {
            let head: String = line.chars().take(width).collect();
            line = line.chars().skip(width).collect();
            out.push(head);
        }
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}
