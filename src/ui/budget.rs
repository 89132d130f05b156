//! The review's budget form (`Overlay::Budget`): a small popup with one amount field for the
//! selected category's monthly budget (empty removes it), and the reason a value was refused.
//! Pure: draws the `BudgetForm` the reducer holds; the one side effect on the frame is the
//! cursor position.

use crate::app::state::BudgetForm;
use crate::domain::text::inert;
use crate::ui::theme::Meaning;
use crate::ui::{centered, inner, popup_frame, Chrome, Footer};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draws the budget popup over `area` and places the cursor in its field.
pub fn render(form: &BudgetForm, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let t = chrome.theme;
    let width = area.width.min(56);
    let height = if form.error.is_some() { 6 } else { 5 };
    let popup = centered(area, width, height);
    popup_frame(
        frame,
        popup,
        &format!(" Budget · {} ", inert(&form.category)),
        t,
    );
    let body = inner(popup);
    let label = format!("per month ({}): ", form.currency);
    let field_w = usize::from(body.width)
        .saturating_sub(label.chars().count() + 1)
        .max(1);
    // The field scrolls horizontally with the cursor, as the ledger's filter does.
    let scroll = form.input.visual_scroll(field_w);
    let shown: String = inert(form.input.value())
        .chars()
        .skip(scroll)
        .take(field_w)
        .collect();
    let mut lines = vec![Line::from(vec![
        Span::styled(label.clone(), t.style(Meaning::Focus)),
        Span::raw(shown),
    ])];
    if let Some(e) = &form.error {
        lines.push(Line::from(Span::styled(
            inert(e).into_owned(),
            t.style(Meaning::Error),
        )));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(chrome.hint_spans(Footer::Budget)));
    frame.render_widget(Paragraph::new(lines), body);
    if body.height > 0 {
        let x = body.x
            + (label.chars().count() + form.input.visual_cursor().saturating_sub(scroll)) as u16;
        frame.set_cursor_position((x.min(body.right().saturating_sub(1)), body.y));
    }
}
