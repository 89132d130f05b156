//! The review's category table: the category tree with this month, last month and the change,
//! the budget, what is left of it and a share bar, columns dropped from the right as the width
//! shrinks. Pure: reads `ReviewState` and the computed `Review`, draws.

use crate::app::state::ReviewState;
use crate::domain::money::{format_grouped, percent_change};
use crate::domain::text::inert;
use crate::review::{CategoryTotal, Review};
use crate::ui::chart::hbar;
use crate::ui::theme::{Meaning, Theme};
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

/// Which columns fit in `width`, keeping at least 16 cells for the category:
/// (last month + change, budget, share bar).
fn table_columns(width: u16) -> (bool, bool, bool) {
    (width >= 70, width >= 51, width >= 82)
}

/// Draws the category table (the visible rows of the tree) into `area`, or the empty-month
/// note. The selection stays on screen: the window scrolls only once it reaches the last row.
pub(super) fn render(
    r: &ReviewState,
    data: &Review,
    t: &Theme,
    ascii: bool,
    frame: &mut Frame,
    area: Rect,
) {
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
    // The currency is named after each category only when it is not the same everywhere.
    let many_currencies = data
        .categories
        .iter()
        .any(|c| c.currency != data.categories[0].currency);
    // One row is the header.
    let height = usize::from(area.height - 1);
    let offset = r.selected.saturating_sub(height.saturating_sub(1));
    // The review sorts largest first by default, so its arrow points the other way to the
    // ledger's: it shows where the small values are.
    let arrow = if r.descending { "↑" } else { "↓" };
    let title = |name: &str, key: crate::review::CategorySort| {
        if r.sort == key {
            format!("{name}{arrow}")
        } else {
            name.to_string()
        }
    };
    use crate::review::CategorySort as S;
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
    let mut ts = TableState::new().with_selected(Some(r.selected - offset));
    frame.render_stateful_widget(table, area, &mut ts);
}

/// One category's cells; the optional columns follow the same flags as the header.
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
        cells.push(right(percent_change(c.this, c.last), Meaning::Muted));
    }
    if budget {
        cells.push(right(
            c.budget.map(amount).unwrap_or_default(),
            Meaning::Muted,
        ));
    }
    // The mark repeats the colour's meaning (`!` over, `~` at 80% or more), so the state of a
    // budget reads on a monochrome terminal too.
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
        // The share of this currency's spending: shares across currencies would mean nothing.
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
