//! The review screen: the month's totals per currency (with last month and a year ago), the
//! category table with budgets, and the charts (spending by category, the month's days, the
//! 12-month trend), top payees and largest expenses. Pure render of `ReviewState`.
//!
//! Space decides what is shown: at 110x30 and up everything; from 60x18 the table with a row
//! of small charts and payees; smaller, only the numbers (charts go first, numbers last).
//!
//! The tiers and the regions are `ui::layout::review_areas`, shared with the reducer so that it
//! pages by the table's real height; this file places the panels and draws the header; each
//! panel draws itself in its own file (`table`, `charts`, `panels`; the budget form is an
//! overlay, drawn by `ui::budget`). Rule for all of them: they read `&State` and draw into the
//! `Rect` they are given; none keeps or changes state, so the reducer's idea of the selection
//! and the picture always agree.

mod charts;
mod panels;
mod table;

use super::layout::{review_areas, review_header_lines, review_tier as tier, ReviewTier as Tier};
use super::theme::{Meaning, Theme};
use super::{Chrome, Footer};
use crate::app::state::State;
use crate::domain::money::{format_grouped, percent_change};
use crate::domain::review::Review;
use crate::domain::Currency;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draws the review into `area`.
pub fn render(state: &State, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let r = &state.review;
    let t = chrome.theme;
    let status = Rect {
        y: area.bottom().saturating_sub(1),
        height: area.height.min(1),
        ..area
    };
    let body = Rect {
        height: area.height.saturating_sub(1),
        ..area
    };
    render_status(state, chrome, frame, status);
    let Some(data) = &r.data else {
        let title = Line::from(vec![
            Span::styled(format!(" {} ", r.month.title()), t.style(Meaning::Title)),
            Span::styled("Loading…", t.style(Meaning::Muted)),
        ]);
        frame.render_widget(Paragraph::new(title), body);
        return;
    };
    // The layout is the one the reducer pages by (`layout::review_table_rows`), so the
    // cursor's offset in state is exactly the first row drawn. The tier comes from the whole
    // area, so the status line never changes which tier is used.
    let header = header_lines(data, t, tier(area), body.width, state.demo);
    debug_assert_eq!(header.len(), review_header_lines(data.totals.len()));
    let a = review_areas(area, header.len(), r.visible().len());
    let tier = a.tier;
    frame.render_widget(Paragraph::new(header), a.header);
    let ascii = state.ascii_charts;
    match tier {
        Tier::Small => table::render(r, data, t, ascii, frame, a.table),
        Tier::Medium => {
            table::render(r, data, t, ascii, frame, a.table);
            let row = a.below;
            let w = row.width / 3;
            let parts = [
                Rect { width: w, ..row },
                Rect {
                    x: row.x + w,
                    width: w,
                    ..row
                },
                Rect {
                    x: row.x + 2 * w,
                    width: row.width - 2 * w,
                    ..row
                },
            ];
            charts::days(data, state.today, t, ascii, frame, pad_right(parts[0]));
            charts::trend(r, data, t, ascii, frame, pad_right(parts[1]));
            panels::payees(r.details.as_ref(), t, frame, parts[2]);
        }
        Tier::Full => {
            table::render(r, data, t, ascii, frame, pad_right(a.table));
            let (d, side) = (a.below, a.side);
            let half = d.width / 2;
            panels::payees(
                r.details.as_ref(),
                t,
                frame,
                pad_right(Rect { width: half, ..d }),
            );
            panels::largest(
                r.details.as_ref(),
                t,
                frame,
                pad_right(Rect {
                    x: d.x + half,
                    width: d.width - half,
                    ..d
                }),
            );
            let by_cat_h = 12.min(side.height / 3);
            let rest = side.height - by_cat_h;
            let days_h = rest / 2;
            // The side column: a fixed band for the category bars, the rest shared by the
            // two time charts (their columns need height more than the bars do).
            charts::by_category(
                data,
                t,
                ascii,
                frame,
                Rect {
                    height: by_cat_h,
                    ..side
                },
            );
            charts::days(
                data,
                state.today,
                t,
                ascii,
                frame,
                Rect {
                    y: side.y + by_cat_h,
                    height: days_h,
                    ..side
                },
            );
            charts::trend(
                r,
                data,
                t,
                ascii,
                frame,
                Rect {
                    y: side.y + by_cat_h + days_h,
                    height: rest - days_h,
                    ..side
                },
            );
        }
    }
}

/// `area` less one column on the right, a gap between panels.
fn pad_right(area: Rect) -> Rect {
    Rect {
        width: area.width.saturating_sub(1),
        ..area
    }
}

/// An amount with its currency code, `1,234.50 EUR`.
fn money(v: i64, c: Currency) -> String {
    format!("{} {c}", format_grouped(v, c))
}

/// A panel's one-line title.
fn panel_title<'a>(text: String, t: &Theme) -> Line<'a> {
    Line::from(Span::styled(text, t.style(Meaning::Title)))
}

/// The title line and one line of totals per currency (never summed across currencies), with
/// last month and a year ago when the tier has room for them.
fn header_lines<'a>(data: &Review, t: &Theme, tier: Tier, width: u16, demo: bool) -> Vec<Line<'a>> {
    let mut title = Vec::new();
    if demo {
        title.push(Span::styled(" DEMO", t.style(Meaning::Warning)));
    }
    title.push(Span::styled(
        format!(" {} ", data.month.title()),
        t.style(Meaning::Title),
    ));
    if tier != Tier::Small {
        title.push(Span::styled(
            format!(
                "{} – {}",
                data.from.format("%b %d"),
                data.to.format("%b %d")
            ),
            t.style(Meaning::Muted),
        ));
    }
    if let Some(c) = &data.converted {
        title.push(Span::styled(
            format!("  converted to {}: {}", c.to, c.rates.join(", ")),
            t.style(Meaning::Focus),
        ));
    }
    let mut lines = vec![Line::from(title)];
    if data.totals.is_empty() {
        lines.push(Line::from(Span::styled(
            format!(" Nothing stored in {}.", data.month.title()),
            t.style(Meaning::Muted),
        )));
    }
    let bold = t
        .style(Meaning::Expense)
        .add_modifier(ratatui::style::Modifier::BOLD);
    for tot in &data.totals {
        let c = tot.currency;
        let mut spans = if tier == Tier::Small {
            // Short words, never signs: a total always carries its label.
            vec![
                Span::raw(" spent "),
                Span::styled(money(tot.spent, c), bold),
                Span::raw(" in "),
                Span::styled(money(tot.income, c), t.style(Meaning::Income)),
            ]
        } else {
            vec![
                Span::raw(" spent "),
                Span::styled(money(tot.spent, c), bold),
                Span::raw("  income "),
                Span::styled(money(tot.income, c), t.style(Meaning::Income)),
                Span::raw("  net "),
                Span::styled(money(tot.net(), c), t.style(Meaning::Text)),
            ]
        };
        // Recurring expenses still to come this month: not spent yet, but the month will be.
        let to_come: i64 = data
            .categories
            .iter()
            .filter(|x| x.depth == 0 && x.currency == c)
            .map(|x| x.to_come)
            .sum();
        if to_come != 0 && tier != Tier::Small {
            spans.push(Span::styled(
                format!("  · still to come {}", money(to_come, c)),
                t.style(Meaning::Warning),
            ));
        }
        if tier != Tier::Small {
            if let Some(l) = data.last_month.iter().find(|l| l.currency == c) {
                spans.push(Span::styled(
                    format!(
                        "  · last month {} ({})",
                        format_grouped(l.spent, c),
                        percent_change(tot.spent, l.spent)
                    ),
                    t.style(Meaning::Muted),
                ));
            }
            if let Some(l) = data.last_year.iter().find(|l| l.currency == c) {
                let year_ago = format!("{} {}", &data.month.title()[..3], data.month.year - 1);
                spans.push(Span::styled(
                    format!("  · {year_ago} {}", format_grouped(l.spent, c)),
                    t.style(Meaning::Muted),
                ));
            }
        }
        let mut line = Line::from(spans);
        // Keep each total on its line: drop comparisons that do not fit.
        while line.width() > usize::from(width) && line.spans.len() > 2 {
            line.spans.pop();
        }
        lines.push(line);
    }
    lines
}

/// The status line: the latest message, else the screen's main keys (the ones that fit whole:
/// a key without its word would say nothing).
fn render_status(state: &State, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let t = chrome.theme;
    let line = if let Some(line) = super::notice_line(state, t) {
        line
    } else {
        let fit = super::footer::fitting(chrome.hints.get(Footer::Review), area.width);
        Line::from(super::footer::spans(fit, t))
    };
    frame.render_widget(Paragraph::new(line), area);
}
