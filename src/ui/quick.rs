//! The quick-entry line (`i`) in a box at the bottom: the completions of the word under the
//! cursor above the line, lined up with that word (the box grows upwards), the line, and under
//! it how the line is understood or why Enter would refuse it. The title names the keys from
//! the keymap's `[hints] quick` list.

use super::theme::Meaning;
use super::{form::wrap, inner, popup_frame, Chrome, Footer};
use crate::app::state::{Preview, QuickState};
use crate::domain::text::inert;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Lines the preview may take before it is cut with `…`.
const PREVIEW_LINES: usize = 3;

/// What the line shows when it is empty.
const EXAMPLE: &str = "12.50 groceries @Lidl yesterday #weekly \"note\"";

/// Draws the quick-entry box over the bottom of `area`.
pub fn render(q: &QuickState, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let theme = chrome.theme;
    let body_width = area.width.saturating_sub(2);
    // The text after "> " (and after "↳ " under it).
    let width = usize::from(body_width.saturating_sub(2)).max(1);
    let room = usize::from(area.height.saturating_sub(2)).max(1);
    let mut preview: Vec<Line> = match &q.preview {
        Some(Preview::Understood(text)) => preview_lines(text, width, theme.style(Meaning::Text)),
        Some(Preview::Refused(text)) => preview_lines(text, width, theme.style(Meaning::Error)),
        None => Vec::new(),
    };
    preview.truncate(room.saturating_sub(1));
    let shown_suggestions = q
        .suggestions
        .len()
        .min(room.saturating_sub(1 + preview.len()));
    let height = (shown_suggestions + 1 + preview.len() + 2) as u16;
    let popup = Rect {
        y: area.bottom().saturating_sub(height),
        height: height.min(area.height),
        ..area
    };
    popup_frame(frame, popup, &title(chrome, body_width), theme);
    let body = inner(popup);

    let scroll = q.input.visual_scroll(width);
    let mut lines = suggestion_lines(q, shown_suggestions, scroll, width, chrome);
    let shown: String = inert(q.input.value())
        .chars()
        .skip(scroll)
        .take(width)
        .collect();
    let mut line = vec![
        Span::styled("> ", theme.style(Meaning::Key)),
        Span::raw(shown),
    ];
    if q.input.value().is_empty() {
        line.push(Span::styled(EXAMPLE, theme.style(Meaning::Muted)));
    }
    let input_row = lines.len() as u16;
    lines.push(Line::from(line));
    lines.extend(preview);
    frame.render_widget(Paragraph::new(lines), body);
    let x = body.x + 2 + (q.input.visual_cursor().saturating_sub(scroll)) as u16;
    if input_row < body.height {
        frame.set_cursor_position((x.min(body.right().saturating_sub(1)), body.y + input_row));
    }
}

/// ` Quick entry · Enter adds · … ` when it fits in the top border, else the keys alone, as
/// many as fit.
fn title(chrome: &Chrome, width: u16) -> String {
    let hints = chrome.hints.get(Footer::Quick);
    let fits = |s: &str| s.chars().count() <= usize::from(width);
    let full = format!(" Quick entry · {} ", super::footer::title(hints));
    if fits(&full) {
        return full;
    }
    (1..=hints.len())
        .rev()
        .map(|n| format!(" {} ", super::footer::title(&hints[..n])))
        .find(|t| fits(t))
        .unwrap_or_else(|| " Quick entry ".into())
}

/// How the line reads, after `↳ `, wrapped under itself and cut to a few lines.
fn preview_lines(text: &str, width: usize, style: ratatui::style::Style) -> Vec<Line<'static>> {
    let mut parts = wrap(&inert(text), width);
    if parts.len() > PREVIEW_LINES {
        parts.truncate(PREVIEW_LINES);
        if let Some(last) = parts.last_mut() {
            let keep: String = last.chars().take(width.saturating_sub(1)).collect();
            *last = format!("{keep}…");
        }
    }
    parts
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let lead = if i == 0 { "↳ " } else { "  " };
            Line::from(vec![Span::raw(lead), Span::styled(part, style)])
        })
        .collect()
}

/// The first `n` completions, each starting in the column of the text they complete (after
/// the word's `@` or `#`; moved left when a name would run past the edge); the highlighted
/// one is marked `▸`.
fn suggestion_lines(
    q: &QuickState,
    n: usize,
    scroll: usize,
    width: usize,
    chrome: &Chrome,
) -> Vec<Line<'static>> {
    let theme = chrome.theme;
    let line = q.input.value();
    let before = line.get(..q.word.start).unwrap_or_default();
    let sigil = line
        .get(q.word.clone())
        .is_some_and(|w| w.starts_with(['@', '#']));
    let column = (Line::from(inert(before).into_owned()).width() + 2 + usize::from(sigil))
        .saturating_sub(scroll);
    q.suggestions
        .iter()
        .take(n)
        .enumerate()
        .map(|(i, name)| {
            let name = inert(name).into_owned();
            let longest = Line::from(name.as_str()).width();
            let x = column.min((width + 2).saturating_sub(longest)).max(2);
            let (mark, style) = if i == q.suggestion {
                ("▸ ", theme.style(Meaning::Selected))
            } else {
                ("  ", theme.style(Meaning::Muted))
            };
            Line::from(vec![
                Span::raw(" ".repeat(x - 2)),
                Span::styled(format!("{mark}{name}"), style),
            ])
        })
        .collect()
}
