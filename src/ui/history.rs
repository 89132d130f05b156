//! The history screen: the change stream (or one expense's records) as a list, newest first,
//! and the detail view of one record with the old and new image side by side. Changed fields
//! are marked with `*` as well as styled, so the view reads without colour. Only the visible
//! records are drawn, from the window the state holds.

use super::layout::{areas, ledger_rows};
use super::theme::{Meaning, Theme};
use super::widgets::table::{self, Column, DataTable, DataToCell};
use super::{footer, Chrome, Footer};
use crate::app::action::HistoryRow;
use crate::app::state::State;
use crate::app::Action;
use crate::domain::change::{ChangeRecord, Event};
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
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

/// The header: whose history (all changes or one expense) and how many records it has.
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

/// The history list's columns; the time carries its format (full at 100 columns and more).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HistoryColumn {
    Seq,
    Time { wide: bool },
    Event,
    Origin,
    Change,
}

/// The list of records in the window; the page matches the reducer's, as in the ledger.
fn render_list(state: &State, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let t = chrome.theme;
    let h = &state.history;
    let Some(total) = h.total else {
        frame.render_widget(table::loading(t), area);
        return;
    };
    if total == 0 {
        table::empty(
            "No changes yet.\n\nEsc goes back.",
            area,
            frame.buffer_mut(),
        );
        return;
    }
    let wide = area.width >= 100;
    let page =
        ledger_rows(state.size.0, state.size.1).min(usize::from(area.height.saturating_sub(1)));
    let end = (h.cursor.offset + page).min(total);
    let columns = [
        Column::new(HistoryColumn::Seq, "Seq", Constraint::Length(7)).right(),
        Column::new(
            HistoryColumn::Time { wide },
            "Time",
            Constraint::Length(if wide { 19 } else { 11 }),
        ),
        Column::new(HistoryColumn::Event, "Event", Constraint::Length(6)),
        // Wide enough for `schedule` (the posting pass), `restore` and `rename`.
        Column::new(HistoryColumn::Origin, "Origin", Constraint::Length(8)),
        Column::new(HistoryColumn::Change, "Change", Constraint::Fill(1)),
    ];
    // The stream has one order (newest first), so no column carries a sort arrow.
    let table = DataTable {
        columns: &columns,
        rows: (h.cursor.offset..end)
            .map(|i| h.row(i).map(ListRow))
            .collect(),
        sort: None,
        selected: Some(h.cursor.selected.saturating_sub(h.cursor.offset)),
        theme: t,
    };
    frame.render_widget(&table, area);
}

/// A history list row: one change record with its formatted time (or a run of records shown
/// as one, `HistoryRow::fold`).
struct ListRow<'a>(&'a HistoryRow);

impl DataToCell for ListRow<'_> {
    type Column = HistoryColumn;

    fn to_cell(&self, column: HistoryColumn, t: &Theme) -> Line<'static> {
        let r = &self.0.record;
        match column {
            HistoryColumn::Seq => Line::from(r.seq.to_string()).alignment(Alignment::Right),
            HistoryColumn::Time { wide } => Line::from(Span::styled(
                time_text(&self.0.time, wide),
                t.style(Meaning::Muted),
            )),
            // A run of records shown as one (a category rename): `BATCH` and its line.
            HistoryColumn::Event if self.0.fold.is_some() => {
                Line::from(Span::styled("BATCH", t.style(Meaning::Focus)))
            }
            HistoryColumn::Event => {
                let meaning = match r.event {
                    Event::Insert => Meaning::Income,
                    Event::Modify => Meaning::Text,
                    Event::Remove => Meaning::Expense,
                };
                Line::from(Span::styled(r.event.to_string(), t.style(meaning)))
            }
            HistoryColumn::Origin => Line::from(r.origin.name()),
            HistoryColumn::Change => match &self.0.fold {
                Some(f) => Line::from(f.text.clone()),
                None => Line::from(r.summary()),
            },
        }
    }
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
    let version = |v: Option<u64>, word: &str| match v {
        Some(v) => format!("{word} (v{v})"),
        None => format!("{word} (none)"),
    };
    let (old_version, new_version) = r.versions();
    let header = Row::new(vec![
        Cell::from(""),
        Cell::from("Field"),
        Cell::from(version(old_version, "Before")),
        Cell::from(version(new_version, "After")),
    ])
    .style(t.style(Meaning::Muted));
    // An expense's, a budget's or a schedule's fields, whichever the record changed.
    let rows: Vec<Row> = r
        .fields()
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
    // A folded row: what the run did, and that the images below are its last record's.
    if let Some(f) = &row.fold {
        let note = Line::from(vec![
            Span::styled(f.text.clone(), t.style(Meaning::Focus)),
            Span::styled(
                format!(" · records {}-{}, the last one below", f.first, r.seq),
                t.style(Meaning::Muted),
            ),
        ]);
        let note_area = Rect {
            y: area.y.saturating_add(1).min(area.bottom()),
            height: area.height.saturating_sub(1).min(1),
            ..area
        };
        frame.render_widget(Paragraph::new(note), note_area);
    }
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

/// The status line; the detail view has its own keys (j/k step through records there).
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
        Line::from(chrome.hint_spans(Footer::HistoryDetail))
    } else {
        // "All history" means something only on one expense's history.
        let shown = chrome
            .hints
            .get(Footer::History)
            .iter()
            .filter(|hint| h.item.is_some() || !hint.actions.contains(&Action::OpenHistory));
        Line::from(footer::spans(shown, t))
    };
    super::status_line(left, position, t, frame, area);
}
