//! The help overlay: every binding of every context, generated from the keymap.

use super::theme::Meaning;
use super::{inner, popup_frame, Chrome, Footer};
use crate::app::Action;
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

/// The help text, one line per binding, grouped by context.
fn lines<'a>(chrome: &Chrome, width: u16) -> Vec<Line<'a>> {
    let t = chrome.theme;
    let mut lines = Vec::new();
    let mut context = "";
    let key_width = chrome
        .help
        .iter()
        .map(|e| e.keys.chars().count())
        .max()
        .unwrap_or(0)
        .min(usize::from(width / 3).max(6));
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
        let keys: String = e.keys.chars().take(key_width).collect();
        // One line per binding (the scrolling counts them): a long text ends in `…`.
        lines.push(super::widgets::table::cut(
            Line::from(vec![
                Span::styled(format!("  {keys:<key_width$}  "), t.style(Meaning::Key)),
                Span::raw(e.desc.clone()),
            ]),
            usize::from(width.saturating_sub(2)),
        ));
    }
    lines
}

/// How many lines the help has (the reducer stops scrolling at the end).
pub fn line_count(help: &[HelpEntry]) -> u16 {
    let mut contexts: Vec<&str> = help.iter().map(|e| e.context.as_str()).collect();
    contexts.dedup();
    let n = help.len() + contexts.len() * 2 - contexts.len().min(1);
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// Draws the help over the whole screen, scrolled by `scroll` lines.
pub fn render(scroll: u16, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let lines = lines(chrome, area.width);
    let body = inner(area);
    let max_scroll = (lines.len() as u16).saturating_sub(body.height);
    let scroll = scroll.min(max_scroll);
    // "more" (the scrolling hint) shows only while there is more below.
    let hints = chrome
        .hints
        .get(Footer::Help)
        .iter()
        .filter(|h| scroll < max_scroll || !h.actions.contains(&Action::ScrollDown));
    let keys = super::footer::title(hints);
    popup_frame(frame, area, &format!(" Keys · {keys} "), chrome.theme);
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), body);
}
