//! The history screen: the change stream (or one expense's records) as a list, newest first,
//! and the detail view of one record with the old and new image side by side. Changed fields
//! are marked with `*` as well as styled, so the view reads without colour. Only the visible
//! records are drawn, from the window the state holds.

use super::layout::{areas, ledger_rows};
use super::theme::Meaning;
use super::Chrome;
use crate::app::action::HistoryRow;
use crate::app::state::State;
use crate::domain::change::{diff, summary};
use crate::store::{ChangeRecord, Event};
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

/// Draws the history into `area`.
pub fn render(state: &State, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let a = areas(area);
    render_header(state, chrome, frame, a.header);
    let h = &state.history;
    match (h.detail, h.selected_row()) {
        (true, Some(row)) => render_detail(row, chrome, frame, a.body),
        _ => render_list(state, chrome, frame, a.body),
    }
    render_status(state, chrome, frame, a.status);
}

fn render_header(state: &State, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let t = chrome.theme;
    let h = &state.history;
    let mut spans = vec![Span::styled(" History ", t.style(Meaning::Title))];
    if h.item.is_some() {
        spans.push(Span::styled(
            format!("of {} ", h.item_text),
            t.style(Meaning::Focus),
        ));
    } else {
        spans.push(Span::styled("all changes ", t.style(Meaning::Focus)));
    }
    if let Some(n) = h.total {
        spans.push(Span::styled(
            format!(" {n} record{}", if n == 1 { "" } else { "s" }),
            t.style(Meaning::Muted),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The time column: full at 100 columns and more, `MM-DD HH:MM` below.
fn time_text(time: &str, wide: bool) -> String {
    if wide {
        time.to_string()
    } else {
        time.get(5..16).unwrap_or(time).to_string()
    }
}

fn render_list(state: &State, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let t = chrome.theme;
    let h = &state.history;
    let Some(total) = h.total else {
        frame.render_widget(
            Paragraph::new("Loading…").style(t.style(Meaning::Muted)),
            area,
        );
        return;
    };
    if total == 0 {
        let p = Paragraph::new("No changes yet.\n\nEsc goes back.")
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true });
        let y = area.y + area.height / 3;
        frame.render_widget(
            p,
            Rect {
                y,
                height: area.height.saturating_sub(y - area.y),
                ..area
            },
        );
        return;
    }
    let wide = area.width >= 100;
    let page =
        ledger_rows(state.size.0, state.size.1).min(usize::from(area.height.saturating_sub(1)));
    let end = (h.cursor.offset + page).min(total);
    let rows: Vec<Row> = (h.cursor.offset..end)
        .map(|i| match h.row(i) {
            Some(r) => list_row(r, wide, chrome),
            None => Row::new(vec![Cell::from("…")]),
        })
        .collect();
    let widths = [
        Constraint::Length(7),
        Constraint::Length(if wide { 19 } else { 11 }),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Fill(1),
    ];
    let header = Row::new(vec![
        Cell::from(Line::from("Seq").alignment(Alignment::Right)),
        Cell::from("Time"),
        Cell::from("Event"),
        Cell::from("Origin"),
        Cell::from("Change"),
    ])
    .style(t.style(Meaning::Muted));
    let table = Table::new(rows, widths)
        .header(header)
        .row_highlight_style(t.style(Meaning::Selected))
        .column_spacing(1);
    let mut ts =
        TableState::new().with_selected(Some(h.cursor.selected.saturating_sub(h.cursor.offset)));
    frame.render_stateful_widget(table, area, &mut ts);
}

fn list_row<'a>(row: &HistoryRow, wide: bool, chrome: &Chrome) -> Row<'a> {
    let t = chrome.theme;
    let r = &row.record;
    let meaning = match r.event {
        Event::Insert => Meaning::Income,
        Event::Modify => Meaning::Text,
        Event::Remove => Meaning::Expense,
    };
    Row::new(vec![
        Cell::from(Line::from(r.seq.to_string()).alignment(Alignment::Right)),
        Cell::from(Span::styled(
            time_text(&row.time, wide),
            t.style(Meaning::Muted),
        )),
        Cell::from(Span::styled(r.event.to_string(), t.style(meaning))),
        Cell::from(r.origin.name()),
        Cell::from(summary(r.old.as_ref(), r.new.as_ref())),
    ])
}

/// The record's old and new image side by side, one field a row, changed ones marked `*`.
fn render_detail(row: &HistoryRow, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let t = chrome.theme;
    let r: &ChangeRecord = &row.record;
    let title = Line::from(vec![
        Span::styled(format!(" #{} {} ", r.seq, r.event), t.style(Meaning::Title)),
        Span::styled(
            format!("{} · {} · id {}", r.origin.name(), row.time, r.id),
            t.style(Meaning::Muted),
        ),
    ]);
    let version = |e: Option<&crate::domain::Expense>, word: &str| match e {
        Some(e) => format!("{word} (v{})", e.version),
        None => format!("{word} (none)"),
    };
    let header = Row::new(vec![
        Cell::from(""),
        Cell::from("Field"),
        Cell::from(version(r.old.as_ref(), "Before")),
        Cell::from(version(r.new.as_ref(), "After")),
    ])
    .style(t.style(Meaning::Muted));
    let rows: Vec<Row> = diff(r.old.as_ref(), r.new.as_ref())
        .into_iter()
        .map(|d| {
            let changed = d.changed();
            let style = if changed {
                t.style(Meaning::Focus)
            } else {
                t.style(Meaning::Text)
            };
            let show = |s: String| if s.is_empty() { "—".to_string() } else { s };
            Row::new(vec![
                Cell::from(Span::styled(
                    if changed { "*" } else { " " },
                    t.style(Meaning::Key),
                )),
                Cell::from(Span::styled(d.field, t.style(Meaning::Muted))),
                Cell::from(Span::styled(show(d.old), style)),
                Cell::from(Span::styled(show(d.new), style)),
            ])
        })
        .collect();
    let title_area = Rect {
        height: area.height.min(1),
        ..area
    };
    frame.render_widget(Paragraph::new(title), title_area);
    let table_area = Rect {
        y: area.y.saturating_add(2).min(area.bottom()),
        height: area.height.saturating_sub(2),
        ..area
    };
    let table = Table::new(
        rows,
        [
            Constraint::Length(1),
            Constraint::Length(8),
            Constraint::Fill(1),
            Constraint::Fill(1),
        ],
    )
    .header(header)
    .column_spacing(1);
    frame.render_widget(table, table_area);
}

fn render_status(state: &State, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let t = chrome.theme;
    let h = &state.history;
    let position = match h.total {
        Some(0) | None => String::new(),
        Some(n) => format!(" {}/{} ", h.cursor.selected + 1, n),
    };
    let left = if let Some(toast) = &state.toast {
        super::toast_line(toast, t)
    } else if h.detail {
        Line::from(super::hints(
            &[
                ("j k", "prev/next"),
                ("u", "undo"),
                ("^r", "redo"),
                ("esc", "close"),
                ("?", "help"),
            ],
            t,
        ))
    } else {
        let mut pairs = vec![
            ("enter", "detail"),
            ("u", "undo"),
            ("^r", "redo"),
            ("g G", "ends"),
        ];
        if h.item.is_some() {
            pairs.push(("H", "all"));
        }
        pairs.extend([("esc", "back"), ("?", "help")]);
        Line::from(super::hints(&pairs, t))
    };
    super::status_line(left, position, t, frame, area);
}
