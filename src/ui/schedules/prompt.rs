//! The schedules screen's prompts: the one that moves an occurrence to another day (a date
//! field, the reason a day was refused), and "remove this schedule?". Pure: they draw the
//! state the reducer holds; the one side effect on the frame is the cursor position.

use super::amount;
use crate::app::state::MoveForm;
use crate::domain::schedule::Schedule;
use crate::domain::text::inert;
use crate::ui::form::wrap;
use crate::ui::theme::Meaning;
use crate::ui::{centered, inner, popup_frame, Chrome, Footer};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draws the move prompt over `area` and places the cursor in its field.
pub fn render_move(form: &MoveForm, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let t = chrome.theme;
    let width = area.width.min(60);
    let s = &form.schedule;
    let what = format!(
        "{} {}, due {}",
        amount(s),
        inert(&s.template.category),
        form.occurrence.date.format("%Y-%m-%d")
    );
    // The reason wraps: the popup grows with it, so the key line always shows.
    let text_w = usize::from(width.saturating_sub(2)).max(1);
    let error: Vec<String> = form
        .error
        .as_ref()
        .map_or_else(Vec::new, |e| wrap(&inert(e), text_w));
    let popup = centered(area, width, 6 + error.len() as u16);
    popup_frame(frame, popup, " Move one occurrence ", t);
    let body = inner(popup);
    let label = "to: ";
    let field_w = usize::from(body.width)
        .saturating_sub(label.len() + 1)
        .max(1);
    let scroll = form.input.visual_scroll(field_w);
    let shown: String = inert(form.input.value())
        .chars()
        .skip(scroll)
        .take(field_w)
        .collect();
    let mut lines = vec![
        Line::from(Span::styled(what, t.style(Meaning::Muted))),
        Line::from(vec![
            Span::styled(label, t.style(Meaning::Focus)),
            Span::raw(shown),
        ]),
    ];
    for part in error {
        lines.push(Line::from(Span::styled(part, t.style(Meaning::Error))));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(chrome.hint_spans(Footer::Move)));
    frame.render_widget(Paragraph::new(lines), body);
    if body.height > 1 {
        let x = body.x + (label.len() + form.input.visual_cursor().saturating_sub(scroll)) as u16;
        frame.set_cursor_position((x.min(body.right().saturating_sub(1)), body.y + 1));
    }
}

/// The y/n prompt before a schedule is removed (what it posted stays).
pub fn confirm_remove(s: &Schedule, chrome: &crate::ui::Chrome, frame: &mut Frame, area: Rect) {
    let mut what = format!("{} {}", amount(s), inert(&s.template.category));
    if !s.template.payee.is_empty() {
        what.push_str(&format!(" @{}", inert(&s.template.payee)));
    }
    let question = format!(
        "Remove the recurring {what} ({})? What it posted stays; u undoes.",
        super::rule_words(&s.rule)
    );
    crate::ui::confirm_popup(" Remove ", question, "remove", chrome, frame, area);
}
