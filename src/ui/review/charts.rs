//! The review's charts: spending by top-level category (bars), the month's days (daily bars,
//! or cumulative spending against the budget pace) and the 12-month trend. All of them chart
//! the main currency only, as amounts in different currencies cannot share one axis. Pure:
//! reads the computed `Review`, draws text lines (`ui::chart` turns values into block glyphs).

use super::panel_title;
use crate::app::state::ReviewState;
use crate::domain::money::format_grouped;
use crate::domain::review::{CategoryTotal, Review, TREND_MONTHS};
use crate::domain::text::inert;
use crate::domain::Currency;
use crate::ui::chart::{columns, hbar, Column, ColumnStyles};
use crate::ui::theme::{Meaning, Theme};
use chrono::NaiveDate;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Top-level categories of the main currency as horizontal bars, largest first.
pub(super) fn by_category(data: &Review, t: &Theme, ascii: bool, frame: &mut Frame, area: Rect) {
    let Some(cur) = data.main_currency() else {
        return;
    };
    let mut top: Vec<&CategoryTotal> = data
        .categories
        .iter()
        .filter(|c| c.depth == 0 && c.currency == cur && c.this > 0)
        .collect();
    // Ties by name, so equal amounts never swap places between two draws.
    top.sort_by(|a, b| b.this.cmp(&a.this).then(a.category.cmp(&b.category)));
    // Bars are relative to the largest, so the top category always fills the width.
    let max = top.first().map_or(0, |c| c.this);
    let w = usize::from(area.width);
    let name_w = 12.min(w / 3);
    // Room for `99,999.99` and a sign; longer amounts push the bar, never the name.
    let amount_w = 10;
    let bar_w = w.saturating_sub(name_w + amount_w + 2);
    let mut lines = vec![panel_title(format!("Spending by category ({cur})"), t)];
    for c in top.iter().take(usize::from(area.height.saturating_sub(1))) {
        let name = fit(&inert(&c.category), name_w);
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

/// The chart colours by meaning: bars, the selected part, over-pace columns, the pace mark.
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
pub(super) fn days(
    data: &Review,
    today: NaiveDate,
    t: &Theme,
    ascii: bool,
    frame: &mut Frame,
    area: Rect,
) {
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
    // The period runs from the month's start day, so it need not be a calendar month.
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
    let h = usize::from(area.height - 2);
    // The value axis: the top of the scale on the first line, 0 on the last (when the panel
    // is wide enough to give it a gutter without losing a day).
    let top = daily_top(&daily, budget);
    let gutter = Gutter::new(top, cur, area.width, n_days);
    let w = usize::from(area.width) - gutter.width;
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
            // The pace is linear: by day k of n, k/n of the budget may be spent.
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
    let title = match (budget > 0, area.width >= 36) {
        (true, true) => format!("Days: {what} vs pace of {}", format_grouped(budget, cur)),
        (true, false) => "Days vs budget pace".into(),
        (false, true) => format!("Spending per day ({cur})"),
        (false, false) => "Per day".into(),
    };
    let mut lines = vec![panel_title(title, t)];
    let chart = columns(&cols, col_w, h, column_styles(t), ascii);
    lines.extend(gutter.apply(chart, t));
    // The day axis: first and last day, and today (when it is in the month) under its column.
    let axis_w = n_cols * col_w;
    let mut axis: Vec<char> = vec![' '; axis_w.max(1)];
    let mut put = |at: usize, text: &str| {
        for (i, ch) in text.chars().enumerate() {
            if let Some(c) = axis.get_mut(at + i) {
                *c = ch;
            }
        }
    };
    let first = data.from.format("%d").to_string();
    let last = data.to.format("%d").to_string();
    put(0, &first);
    put(axis_w.saturating_sub(last.len()), &last);
    if (data.from..=data.to).contains(&today) {
        let col = (today - data.from).num_days() as usize / per.max(1);
        let at = col * col_w;
        let mark = if ascii { "^" } else { "▲" };
        // Today's label beside its mark, on whichever side has room.
        let label = format!("{mark}{}", today.format("%d"));
        let at = at.min(axis_w.saturating_sub(label.chars().count()));
        if at > first.len() && at + label.chars().count() < axis_w.saturating_sub(last.len()) {
            put(at, &label);
        } else {
            put(col * col_w, mark);
        }
    }
    let axis: String = axis.into_iter().collect();
    lines.push(Line::from(vec![
        Span::raw(" ".repeat(gutter.width)),
        Span::styled(axis, t.style(Meaning::Muted)),
    ]));
    frame.render_widget(Paragraph::new(lines), area);
}

/// The highest value the day chart draws: the largest day, or with a budget the budget itself
/// (the pace reaches it on the last day) or the month's cumulative spending if higher.
fn daily_top(daily: &[i64], budget: i64) -> i64 {
    if budget > 0 {
        budget.max(daily.iter().sum())
    } else {
        daily.iter().copied().max().unwrap_or(0)
    }
}

/// An amount in a few cells for an axis: `350`, `1.2k`, `12k`, `1.5M` (whole units).
fn compact(minor: i64, cur: Currency) -> String {
    let units = minor / 10i64.pow(cur.exponent());
    let (v, suffix) = match units.abs() {
        0..=999 => return units.to_string(),
        1_000..=9_999 => (units * 10 / 1_000, "k"),
        10_000..=999_999 => return format!("{}k", units / 1_000),
        _ => (units * 10 / 1_000_000, "M"),
    };
    if v % 10 == 0 {
        format!("{}{suffix}", v / 10)
    } else {
        format!("{}.{}{suffix}", v / 10, v.abs() % 10)
    }
}

/// The value labels left of a column chart: the top value on the first line, `0` on the last.
struct Gutter {
    top: String,
    /// Cells the labels take (0: no room for them).
    width: usize,
}

impl Gutter {
    /// Labels for a chart whose top is `top`, in a panel `panel_w` wide that must still give
    /// `needed` cells to the columns; none when it cannot.
    fn new(top: i64, cur: Currency, panel_w: u16, needed: usize) -> Gutter {
        let label = compact(top, cur);
        let width = label.chars().count() + 1;
        let fits = usize::from(panel_w) >= width + needed.min(24);
        Gutter {
            top: label,
            width: if fits { width } else { 0 },
        }
    }

    /// `chart` with the labels in front of its lines.
    fn apply(&self, chart: Vec<Line<'static>>, t: &Theme) -> Vec<Line<'static>> {
        if self.width == 0 {
            return chart;
        }
        let n = chart.len();
        chart
            .into_iter()
            .enumerate()
            .map(|(i, line)| {
                let label = match i {
                    0 => self.top.clone(),
                    i if i + 1 == n => "0".to_string(),
                    _ => String::new(),
                };
                let mut spans = vec![Span::styled(
                    format!("{label:>w$} ", w = self.width - 1),
                    t.style(Meaning::Muted),
                )];
                spans.extend(line.spans);
                Line::from(spans)
            })
            .collect()
    }
}

/// Total spending of the last 12 months, with the selected category as the lower part.
pub(super) fn trend(
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
    let top = total.iter().map(|(_, v)| *v).max().unwrap_or(0);
    let gutter = Gutter::new(top, cur, area.width, TREND_MONTHS as usize);
    let w = usize::from(area.width) - gutter.width;
    // Up to 3 cells a month: wider bars add no information and would leave the labels adrift.
    let col_w = (w / TREND_MONTHS as usize).clamp(1, 3);
    // The title says what the two shades are, with this month's values: the selected category
    // against the total, in words, so the stack reads without a legend.
    let now = total.last().map_or(0, |(_, v)| *v);
    let title = match (selected, &part) {
        (Some(c), Some(p)) => {
            let mine = p.last().map_or(0, |(_, v)| *v);
            let pct = if now > 0 {
                i128::from(mine) * 100 / i128::from(now)
            } else {
                0
            };
            let shade = if ascii { "=" } else { "▒" };
            let values = format!(
                "{shade} {} {} of {} ({pct}%)",
                inert(&c.category),
                format_grouped(mine, cur),
                format_grouped(now, cur)
            );
            let full = format!("12 months: {values}");
            [full, values]
                .into_iter()
                .find(|s| s.chars().count() <= usize::from(area.width))
                .unwrap_or_else(|| format!("{shade} {}", inert(&c.category)))
        }
        _ => format!("12 months ({cur})"),
    };
    let mut lines = vec![panel_title(fit(&title, usize::from(area.width)), t)];
    let chart = columns(
        &cols,
        col_w,
        usize::from(area.height - 2),
        column_styles(t),
        ascii,
    );
    lines.extend(gutter.apply(chart, t));
    // Month names every third month where they fit whole, else initials.
    let labels: String = if col_w * 3 >= 4 {
        let len = col_w * total.len();
        let mut axis: Vec<char> = vec![' '; len];
        // From this month back, every third; a label that would run off the end moves left.
        for (i, (m, _)) in total.iter().enumerate().rev() {
            if (total.len() - 1 - i).is_multiple_of(3) {
                let at = (i * col_w).min(len.saturating_sub(3));
                for (j, ch) in m.title().chars().take(3).enumerate() {
                    if let Some(c) = axis.get_mut(at + j) {
                        *c = ch;
                    }
                }
            }
        }
        axis.into_iter().collect()
    } else {
        total
            .iter()
            .map(|(m, _)| {
                let initial = &m.title()[..1];
                format!("{initial:<col_w$}")
            })
            .collect()
    };
    lines.push(Line::from(vec![
        Span::raw(" ".repeat(gutter.width)),
        Span::styled(labels, t.style(Meaning::Muted)),
    ]));
    frame.render_widget(Paragraph::new(lines), area);
}

/// `text` cut to `width` characters, ending with `…` when cut.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
    s.push('…');
    s
}
