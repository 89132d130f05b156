//! The review's rename prompt (`Overlay::Rename`): a popup with the new name's field, what the
//! rename to the name typed would do (`5 expenses (and 3 in subcategories) will move to drinks`,
//! each budget's move or merge, how many schedules move along), or why it would be refused, and
//! the key line. Pure: draws the `RenameForm` the reducer holds; the one side effect on the
//! frame is the cursor position.

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
    // What to say below the field, each piece wrapped to the popup's width.
    let mut info: Vec<(String, Meaning)> = Vec::new();
    let shown = form.preview.as_ref();
    match shown.filter(|p| p.asked == form.input.value()) {
        None => info.push(("counting…".into(), Meaning::Muted)),
        Some(p) => match &p.plan {
            Ok(plan) => {
                info.push((plan.moving_text(), Meaning::Text));
                let text = plan.budget_text();
                let parts: Vec<&str> = text.split("; ").collect();
                for part in parts.iter().take(BUDGET_LINES) {
                    info.push((part.to_string(), Meaning::Muted));
                }
                if parts.len() > BUDGET_LINES {
                    let more = format!("and {} more budgets", parts.len() - BUDGET_LINES);
                    info.push((more, Meaning::Muted));
                }
                if let Some(text) = plan.schedule_text() {
                    info.push((text, Meaning::Muted));
                }
            }
            Err(why) => {
                let count = counts_text(p.exact, p.below);
                info.push((format!("{count} in {}", inert(&p.from)), Meaning::Text));
                // The name as the prompt opened: nothing typed yet is not a mistake.
                if p.asked.trim() == p.from {
                    let hint = "type the new name (one in use merges the two)";
                    info.push((hint.into(), Meaning::Muted));
                } else {
                    info.push((inert(why).into_owned(), Meaning::Warning));
                }
            }
        },
    }
    if let Some(e) = &form.error {
        info.push((inert(e).into_owned(), Meaning::Error));
    }
    let width = area.width.min(72);
    let text_w = usize::from(width.saturating_sub(2)).max(1);
    let mut info: Vec<Line> = info
        .into_iter()
        .flat_map(|(text, m)| {
            wrap(&text, text_w)
                .into_iter()
                .map(move |l| Line::from(Span::styled(l, t.style(m))))
        })
        .collect();
    // The field, the blank line and the keys always show; the rest as the height allows.
    info.truncate(usize::from(area.height.saturating_sub(5)));
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
    lines.append(&mut info);
    lines.push(Line::from(""));
    lines.push(Line::from(chrome.hint_spans(Footer::Rename)));
    frame.render_widget(Paragraph::new(lines), body);
    if body.height > 0 {
        let x = body.x
            + (label.chars().count() + form.input.visual_cursor().saturating_sub(scroll)) as u16;
        frame.set_cursor_position((x.min(body.right().saturating_sub(1)), body.y));
    }
}

/// `text` in lines of at most `width` characters, broken at spaces (a word longer than a line
/// is cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let (n, w) = (line.chars().count(), word.chars().count());
        if n > 0 && n + 1 + w > width {
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
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_breaks_at_spaces_and_cuts_long_words() {
        assert_eq!(wrap("ab cd ef", 5), ["ab cd", "ef"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap("", 3), [""]);
        assert_eq!(wrap("a b", 10), ["a b"]);
    }
}
