//! The help overlay: every binding of every context, generated from the keymap.

use super::theme::Meaning;
use super::{inner, popup_frame, Chrome};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// One line of help: where it applies, the keys, what they do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpEntry {
    /// Context name (ledger, form, filter, confirm, help).
    pub context: String,
    /// Keys, e.g. `j, down`.
    pub keys: String,
    /// What the action does.
    pub desc: String,
}

/// Draws the help over `area`, scrolled by `scroll` lines.
pub fn render(scroll: u16, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let t = chrome.theme;
    let mut lines = Vec::new();
    let mut context = "";
    let key_width = chrome.help.iter().map(|e| e.keys.chars().count()).max().unwrap_or(0).min(24);
    for e in chrome.help {
        if e.context != context {
            if !lines.is_empty() {
                lines.push(Line::from(""));
            }
            context = &e.context;
            lines.push(Line::from(Span::styled(
                context.to_string(),
                t.style(Meaning::Title),
            )));
        }
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<key_width$}  ", e.keys), t.style(Meaning::Key)),
            Span::raw(e.desc.clone()),
        ]));
    }
    let popup = Rect {
        x: area.x + area.width.saturating_sub(area.width.min(72)) / 2,
        y: area.y,
        width: area.width.min(72),
        height: area.height,
    };
    popup_frame(frame, popup, " Keys · j/k scroll · Esc close ", t);
    let body = inner(popup);
    let max_scroll = (lines.len() as u16).saturating_sub(body.height);
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll.min(max_scroll), 0)),
        body,
    );
}
