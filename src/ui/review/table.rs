//! The review's category table: the category tree with this month, last month and the change,
//! the budget, what is left of it and a share bar, columns dropped from the right as the width
//! shrinks. Pure: reads `ReviewState` and the computed `Review`, draws.

use crate::app::state::ReviewState;
use crate::domain::money::{format_grouped, percent_change};
use crate::domain::review::{CategorySort, CategoryTotal, Review};
use crate::domain::text::inert;
use crate::ui::chart::hbar;
use crate::ui::theme::{Meaning, Theme};
use crate::ui::widgets::table::{Column, DataTable, DataToCell, Sort};
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Which columns fit in `width`, keeping at least 16 cells for the category:
/// (last month + change, budget, share bar, still to come). The month ahead's column (only
/// when recurring expenses are still to come) comes right after the budget's, so it pushes the
/// comparison and the bar 11 cells further out.
fn table_columns(width: u16, to_come: bool) -> (bool, bool, bool, bool) {
    let extra = if to_come { 11 } else { 0 };
    (
        width >= 70 + extra,
        width >= 51,
        width >= 82 + extra,
        to_come && width >= 62,
    )
}

/// Draws the category table (the visible rows of the tree) into `area`, or the empty-month
/// note. The rows drawn start at the cursor's offset as the reducer keeps it: the reducer pages
/// by this table's height (`layout::review_table_rows`), so render never scrolls on its own.
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
    let any_to_come = data.categories.iter().any(|c| c.to_come != 0);
    let (compare, budget, bar, to_come) = table_columns(area.width, any_to_come);
    // The currency is named after each category only when it is not the same everywhere.
    let many_currencies = data
        .categories
        .iter()
        .any(|c| c.currency != data.categories[0].currency);
    // One row is the header.
    let height = usize::from(area.height - 1);
    let offset = r.cursor.offset;
    let mut columns = vec![
        Column::new(ReviewColumn::Category, "Category", Constraint::Fill(1)),
        Column::new(ReviewColumn::Spent, "Spent", Constraint::Length(11)).right(),
    ];
    if compare {
        columns
            .push(Column::new(ReviewColumn::LastMonth, "Last mo", Constraint::Length(11)).right());
        columns.push(Column::new(ReviewColumn::Change, "Chg", Constraint::Length(6)).right());
    }
    if to_come {
        columns.push(Column::new(ReviewColumn::ToCome, "To come", Constraint::Length(11)).right());
    }
    if budget {
        columns.push(Column::new(ReviewColumn::Budget, "Budget", Constraint::Length(10)).right());
    }
    columns.push(Column::new(ReviewColumn::Left, "Left", Constraint::Length(11)).right());
    if bar {
        columns.push(Column::new(
            ReviewColumn::Share,
            "Share",
            Constraint::Length(11),
        ));
    }
    let sorted = match r.sort {
        CategorySort::Name => ReviewColumn::Category,
        CategorySort::Spent => ReviewColumn::Spent,
        CategorySort::Change => ReviewColumn::Change,
        CategorySort::Remaining => ReviewColumn::Left,
    };
    let table = DataTable {
        columns: &columns,
        rows: visible
            .iter()
            .skip(offset)
            .take(height)
            .map(|&i| {
                Some(CategoryRow {
                    c: &data.categories[i],
                    data,
                    expanded: r.expanded.contains(&data.categories[i].category),
                    many_currencies,
                    ascii,
                })
            })
            .collect(),
        sort: Some(Sort {
            column: sorted,
            // The review sorts largest first by default, so its arrow points the other way to
            // the ledger's: it shows where the small values are.
            arrow: if r.descending { "↑" } else { "↓" },
        }),
        // A state the reducer never clamped to this size draws without a highlight rather
        // than scrolling here.
        selected: r
            .cursor
            .selected
            .checked_sub(offset)
            .filter(|&i| i < height),
        theme: t,
    };
    frame.render_widget(&table, area);
}

/// The category table's columns; which of them show depends on the width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReviewColumn {
    Category,
    Spent,
    LastMonth,
    Change,
    Budget,
    Left,
    Share,
    /// Recurring expenses still to come this month.
    ToCome,
}

/// One category of the tree, with what its cells need from the rest of the review.
struct CategoryRow<'a> {
    c: &'a CategoryTotal,
    data: &'a Review,
    expanded: bool,
    many_currencies: bool,
    ascii: bool,
}

impl DataToCell for CategoryRow<'_> {
    type Column = ReviewColumn;

    fn to_cell(&self, column: ReviewColumn, t: &Theme) -> Line<'static> {
        let c = self.c;
        let amount = |v: i64| format_grouped(v, c.currency);
        let right = |s: String, m: Meaning| {
            Line::from(Span::styled(s, t.style(m))).alignment(Alignment::Right)
        };
        match column {
            ReviewColumn::Category => {
                let marker = match (c.has_children, self.expanded, self.ascii) {
                    (false, _, _) => "  ",
                    (true, true, false) => "▾ ",
                    (true, false, false) => "▸ ",
                    (true, true, true) => "- ",
                    (true, false, true) => "+ ",
                };
                let mut name = format!("{}{marker}{}", "  ".repeat(c.depth), inert(c.name()));
                if self.many_currencies {
                    name.push_str(&format!(" ({})", c.currency));
                }
                Line::from(name)
            }
            ReviewColumn::Spent => right(amount(c.this), Meaning::Expense),
            ReviewColumn::LastMonth => right(amount(c.last), Meaning::Muted),
            ReviewColumn::Change => right(percent_change(c.this, c.last), Meaning::Muted),
            ReviewColumn::Budget => right(c.budget.map(amount).unwrap_or_default(), Meaning::Muted),
            ReviewColumn::ToCome if c.to_come == 0 => Line::from(""),
            ReviewColumn::ToCome => right(format!("+{}", amount(c.to_come)), Meaning::Muted),
            // The mark repeats the colour's meaning (`!` over, `>` over once what is still to
            // come is posted, `~` at 80% or more), so the state of a budget reads on a
            // monochrome terminal too.
            ReviewColumn::Left => match (c.budget, c.remaining()) {
                (Some(b), Some(left)) => {
                    let used = i128::from(c.this) * 100;
                    let (m, mark) = if left < 0 {
                        (Meaning::Over, "!")
                    } else if c.will_go_over() {
                        (Meaning::Warning, ">")
                    } else if used >= i128::from(b) * 80 {
                        (Meaning::Warning, "~")
                    } else {
                        (Meaning::Income, " ")
                    };
                    right(format!("{}{mark}", amount(left)), m)
                }
                _ => Line::from(""),
            },
            ReviewColumn::Share => {
                let total = self
                    .data
                    .totals
                    .iter()
                    .find(|x| x.currency == c.currency)
                    .map_or(0, |x| x.spent);
                // The share of this currency's spending: shares across currencies mean nothing.
                let pct = if total > 0 {
                    i128::from(c.this) * 100 / i128::from(total)
                } else {
                    0
                };
                Line::from(vec![
                    Span::styled(hbar(c.this, total, 6, self.ascii), t.style(Meaning::Focus)),
                    Span::styled(format!("{pct:>4}%"), t.style(Meaning::Muted)),
                ])
            }
        }
    }
}
