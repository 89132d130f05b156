//! The review's charts: spending by top-level category (bars), the month's days (daily bars,
//! or cumulative spending against the budget pace) and the 12-month trend. All of them chart
//! the main currency only, as amounts in different currencies cannot share one axis. Pure:
//! reads the computed `Review`, draws text lines (`ui::chart` turns values into block glyphs).

use super::panel_title;
use crate::app::state::ReviewState;
use crate::domain::money::format_grouped;
use crate::domain::review::{CategoryTotal, Review, TREND_MONTHS};
use crate::domain::text::inert;
use crate::ui::chart::{columns, hbar, Column, ColumnStyles};
use crate::ui::theme::{Meaning, Theme};
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
pub(super) fn days(data: &Review, t: &Theme, ascii: bool, frame: &mut Frame, area: Rect) {
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
    // Up to 3 cells a month: wider bars add no information and would leave the labels adrift.
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
