//! The trash screen: deleted expenses with when they were deleted and when they expire, the
//! status line with its keys, and the "purge for good?" prompt. Pure: "deleted … ago" and
//! "expires in" are counted from the time the rows were read (`TrashState::now_ms`), never from
//! the clock, and need no time zone (snapshots are the same everywhere).

use super::layout::{areas, ledger_rows};
use super::theme::{Meaning, Theme};
use super::widgets::table::{self, Column, DataTable, DataToCell};
use super::{Chrome, Footer};
use crate::app::state::State;
use crate::domain::money::format_grouped;
use crate::domain::text::inert;
use crate::domain::trash::Trashed;
use crate::domain::ttl::{ago, expires_in};
use crate::domain::{Expense, Kind};
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

const DAY_MS: i64 = 86_400_000;

/// Draws the trash into `area`.
pub fn render(state: &State, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let a = areas(area);
    render_header(state, chrome.theme, frame, a.header);
    render_table(state, chrome.theme, frame, a.body);
    render_status(state, chrome, frame, a.status);
}

/// The header: the count and, when there is room, how long deleted rows are kept.
fn render_header(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut spans = vec![Span::styled(" Trash ", theme.style(Meaning::Title))];
    if let Some(rows) = &state.trash.rows {
        let n = rows.len();
        spans.push(Span::styled(
            format!(" {n} item{}", if n == 1 { "" } else { "s" }),
            theme.style(Meaning::Muted),
        ));
    }
    let days = state.trash_ttl_ms / DAY_MS;
    if area.width >= 60 {
        spans.push(Span::styled(
            format!(
                " · kept {days} day{} after deleting",
                if days == 1 { "" } else { "s" }
            ),
            theme.style(Meaning::Muted),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The trash's columns. `Deleted` shows only when wide; the date carries its format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TrashColumn {
    Deleted,
    Expires,
    Date { long: bool },
    Payee,
    Category,
    Amount,
}

/// The deleted rows; the expiry column comes first because it is what the trash is about.
fn render_table(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let t = &state.trash;
    let Some(rows) = &t.rows else {
        frame.render_widget(table::loading(theme), area);
        return;
    };
    if rows.is_empty() {
        let text = "The trash is empty.\n\nExpenses deleted in the ledger (d) wait here until \
                    they expire; Esc goes back to the ledger.";
        table::empty(text, area, frame.buffer_mut());
        return;
    }
    let wide = area.width >= 72;
    let page =
        ledger_rows(state.size.0, state.size.1).min(usize::from(area.height.saturating_sub(1)));
    let end = (t.cursor.offset + page).min(rows.len());
    let mut columns = vec![];
    if wide {
        columns.push(Column::new(
            TrashColumn::Deleted,
            "Deleted",
            Constraint::Length(12),
        ));
    }
    columns.extend([
        Column::new(TrashColumn::Expires, "Expires", Constraint::Length(8)),
        Column::new(
            TrashColumn::Date { long: wide },
            "Date",
            Constraint::Length(if wide { 10 } else { 6 }),
        ),
        Column::new(TrashColumn::Payee, "Payee", Constraint::Fill(2)),
        Column::new(TrashColumn::Category, "Category", Constraint::Fill(2)),
        Column::new(TrashColumn::Amount, "Amount", Constraint::Length(14)).right(),
    ]);
    // The trash holds all its rows (it is small), so every visible row is there: no `None`.
    let table = DataTable {
        columns: &columns,
        rows: rows[t.cursor.offset.min(end)..end]
            .iter()
            .map(|item| {
                Some(TrashRow {
                    item,
                    now_ms: t.now_ms,
                })
            })
            .collect(),
        sort: None,
        selected: Some(t.cursor.selected.saturating_sub(t.cursor.offset)),
        theme,
    };
    frame.render_widget(&table, area);
}

/// A trash row: the deleted expense, and the time the rows were read, which "deleted … ago"
/// and "expires in" count from.
struct TrashRow<'a> {
    item: &'a Trashed,
    now_ms: i64,
}

impl DataToCell for TrashRow<'_> {
    type Column = TrashColumn;

    fn to_cell(&self, column: TrashColumn, theme: &Theme) -> Line<'static> {
        let (r, now_ms) = (self.item, self.now_ms);
        let d = &r.expense.draft;
        match column {
            TrashColumn::Deleted => Line::from(Span::styled(
                ago(r.deleted_at, now_ms),
                theme.style(Meaning::Muted),
            )),
            TrashColumn::Expires => {
                // The last day in the trash is worth a glance.
                let soon = r.expires_at.saturating_sub(now_ms) < DAY_MS;
                Line::from(Span::styled(
                    expires_in(r.expires_at, now_ms),
                    theme.style(if soon { Meaning::Error } else { Meaning::Muted }),
                ))
            }
            TrashColumn::Date { long } => {
                let date = if long {
                    d.date.format("%Y-%m-%d").to_string()
                } else {
                    d.date.format("%b %d").to_string()
                };
                Line::from(Span::styled(date, theme.style(Meaning::Muted)))
            }
            TrashColumn::Payee => Line::from(inert(&d.payee).into_owned()),
            TrashColumn::Category => Line::from(inert(&d.category).into_owned()),
            TrashColumn::Amount => Line::from(amount(&r.expense)).alignment(Alignment::Right),
        }
    }
}

/// The signed amount with its currency, as the ledger shows it (income with `+`).
fn amount(e: &Expense) -> String {
    let d = &e.draft;
    let sign = if d.kind == Kind::Income { "+" } else { "" };
    format!(
        "{sign}{} {}",
        format_grouped(d.amount, d.currency),
        d.currency
    )
}

fn render_status(state: &State, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let theme = chrome.theme;
    let t = &state.trash;
    let n = t.rows.as_ref().map_or(0, Vec::len);
    let position = if n == 0 {
        String::new()
    } else {
        format!(" {}/{} ", t.cursor.selected + 1, n)
    };
    let left = match super::notice_line(state, theme) {
        Some(line) => line,
        None => Line::from(chrome.hint_spans(Footer::Trash)),
    };
    super::status_line(left, position, theme, frame, area);
}

/// The y/n prompt before a purge, which cannot be undone.
pub fn confirm_purge(expense: &Expense, chrome: &super::Chrome, frame: &mut Frame, area: Rect) {
    let d = &expense.draft;
    let mut what = format!("{} · {}", amount(expense), inert(&d.category));
    if !d.payee.is_empty() {
        what.push_str(&format!(" · {}", inert(&d.payee)));
    }
    let question = format!(
        "Purge {what} on {} for good? This cannot be undone.",
        d.date.format("%Y-%m-%d")
    );
    super::confirm_popup(" Purge ", question, "purge", chrome, frame, area);
}
