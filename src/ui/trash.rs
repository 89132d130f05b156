//! The trash screen: deleted expenses with when they were deleted and when they expire, the
//! status line with its keys, and the "purge for good?" prompt. Pure: "deleted … ago" and
//! "expires in" are counted from the time the rows were read (`TrashState::now_ms`), never from
//! the clock, and need no time zone (snapshots are the same everywhere).

use super::layout::{areas, ledger_rows};
use super::theme::{Meaning, Theme};
use super::Chrome;
use crate::app::state::State;
use crate::domain::money::format_grouped;
use crate::domain::text::inert;
use crate::domain::ttl::{ago, expires_in};
use crate::domain::{Expense, Kind};
use crate::store::Trashed;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

const DAY_MS: i64 = 86_400_000;

/// Draws the trash into `area`.
pub fn render(state: &State, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let a = areas(area);
    render_header(state, chrome.theme, frame, a.header);
    render_table(state, chrome.theme, frame, a.body);
    render_status(state, chrome.theme, frame, a.status);
}

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

fn render_table(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let t = &state.trash;
    let Some(rows) = &t.rows else {
        frame.render_widget(
            Paragraph::new("Loading…").style(theme.style(Meaning::Muted)),
            area,
        );
        return;
    };
    if rows.is_empty() {
        let text = "The trash is empty.\n\nExpenses deleted in the ledger (d) wait here until \
                    they expire; Esc goes back to the ledger.";
        let y = area.y + area.height / 3;
        let rect = Rect {
            y,
            height: area.height.saturating_sub(y - area.y),
            ..area
        };
        frame.render_widget(
            Paragraph::new(text)
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true }),
            rect,
        );
        return;
    }
    let wide = area.width >= 72;
    let page =
        ledger_rows(state.size.0, state.size.1).min(usize::from(area.height.saturating_sub(1)));
    let end = (t.cursor.offset + page).min(rows.len());
    let body: Vec<Row> = rows[t.cursor.offset.min(end)..end]
        .iter()
        .map(|r| row(r, t.now_ms, wide, theme))
        .collect();
    let mut header = vec![];
    let mut widths = vec![];
    if wide {
        header.push(Cell::from("Deleted"));
        widths.push(Constraint::Length(12));
    }
    header.extend([
        Cell::from("Expires"),
        Cell::from("Date"),
        Cell::from("Payee"),
        Cell::from("Category"),
        Cell::from(Line::from("Amount").alignment(Alignment::Right)),
    ]);
    widths.extend([
        Constraint::Length(8),
        Constraint::Length(if wide { 10 } else { 6 }),
        Constraint::Fill(2),
        Constraint::Fill(2),
        Constraint::Length(14),
    ]);
    let table = Table::new(body, widths)
        .header(Row::new(header).style(theme.style(Meaning::Muted)))
        .row_highlight_style(theme.style(Meaning::Selected))
        .column_spacing(1);
    let mut ts =
        TableState::new().with_selected(Some(t.cursor.selected.saturating_sub(t.cursor.offset)));
    frame.render_stateful_widget(table, area, &mut ts);
}

fn row<'a>(r: &'a Trashed, now_ms: i64, wide: bool, theme: &Theme) -> Row<'a> {
    let d = &r.expense.draft;
    let date = if wide {
        d.date.format("%Y-%m-%d").to_string()
    } else {
        d.date.format("%b %d").to_string()
    };
    let left = expires_in(r.expires_at, now_ms);
    // The last day in the trash is worth a glance.
    let soon = r.expires_at.saturating_sub(now_ms) < DAY_MS;
    let mut cells = Vec::new();
    if wide {
        cells.push(Cell::from(Span::styled(
            ago(r.deleted_at, now_ms),
            theme.style(Meaning::Muted),
        )));
    }
    cells.extend([
        Cell::from(Span::styled(
            left,
            theme.style(if soon { Meaning::Error } else { Meaning::Muted }),
        )),
        Cell::from(Span::styled(date, theme.style(Meaning::Muted))),
        Cell::from(inert(&d.payee).into_owned()),
        Cell::from(inert(&d.category).into_owned()),
        Cell::from(Line::from(amount(&r.expense)).alignment(Alignment::Right)),
    ]);
    Row::new(cells)
}

fn amount(e: &Expense) -> String {
    let d = &e.draft;
    let sign = if d.kind == Kind::Income { "+" } else { "" };
    format!(
        "{sign}{} {}",
        format_grouped(d.amount, d.currency),
        d.currency
    )
}

fn render_status(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let t = &state.trash;
    let n = t.rows.as_ref().map_or(0, Vec::len);
    let position = if n == 0 {
        String::new()
    } else {
        format!(" {}/{} ", t.cursor.selected + 1, n)
    };
    let left = match super::notice_line(state, theme) {
        Some(line) => line,
        None => Line::from(super::hints(
            &[
                ("r", "restore"),
                ("x", "purge"),
                ("Esc", "ledger"),
                ("?", "help"),
                ("q", "quit"),
            ],
            theme,
        )),
    };
    super::status_line(left, position, theme, frame, area);
}

/// The y/n prompt before a purge, which cannot be undone.
pub fn confirm_purge(expense: &Expense, theme: &Theme, frame: &mut Frame, area: Rect) {
    let d = &expense.draft;
    let mut what = format!("{} · {}", amount(expense), inert(&d.category));
    if !d.payee.is_empty() {
        what.push_str(&format!(" · {}", inert(&d.payee)));
    }
    let question = format!(
        "Purge {what} on {} for good? This cannot be undone.",
        d.date.format("%Y-%m-%d")
    );
    super::confirm_popup(" Purge ", question, "purge", theme, frame, area);
}
