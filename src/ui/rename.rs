//! The review's rename prompt (`Overlay::Rename`): a popup with the new name's field, what the
//! rename to the name typed would do (`5 expenses (and 3 in subcategories) will move to drinks`,
//! each budget's move or merge), or why it would be refused, and the key line. Pure: draws the
//! `RenameForm` the reducer holds; the one side effect on the frame is the cursor position.

use crate::app::state::RenameForm;
use crate::domain::rename::counts_text;
use crate::domain::text::inert;
use crate::ui::theme::Meaning;
use crate::ui::{centered, inner, popup_frame, Chrome, Footer};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Budget lines the popup shows at most (a rename of a large tree may move many).
const BUDGET_LINES: usize = 3;

/// Draws the rename popup over `area` and places the cursor in its field.
pub fn render(form: &RenameForm, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let t = chrome.theme;
    let mut info: Vec<Line> = Vec::new();
    match form
        .preview
        .as_ref()
        .filter(|p| p.asked == form.input.value())
    {
        None => info.push(Line::from(Span::styled(
            "counting…",
            t.style(Meaning::Muted),
        ))),
        Some(p) => match &p.plan {
            Ok(plan) => {
                info.push(Line::from(plan.moving_text()));
                let text = plan.budget_text();
                let parts: Vec<&str> = text.split("; ").collect();
                for part in parts.iter().take(BUDGET_LINES) {
                    info.push(Line::from(Span::styled(
                        part.to_string(),
                        t.style(Meaning::Muted),
                    )));
                }
                if parts.len() > BUDGET_LINES {
                    info.push(Line::from(Span::styled(
                        format!("and {} more budgets", parts.len() - BUDGET_LINES),
                        t.style(Meaning::Muted),
                    )));
                }
            }
            Err(why) => {
                let count = counts_text(p.exact, p.below);
                info.push(Line::from(format!("{count} in {}", inert(&p.from))));
                // The name as the prompt opened: nothing typed yet is not a mistake.
                let (text, meaning) = if p.asked.trim() == p.from {
                    (
                        "type the new name (one in use merges the two)".to_string(),
                        Meaning::Muted,
                    )
                } else {
                    (inert(why).into_owned(), Meaning::Warning)
                };
                info.push(Line::from(Span::styled(text, t.style(meaning))));
            }
        },
    }
    if let Some(e) = &form.error {
        info.push(Line::from(Span::styled(
            inert(e).into_owned(),
            t.style(Meaning::Error),
        )));
    }
    let width = area.width.min(72);
    let height = (info.len() as u16).saturating_add(5).min(area.height);
    let popup = centered(area, width, height);
    popup_frame(
        frame,
        popup,
        &format!(" Rename · {} ", inert(&form.category)),
        t,
    );
    let body = inner(popup);
    let label = "new name: ";
    let field_w = usize::from(body.width)
        .saturating_sub(label.chars().count() + 1)
        .max(1);
    // The field scrolls horizontally with the cursor, as the budget form's does.
    let scroll = form.input.visual_scroll(field_w);
    let shown: String = inert(form.input.value())
        .chars()
        .skip(scroll)
        .take(field_w)
        .collect();
    let mut lines = vec![Line::from(vec![
        Span::styled(label, t.style(Meaning::Focus)),
        Span::raw(shown),
    ])];
    lines.extend(info);
    lines.push(Line::from(""));
    lines.push(Line::from(chrome.hint_spans(Footer::Rename)));
    frame.render_widget(Paragraph::new(lines), body);
    if body.height > 0 {
        let x = body.x
            + (label.chars().count() + form.input.visual_cursor().saturating_sub(scroll)) as u16;
        frame.set_cursor_position((x.min(body.right().saturating_sub(1)), body.y));
    }
}
