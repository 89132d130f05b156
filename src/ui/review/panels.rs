//! The review's detail panels: top payees and largest expenses. Their data (`ReviewDetails`)
//! is read after the totals, so each panel has a loading state. Pure: reads, draws; names are
//! cut to the panel width so the amounts stay aligned on the right.

use super::{money, panel_title};
use crate::domain::review::ReviewDetails;
use crate::domain::text::inert;
use crate::ui::theme::{Meaning, Theme};
use chrono::Datelike;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The month's payees by spending, largest first; an empty payee shows as `(no payee)`.
/// `…` while the details are still being read (they come after the totals).
pub(super) fn payees(details: Option<&ReviewDetails>, t: &Theme, frame: &mut Frame, area: Rect) {
    if area.height < 2 || area.width < 16 {
        return;
    }
    let mut lines = vec![panel_title("Top payees".into(), t)];
    match details {
        None => lines.push(Line::from(Span::styled("…", t.style(Meaning::Muted)))),
        Some(d) => {
            let w = usize::from(area.width);
            for p in d.top_payees.iter().take(usize::from(area.height - 1)) {
                let amount = money(p.spent, p.currency);
                let name_w = w.saturating_sub(amount.chars().count() + 1);
                let name = if p.payee.is_empty() {
                    "(no payee)".to_string()
                } else {
                    inert(&p.payee).into_owned()
                };
                let name: String = name.chars().take(name_w).collect();
                lines.push(Line::from(vec![
                    Span::raw(format!("{name:<name_w$} ")),
                    Span::styled(amount, t.style(Meaning::Expense)),
                ]));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// The month's largest expenses, with the day, and the payee or else the category.
pub(super) fn largest(details: Option<&ReviewDetails>, t: &Theme, frame: &mut Frame, area: Rect) {
    if area.height < 2 || area.width < 16 {
        return;
    }
    let mut lines = vec![panel_title("Largest expenses".into(), t)];
    match details {
        None => lines.push(Line::from(Span::styled("…", t.style(Meaning::Muted)))),
        Some(d) => {
            let w = usize::from(area.width);
            for e in d.largest.iter().take(usize::from(area.height - 1)) {
                let x = &e.draft;
                let amount = money(x.amount, x.currency);
                let what = if x.payee.is_empty() {
                    inert(&x.category).into_owned()
                } else {
                    inert(&x.payee).into_owned()
                };
                let day = format!("{:02} ", x.date.day());
                let what_w = w.saturating_sub(amount.chars().count() + day.len() + 1);
                let what: String = what.chars().take(what_w).collect();
                lines.push(Line::from(vec![
                    Span::styled(day, t.style(Meaning::Muted)),
                    Span::raw(format!("{what:<what_w$} ")),
                    Span::styled(amount, t.style(Meaning::Expense)),
                ]));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}
