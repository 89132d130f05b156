//! The schedules screen (recurring expenses): the occurrences that wait for a confirmation on
//! top, marked `due`, then every schedule with its next occurrence, what it posts, its rule
//! in a few words and its state (auto, confirm, paused, ended); under the table, the selected
//! row's rule in full and what the keys do to it. Pure: everything is read from
//! `SchedulesState`, dates included (no clock).

pub mod form;
pub mod prompt;

use super::layout::{areas, schedule_areas, schedule_rows};
use super::theme::{Meaning, Theme};
use super::widgets::table::{self, Column, DataTable, DataToCell};
use super::{Chrome, Footer};
use crate::app::state::{ScheduleRow, State};
use crate::domain::money::format_grouped;
use crate::domain::schedule::{ordinal, Every, MonthDay, Rule, Schedule};
use crate::domain::text::inert;
use crate::domain::Kind;
use chrono::NaiveDate;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draws the schedules screen into `area`.
pub fn render(state: &State, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let a = areas(area);
    let (table_area, detail) = schedule_areas(area);
    render_header(state, chrome.theme, frame, a.header);
    render_table(state, chrome.theme, frame, table_area);
    render_detail(state, chrome.theme, frame, detail);
    render_status(state, chrome, frame, a.status);
}

fn render_header(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let s = &state.schedules;
    let mut spans = vec![Span::styled(" Recurring ", theme.style(Meaning::Title))];
    if let Some(all) = &s.schedules {
        let n = all.len();
        spans.push(Span::styled(
            format!(" {n} schedule{}", if n == 1 { "" } else { "s" }),
            theme.style(Meaning::Muted),
        ));
        let due = s.due_rows();
        if due > 0 {
            spans.push(Span::styled(
                format!(" · {due} due, waiting for you"),
                theme.style(Meaning::Warning),
            ));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The columns; the payee shows only when wide, dates shorten when narrow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    State,
    Next { long: bool },
    Payee,
    Category,
    Rule,
    Amount,
}

fn render_table(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let s = &state.schedules;
    if s.schedules.is_none() {
        frame.render_widget(table::loading(theme), area);
        return;
    }
    let rows = s.rows();
    if rows.is_empty() {
        let text = "No recurring expenses yet.\n\na adds one (rent, a subscription, the monthly \
                    pass), or press . on a ledger row to repeat that expense every month. Esc \
                    goes back to the ledger.";
        table::empty(text, area, frame.buffer_mut());
        return;
    }
    let wide = area.width >= 72;
    let page =
        schedule_rows(state.size.0, state.size.1).min(usize::from(area.height.saturating_sub(1)));
    let end = (s.cursor.offset + page).min(rows.len());
    let mut columns = vec![
        Column::new(Col::State, "State", Constraint::Length(7)),
        Column::new(
            Col::Next { long: wide },
            "Next",
            Constraint::Length(if wide { 10 } else { 6 }),
        ),
    ];
    if wide {
        columns.push(Column::new(Col::Payee, "Payee", Constraint::Fill(2)));
    }
    columns.extend([
        Column::new(Col::Category, "Category", Constraint::Fill(2)),
        Column::new(Col::Rule, "Repeats", Constraint::Fill(3)),
        Column::new(Col::Amount, "Amount", Constraint::Length(13)).right(),
    ]);
    let table = DataTable {
        columns: &columns,
        rows: rows[s.cursor.offset.min(end)..end]
            .iter()
            .map(|r| {
                Some(Row {
                    row: *r,
                    today: state.today,
                })
            })
            .collect(),
        sort: None,
        selected: Some(s.cursor.selected.saturating_sub(s.cursor.offset)),
        theme,
    };
    frame.render_widget(&table, area);
}

/// A row, and today (a paused schedule's next occurrence is the one resuming today gives).
struct Row<'a> {
    row: ScheduleRow<'a>,
    today: NaiveDate,
}

/// The next occurrence of `s` as the list shows it: for a paused schedule, the first one a
/// resume today would leave (what fell in the pause is skipped), not one long gone.
fn next_date(s: &Schedule, today: NaiveDate) -> Option<NaiveDate> {
    if s.paused {
        let mut resumed = s.clone();
        resumed.resume(today);
        return resumed.next_occurrence().map(|o| o.date);
    }
    s.next_occurrence().map(|o| o.date)
}

/// A schedule's state in a word: paused, ended, confirm (waits in the due list), auto.
fn state_word(s: &Schedule) -> (&'static str, Meaning) {
    if s.paused {
        ("paused", Meaning::Warning)
    } else if s.is_finished() {
        ("ended", Meaning::Muted)
    } else if s.confirm {
        ("confirm", Meaning::Text)
    } else {
        ("auto", Meaning::Muted)
    }
}

fn date_text(d: NaiveDate, long: bool) -> String {
    if long {
        d.format("%Y-%m-%d").to_string()
    } else {
        d.format("%b %d").to_string()
    }
}

impl DataToCell for Row<'_> {
    type Column = Col;

    fn to_cell(&self, column: Col, theme: &Theme) -> Line<'static> {
        let s = self.row.schedule();
        let d = &s.template;
        match column {
            Col::State => match self.row {
                ScheduleRow::Due(..) => Line::from(Span::styled("due", theme.style(Meaning::Over))),
                ScheduleRow::Schedule(s) => {
                    let (word, meaning) = state_word(s);
                    Line::from(Span::styled(word, theme.style(meaning)))
                }
            },
            Col::Next { long } => {
                let date = match self.row {
                    ScheduleRow::Due(_, o) => Some(o.date),
                    ScheduleRow::Schedule(s) => next_date(s, self.today),
                };
                let text = date.map_or_else(|| "—".to_string(), |d| date_text(d, long));
                Line::from(Span::styled(text, theme.style(Meaning::Muted)))
            }
            Col::Payee => Line::from(inert(&d.payee).into_owned()),
            Col::Category => Line::from(inert(&d.category).into_owned()),
            Col::Rule => Line::from(rule_words(&s.rule)),
            Col::Amount => {
                let meaning = if d.kind == Kind::Income {
                    Meaning::Income
                } else {
                    Meaning::Expense
                };
                Line::from(Span::styled(amount(s), theme.style(meaning)))
                    .alignment(Alignment::Right)
            }
        }
    }
}

/// The amount a schedule posts, with its currency (income with `+`).
pub fn amount(s: &Schedule) -> String {
    let d = &s.template;
    let sign = if d.kind == Kind::Income { "+" } else { "" };
    format!(
        "{sign}{} {}",
        format_grouped(d.amount, d.currency),
        d.currency
    )
}

/// The rule in a few words, for a table cell: `monthly, 1st`, `every 2 weeks, Mon`.
pub fn rule_words(rule: &Rule) -> String {
    let every = |n: u32, one: &str, many: &str| {
        if n == 1 {
            one.to_string()
        } else {
            format!("every {n} {many}")
        }
    };
    match rule.every {
        Every::Days(n) => every(n, "daily", "days"),
        Every::Weeks(n) => format!(
            "{}, {}",
            every(n, "weekly", "weeks"),
            rule.start.format("%a")
        ),
        Every::Months(n, day) => {
            let on = match day {
                MonthDay::Day(d) => ordinal(u32::from(d)),
                MonthDay::Last => "last day".into(),
            };
            format!("{}, {on}", every(n, "monthly", "months"))
        }
        Every::Years(n) => format!(
            "{}, {}",
            every(n, "yearly", "years"),
            rule.start.format("%-d %b")
        ),
    }
}

/// Under the table: the selected row's rule in full, and what it does next.
fn render_detail(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let Some(row) = state.schedules.selected() else {
        return;
    };
    let s = row.schedule();
    let muted = theme.style(Meaning::Muted);
    let rule_line = format!(
        " {} {} · {}",
        amount(s),
        inert(&s.template.category),
        s.describe()
    );
    let what = match row {
        ScheduleRow::Due(_, o) => format!(
            " due {}: Enter posts it, e edits it first, s skips it, m moves it",
            o.date.format("%Y-%m-%d")
        ),
        ScheduleRow::Schedule(s) => {
            let next = next_date(s, state.today).map(|d| d.format("%Y-%m-%d").to_string());
            match next {
                None => " ended: nothing left to post".to_string(),
                Some(d) if s.paused => {
                    format!(" paused: nothing falls due until p resumes it (then next {d})")
                }
                Some(d) if s.confirm => {
                    format!(" next {d} · each occurrence waits for you in the due list")
                }
                Some(d) => format!(" next {d} · posted by itself when due"),
            }
        }
    };
    let lines = vec![
        Line::from(Span::styled(
            "─".repeat(usize::from(area.width)),
            theme.style(Meaning::Border),
        )),
        Line::from(Span::styled(rule_line, theme.style(Meaning::Text))),
        Line::from(Span::styled(what, muted)),
    ];
    frame.render_widget(Paragraph::new(lines), area);
}

fn render_status(state: &State, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let theme = chrome.theme;
    let s = &state.schedules;
    let n = s.rows().len();
    let position = if n == 0 {
        String::new()
    } else {
        format!(" {}/{} ", s.cursor.selected + 1, n)
    };
    let left = match super::notice_line(state, theme) {
        Some(line) => line,
        None => {
            // Whole hints only: on a narrow terminal the last ones go, never half a word.
            let room = area.width.saturating_sub(position.chars().count() as u16);
            let fit = super::footer::fitting(chrome.hints.get(Footer::Schedules), room);
            Line::from(super::footer::spans(fit, theme))
        }
    };
    super::status_line(left, position, theme, frame, area);
}
