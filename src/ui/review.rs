//! The review screen: the month's totals per currency (with last month and a year ago), the
//! category table with budgets, and the charts (spending by category, the month's days, the
//! 12-month trend), top payees and largest expenses. Pure render of `ReviewState`.
//!
//! Space decides what is shown: at 110x30 and up everything; from 60x18 the table with a row
//! of small charts and payees; smaller, only the numbers (charts go first, numbers last).

use super::chart::{columns, hbar, Column, ColumnStyles};
use super::theme::{Meaning, Theme};
use super::{centered, hints, inner, popup_frame, Chrome};
use crate::app::state::{BudgetForm, ReviewState, State};
use crate::domain::money::format_grouped;
use crate::domain::review::{CategoryTotal, Review, ReviewDetails, TREND_MONTHS};
use crate::domain::text::inert;
use crate::domain::Currency;
use chrono::Datelike;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

/// How much fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    /// Table, side charts, details.
    Full,
    /// Table and a row of small charts.
    Medium,
    /// Numbers only.
    Small,
}

fn tier(area: Rect) -> Tier {
    if area.width >= 110 && area.height >= 30 {
        Tier::Full
    } else if area.width >= 60 && area.height >= 18 {
        Tier::Medium
    } else {
        Tier::Small
    }
}

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
    let tier = tier(area);
    let header = header_lines(data, t, tier, body.width);
    let header_h = (header.len() as u16).min(body.height);
    frame.render_widget(
        Paragraph::new(header),
        Rect {
            height: header_h,
            ..body
        },
    );
    let main = Rect {
        y: body.y + header_h,
        height: body.height - header_h,
        ..body
    };
    let ascii = state.ascii_charts;
    match tier {
        Tier::Small => table(r, data, t, ascii, frame, main),
        Tier::Medium => {
            // The charts take the rows the table does not need (up to half the screen), so a
            // short table leaves no blank band; at least 7 rows (a third on small screens).
            let needed = u16::try_from(r.visible().len() + 1).unwrap_or(u16::MAX);
            let least = 7.min(main.height / 3);
            let chart_h = main
                .height
                .saturating_sub(needed)
                .clamp(least, (main.height / 2).max(least));
            let table_area = Rect {
                height: main.height - chart_h,
                ..main
            };
            table(r, data, t, ascii, frame, table_area);
            let row = Rect {
                y: table_area.bottom(),
                height: chart_h,
                ..main
            };
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
            days_chart(data, t, ascii, frame, pad_right(parts[0]));
            trend_chart(r, data, t, ascii, frame, pad_right(parts[1]));
            payees(r.details.as_ref(), t, frame, parts[2]);
        }
        Tier::Full => {
            let side_w = 36.min(main.width / 2);
            let left = Rect {
                width: main.width - side_w,
                ..main
            };
            let side = Rect {
                x: left.right(),
                width: side_w,
                ..main
            };
            let details_h = 12.min(left.height / 2);
            let table_area = Rect {
                height: left.height - details_h,
                ..left
            };
            table(r, data, t, ascii, frame, pad_right(table_area));
            let d = Rect {
                y: table_area.bottom(),
                height: details_h,
                ..left
            };
            let half = d.width / 2;
            payees(
                r.details.as_ref(),
                t,
                frame,
                pad_right(Rect { width: half, ..d }),
            );
            largest(
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
            by_category(
                data,
                t,
                ascii,
                frame,
                Rect {
                    height: by_cat_h,
                    ..side
                },
            );
            days_chart(
                data,
                t,
                ascii,
                frame,
                Rect {
                    y: side.y + by_cat_h,
                    height: days_h,
                    ..side
                },
            );
            trend_chart(
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
    if let Some(form) = &r.budget_form {
        budget_form(form, t, frame, area);
    }
}

/// `area` less one column on the right, a gap between panels.
fn pad_right(area: Rect) -> Rect {
    Rect {
        width: area.width.saturating_sub(1),
        ..area
    }
}

fn money(v: i64, c: Currency) -> String {
    format!("{} {c}", format_grouped(v, c))
}

/// Percent change, `+12%`, or `new` when last month had nothing.
fn change(this: i64, last: i64) -> String {
    crate::cli::report::change(this, last)
}

fn header_lines<'a>(data: &Review, t: &Theme, tier: Tier, width: u16) -> Vec<Line<'a>> {
    let mut title = vec![Span::styled(
        format!(" {} ", data.month.title()),
        t.style(Meaning::Title),
    )];
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
            vec![
                Span::styled(format!(" -{}", money(tot.spent, c)), bold),
                Span::styled(
                    format!(" +{}", format_grouped(tot.income, c)),
                    t.style(Meaning::Income),
                ),
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
        if tier != Tier::Small {
            if let Some(l) = data.last_month.iter().find(|l| l.currency == c) {
                spans.push(Span::styled(
                    format!(
                        "  · last month {} ({})",
                        format_grouped(l.spent, c),
                        change(tot.spent, l.spent)
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

/// Which columns fit in `width`, keeping at least 16 cells for the category:
/// (last month + change, budget, share bar).
fn table_columns(width: u16) -> (bool, bool, bool) {
    (width >= 70, width >= 51, width >= 82)
}

fn table(r: &ReviewState, data: &Review, t: &Theme, ascii: bool, frame: &mut Frame, area: Rect) {
    if area.height < 2 {
        return;
    }
    let visible = r.visible();
    if visible.is_empty() {
        let p = Paragraph::new(format!(
            "No spending in {}.\n\n[ ] change month · r back to the ledger",
            data.month.title()
        ))
        .alignment(Alignment::Center)
        .style(t.style(Meaning::Muted));
        frame.render_widget(p, area);
        return;
    }
    let (compare, budget, bar) = table_columns(area.width);
    let many_currencies = data
        .categories
        .iter()
        .any(|c| c.currency != data.categories[0].currency);
    let height = usize::from(area.height - 1);
    let offset = r.cursor.first_shown(height);
    let arrow = if r.descending { "↑" } else { "↓" };
    let title = |name: &str, key: crate::domain::review::CategorySort| {
        if r.sort == key {
            format!("{name}{arrow}")
        } else {
            name.to_string()
        }
    };
    use crate::domain::review::CategorySort as S;
    let right = |s: String| Cell::from(Line::from(s).alignment(Alignment::Right));
    let mut header = vec![
        Cell::from(title("Category", S::Name)),
        right(title("Spent", S::Spent)),
    ];
    let mut widths = vec![Constraint::Fill(1), Constraint::Length(11)];
    if compare {
        header.push(right("Last mo".into()));
        header.push(right(title("Chg", S::Change)));
        widths.push(Constraint::Length(11));
        widths.push(Constraint::Length(6));
    }
    if budget {
        header.push(right("Budget".into()));
        widths.push(Constraint::Length(10));
    }
    header.push(right(title("Left", S::Remaining)));
    widths.push(Constraint::Length(11));
    if bar {
        header.push(Cell::from("Share"));
        widths.push(Constraint::Length(11));
    }
    let rows: Vec<Row> = visible
        .iter()
        .skip(offset)
        .take(height)
        .map(|&i| {
            let c = &data.categories[i];
            category_row(
                c,
                data,
                r,
                t,
                many_currencies,
                (compare, budget, bar),
                ascii,
            )
        })
        .collect();
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(t.style(Meaning::Muted)))
        .row_highlight_style(t.style(Meaning::Selected))
        .column_spacing(1);
    let mut ts = TableState::new().with_selected(Some(r.cursor.selected - offset));
    frame.render_stateful_widget(table, area, &mut ts);
}

fn category_row<'a>(
    c: &CategoryTotal,
    data: &Review,
    r: &ReviewState,
    t: &Theme,
    many_currencies: bool,
    (compare, budget, bar): (bool, bool, bool),
    ascii: bool,
) -> Row<'a> {
    let marker = match (c.has_children, r.expanded.contains(&c.category), ascii) {
        (false, _, _) => "  ",
        (true, true, false) => "▾ ",
        (true, false, false) => "▸ ",
        (true, true, true) => "- ",
        (true, false, true) => "+ ",
    };
    let mut name = format!("{}{marker}{}", "  ".repeat(c.depth), inert(c.name()));
    if many_currencies {
        name.push_str(&format!(" ({})", c.currency));
    }
    let amount = |v: i64| format_grouped(v, c.currency);
    let right = |s: String, m: Meaning| {
        Cell::from(Line::from(Span::styled(s, t.style(m))).alignment(Alignment::Right))
    };
    let mut cells = vec![Cell::from(name), right(amount(c.this), Meaning::Expense)];
    if compare {
        cells.push(right(amount(c.last), Meaning::Muted));
        cells.push(right(change(c.this, c.last), Meaning::Muted));
    }
    if budget {
        cells.push(right(
            c.budget.map(amount).unwrap_or_default(),
            Meaning::Muted,
        ));
    }
    let left = match (c.budget, c.remaining()) {
        (Some(b), Some(left)) => {
            let used = i128::from(c.this) * 100;
            let (m, mark) = if left < 0 {
                (Meaning::Over, "!")
            } else if used >= i128::from(b) * 80 {
                (Meaning::Warning, "~")
            } else {
                (Meaning::Income, " ")
            };
            right(format!("{}{mark}", amount(left)), m)
        }
        _ => Cell::from(""),
    };
    cells.push(left);
    if bar {
        let total = data
            .totals
            .iter()
            .find(|x| x.currency == c.currency)
            .map_or(0, |x| x.spent);
        let pct = if total > 0 {
            i128::from(c.this) * 100 / i128::from(total)
        } else {
            0
        };
        cells.push(Cell::from(Line::from(vec![
            Span::styled(hbar(c.this, total, 6, ascii), t.style(Meaning::Focus)),
            Span::styled(format!("{pct:>4}%"), t.style(Meaning::Muted)),
        ])));
    }
    Row::new(cells)
}

fn panel_title<'a>(text: String, t: &Theme) -> Line<'a> {
    Line::from(Span::styled(text, t.style(Meaning::Title)))
}

/// Top-level categories of the main currency as horizontal bars, largest first.
fn by_category(data: &Review, t: &Theme, ascii: bool, frame: &mut Frame, area: Rect) {
    let Some(cur) = data.main_currency() else {
        return;
    };
    let mut top: Vec<&CategoryTotal> = data
        .categories
        .iter()
        .filter(|c| c.depth == 0 && c.currency == cur && c.this > 0)
        .collect();
    top.sort_by(|a, b| b.this.cmp(&a.this).then(a.category.cmp(&b.category)));
    let max = top.first().map_or(0, |c| c.this);
    let w = usize::from(area.width);
    let name_w = 12.min(w / 3);
    let amount_w = 10;
    let bar_w = w.saturating_sub(name_w + amount_w + 2);
    let mut lines = vec![panel_title(format!("Spending by category ({cur})"), t)];
    for c in top.iter().take(usize::from(area.height.saturating_sub(1))) {
        let name: String = inert(&c.category).chars().take(name_w).collect();
        lines.push(Line::from(vec![
            Span::raw(format!("{name:<name_w$} ")),
            Span::styled(hbar(c.this, max, bar_w, ascii), t.style(Meaning::Focus)),
            Span::styled(
                format!(" {:>amount_w$}", format_grouped(c.this, cur)),
                t.style(Meaning::Muted),
            ),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn column_styles(t: &Theme) -> ColumnStyles {
    ColumnStyles {
        bar: t.style(Meaning::Focus),
        part: t.style(Meaning::Income),
        alert: t.style(Meaning::Over),
        mark: t.style(Meaning::Text),
    }
}

/// The month's days: when the main currency has top-level budgets, the cumulative spending of
/// the budgeted categories against the pace of their budgets (spending without a budget would
/// make a budgeted month look over); else daily bars of all spending.
fn days_chart(data: &Review, t: &Theme, ascii: bool, frame: &mut Frame, area: Rect) {
    if area.height < 4 || area.width < 8 {
        return;
    }
    let Some(cur) = data.main_currency() else {
        return;
    };
    let budgeted: Vec<(&str, i64)> = data
        .categories
        .iter()
        .filter(|c| c.depth == 0 && c.currency == cur)
        .filter_map(|c| Some((c.category.as_str(), c.budget?)))
        .collect();
    let budget: i64 = budgeted.iter().map(|(_, b)| b).sum();
    let n_days = (data.to - data.from).num_days() as usize + 1;
    let mut daily = vec![0i64; n_days];
    let counted = |category: &str| budget == 0 || budgeted.iter().any(|(c, _)| *c == category);
    for d in data
        .days
        .iter()
        .filter(|d| d.currency == cur && counted(&d.category))
    {
        let i = (d.date - data.from).num_days() as usize;
        if let Some(v) = daily.get_mut(i) {
            *v = v.saturating_add(d.spent);
        }
    }
    let w = usize::from(area.width);
    // Days per column when the month does not fit one day per cell.
    let per = n_days.div_ceil(w.max(1));
    let n_cols = n_days.div_ceil(per);
    let mut cols = Vec::with_capacity(n_cols);
    let mut cumulative = 0i64;
    for k in 0..n_cols {
        let days = &daily[k * per..((k + 1) * per).min(n_days)];
        let sum: i64 = days.iter().sum();
        let end_day = ((k + 1) * per).min(n_days) as i64;
        cols.push(if budget > 0 {
            cumulative = cumulative.saturating_add(sum);
            let pace = (i128::from(budget) * i128::from(end_day) / n_days as i128) as i64;
            Column {
                value: cumulative,
                part: 0,
                mark: Some(pace),
                alert: cumulative > pace,
            }
        } else {
            Column {
                value: sum,
                ..Default::default()
            }
        });
    }
    let col_w = (w / n_cols.max(1)).clamp(1, 2);
    // Which spending the line adds up: the one budgeted category, or all budgeted ones.
    let what = match budgeted.as_slice() {
        [(one, _)] => inert(one).into_owned(),
        _ => "budgeted".to_string(),
    };
    let title = match (budget > 0, w >= 36) {
        (true, true) => format!("Days: {what} vs pace of {}", format_grouped(budget, cur)),
        (true, false) => "Days vs budget pace".into(),
        (false, true) => format!("Spending per day ({cur})"),
        (false, false) => "Per day".into(),
    };
    let mut lines = vec![panel_title(title, t)];
    let h = usize::from(area.height - 2);
    lines.extend(columns(&cols, col_w, h, column_styles(t), ascii));
    let axis_w = n_cols * col_w;
    let first = data.from.format("%d").to_string();
    let last = data.to.format("%d").to_string();
    lines.push(Line::from(Span::styled(
        format!(
            "{first}{}{last}",
            " ".repeat(axis_w.saturating_sub(first.len() + last.len()))
        ),
        t.style(Meaning::Muted),
    )));
    frame.render_widget(Paragraph::new(lines), area);
}

/// Total spending of the last 12 months, with the selected category as the lower part.
fn trend_chart(
    r: &ReviewState,
    data: &Review,
    t: &Theme,
    ascii: bool,
    frame: &mut Frame,
    area: Rect,
) {
    if area.height < 4 || area.width < 12 {
        return;
    }
    let Some(cur) = data.main_currency() else {
        return;
    };
    let total = data.trend_of(None, cur);
    let selected = r.selected_row().filter(|c| c.currency == cur);
    let part = selected.map(|c| data.trend_of(Some(&c.category), cur));
    let cols: Vec<Column> = total
        .iter()
        .enumerate()
        .map(|(i, (_, v))| Column {
            value: *v,
            part: part.as_ref().map_or(0, |p| p[i].1),
            ..Default::default()
        })
        .collect();
    let col_w = (usize::from(area.width) / TREND_MONTHS as usize).clamp(1, 3);
    let title = match selected {
        Some(c) => format!(
            "12 months, {} {}",
            if ascii { "=" } else { "▒" },
            inert(&c.category)
        ),
        None => format!("12 months ({cur})"),
    };
    let mut lines = vec![panel_title(title, t)];
    lines.extend(columns(
        &cols,
        col_w,
        usize::from(area.height - 2),
        column_styles(t),
        ascii,
    ));
    let labels: String = total
        .iter()
        .map(|(m, _)| {
            let initial = &m.title()[..1];
            format!("{initial:<col_w$}")
        })
        .collect();
    lines.push(Line::from(Span::styled(labels, t.style(Meaning::Muted))));
    frame.render_widget(Paragraph::new(lines), area);
}

fn payees(details: Option<&ReviewDetails>, t: &Theme, frame: &mut Frame, area: Rect) {
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

fn largest(details: Option<&ReviewDetails>, t: &Theme, frame: &mut Frame, area: Rect) {
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

fn render_status(state: &State, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let t = chrome.theme;
    let line = if let Some(line) = super::notice_line(state, t) {
        line
    } else {
        Line::from(hints(
            &[
                ("space", "expand"),
                ("enter", "expenses"),
                ("b", "budget"),
                ("H", "hist"),
                ("[ ]", "month"),
                ("r", "ledger"),
                ("?", "help"),
                ("q", "quit"),
            ],
            t,
        ))
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn budget_form(form: &BudgetForm, t: &Theme, frame: &mut Frame, area: Rect) {
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
    lines.push(Line::from(hints(
        &[("enter", "save"), ("empty", "removes"), ("esc", "cancel")],
        t,
    )));
    frame.render_widget(Paragraph::new(lines), body);
    if body.height > 0 {
        let x = body.x
            + (label.chars().count() + form.input.visual_cursor().saturating_sub(scroll)) as u16;
        frame.set_cursor_position((x.min(body.right().saturating_sub(1)), body.y));
    }
}
