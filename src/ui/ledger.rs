//! The ledger screen: month title and totals, the table of the visible rows, the status line.
//! Only the rows on screen are drawn (the state holds a window, never the whole month).

use super::layout::{areas, ledger_table_rows, upcoming_lines};
use super::theme::{Meaning, Theme};
use super::widgets::table::{self, Column, DataTable, DataToCell, Sort};
use super::{Chrome, Footer};
use crate::app::effect::SortKey;
use crate::app::state::State;
use crate::domain::money::format_grouped;
use crate::domain::text::inert;
use crate::domain::{Expense, Kind};
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draws the ledger into `area`.
pub fn render(state: &State, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let a = areas(area);
    render_header(state, chrome, frame, a.header);
    let below = upcoming_lines(area.height, state.ledger.upcoming.len()).min(a.body.height);
    let table = Rect {
        height: a.body.height - below,
        ..a.body
    };
    render_table(state, chrome, frame, table);
    let ahead = Rect {
        y: table.bottom(),
        height: below,
        ..a.body
    };
    render_upcoming(state, chrome, frame, ahead);
    render_status(state, chrome, frame, a.status);
}

/// The recurring expenses still to come in the view, dimmed below the table and marked `↻`
/// (`~` in ASCII), not counted in the header's totals: a title line with how many and how
/// much, then the first occurrences; on a short screen the title line alone.
fn render_upcoming(state: &State, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let up = &state.ledger.upcoming;
    if area.height == 0 || up.is_empty() {
        return;
    }
    let t = chrome.theme;
    let muted = t.style(Meaning::Muted);
    let mark = if state.ascii_charts { "~" } else { "↻" };
    // Sums per currency, in the order they first appear (never added across currencies).
    let mut sums: Vec<(crate::domain::Currency, i64)> = Vec::new();
    for u in up {
        let signed = match u.draft.kind {
            Kind::Expense => u.draft.amount,
            Kind::Income => 0,
        };
        match sums.iter_mut().find(|(c, _)| *c == u.draft.currency) {
            Some((_, s)) => *s = s.saturating_add(signed),
            None => sums.push((u.draft.currency, signed)),
        }
    }
    let sums: Vec<String> = sums
        .iter()
        .filter(|(_, s)| *s != 0)
        .map(|(c, s)| format!("{} {c}", format_grouped(*s, *c)))
        .collect();
    let shown = usize::from(area.height.saturating_sub(1));
    let more = up.len().saturating_sub(shown);
    let mut title = format!(" {mark} still to come: {}", up.len());
    if !sums.is_empty() {
        title.push_str(&format!(" · {}", sums.join(" · ")));
    }
    if more > 0 && shown > 0 {
        title.push_str(&format!(" (+{more} more)"));
    }
    let mut lines = vec![Line::from(Span::styled(title, muted))];
    let (wide, medium) = columns(area.width);
    for u in up.iter().take(shown) {
        let d = &u.draft;
        let date = if medium {
            u.date.format("%Y-%m-%d").to_string()
        } else {
            u.date.format("%b %d").to_string()
        };
        let sign = if d.kind == Kind::Income { "+" } else { "" };
        let amount = format!(
            "{sign}{} {}",
            format_grouped(d.amount, d.currency),
            d.currency
        );
        let mut text = format!(" {mark} {date} {amount:>15}  {}", inert(&d.category));
        if !d.payee.is_empty() {
            text.push_str(&format!(" @{}", inert(&d.payee)));
        }
        if u.confirm {
            text.push_str(if wide { "  (waits for you)" } else { " (ask)" });
        }
        lines.push(Line::from(Span::styled(text, muted)));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// The header line; the compact form is tried only when the full one would be cut, so a wide
/// terminal always reads words, never signs.
///
/// Even the compact one may not fit: then whole pieces go, the least needed first (income, other
/// currencies, the count, never the month or the first total), never half a total, which would
/// read as another number; `…` stands where they were.
fn render_header(state: &State, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let room = usize::from(area.width);
    let width = |pieces: &[Piece]| -> usize {
        pieces
            .iter()
            .filter(|p| !p.dropped)
            .flat_map(|p| &p.spans)
            .map(|s| s.content.chars().count())
            .sum::<usize>()
            + usize::from(pieces.iter().any(|p| p.dropped))
    };
    let mut pieces = header_pieces(state, chrome, false);
    if width(&pieces) > room {
        pieces = header_pieces(state, chrome, true);
    }
    while width(&pieces) > room {
        let Some(least) = pieces
            .iter_mut()
            .filter(|p| !p.dropped && p.rank > 0)
            .max_by_key(|p| p.rank)
        else {
            break;
        };
        least.dropped = true;
    }
    let mut spans: Vec<Span> = Vec::new();
    let mut marked = false;
    for p in pieces {
        if !p.dropped {
            spans.extend(p.spans);
        } else if !marked {
            spans.push(Span::styled("…", chrome.theme.style(Meaning::Muted)));
            marked = true;
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A part of the header that stands or goes whole; the highest `rank` goes first (0 never).
struct Piece<'a> {
    rank: u8,
    spans: Vec<Span<'a>>,
    dropped: bool,
}

/// Month title, totals per currency (never summed across currencies) and the item count;
/// `compact` uses shorter words (never signs: a total always carries its label) and the short
/// month name for narrow terminals.
fn header_pieces<'a>(state: &State, chrome: &Chrome, compact: bool) -> Vec<Piece<'a>> {
    let t = chrome.theme;
    let l = &state.ledger;
    let piece = |rank: u8, spans: Vec<Span<'a>>| Piece {
        rank,
        spans,
        dropped: false,
    };
    let mut spans = Vec::new();
    if state.demo {
        // The demo store is not the person's own: say so before anything else.
        spans.push(Span::styled(
            if compact {
                " DEMO"
            } else {
                " DEMO data (expense --demo)"
            },
            t.style(Meaning::Warning),
        ));
    }
    // `Nov 2026` when compact (the month's own name, whatever day it starts on).
    let title = match l.month.title().split_once(' ') {
        Some((name, year)) if compact => format!("{} {year}", name.get(..3).unwrap_or(name)),
        _ => l.month.title(),
    };
    spans.push(Span::styled(format!(" {title} "), t.style(Meaning::Title)));
    if let Some(c) = &l.category {
        spans.push(Span::styled(
            format!("{} ", inert(c)),
            t.style(Meaning::Focus),
        ));
    }
    if state.month_start_day != 1 && !compact {
        let (from, to) = state.month_range();
        spans.push(Span::styled(
            format!("{} – {} ", from.format("%b %d"), to.format("%b %d")),
            t.style(Meaning::Muted),
        ));
    }
    let mut pieces = vec![piece(0, spans)];
    let income_word = if compact { " in " } else { " income " };
    for (i, tot) in l.totals.iter().enumerate() {
        let bold = t
            .style(Meaning::Expense)
            .add_modifier(ratatui::style::Modifier::BOLD);
        // The first currency's spending stays; other currencies go before the count, income
        // before everything.
        for (amount, word, style, rank) in [
            (tot.spent, " spent ", bold, if i == 0 { 0 } else { 2 }),
            (tot.income, income_word, t.style(Meaning::Income), 3),
        ] {
            if amount != 0 {
                pieces.push(piece(
                    rank,
                    vec![
                        Span::raw(word),
                        Span::styled(
                            format!("{} {}", format_grouped(amount, tot.currency), tot.currency),
                            style,
                        ),
                    ],
                ));
            }
        }
    }
    let count: u64 = l.totals.iter().map(|t| t.count).sum();
    let count = match (compact, l.month_count) {
        (true, None) => format!(" {count} items"),
        (true, Some(all)) => format!(" {count}/{all} items"),
        (false, None) => format!("  {count} item{}", if count == 1 { "" } else { "s" }),
        (false, Some(all)) => format!("  {count} of {all} items"),
    };
    pieces.push(piece(1, vec![Span::styled(count, t.style(Meaning::Muted))]));
    pieces
}

/// Which columns fit: wide shows all, narrow drops tags and note, tiny shows the essentials.
fn columns(width: u16) -> (bool, bool) {
    (width >= 72, width >= 52)
}

/// The ledger's columns. The date carries its format, because the narrow table gives it 6
/// cells (`Jan 05`) instead of 10 (`2026-01-05`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LedgerColumn {
    Date { long: bool },
    Payee,
    Category,
    Amount,
    Tags,
    Note,
}

/// The columns that fit in `width`, in order.
fn ledger_columns(width: u16) -> Vec<Column<LedgerColumn>> {
    let (wide, medium) = columns(width);
    let mut cols = vec![
        Column::new(
            LedgerColumn::Date { long: medium },
            "Date",
            Constraint::Length(if medium { 10 } else { 6 }),
        ),
        Column::new(LedgerColumn::Payee, "Payee", Constraint::Fill(2)),
        Column::new(LedgerColumn::Category, "Category", Constraint::Fill(2)),
        Column::new(LedgerColumn::Amount, "Amount", Constraint::Length(15)).right(),
    ];
    if medium {
        cols.push(Column::new(LedgerColumn::Tags, "Tags", Constraint::Fill(1)));
    }
    if wide {
        cols.push(Column::new(LedgerColumn::Note, "Note", Constraint::Fill(2)));
    }
    cols
}

/// The month's table: loading until the first window is read (the total is unknown until
/// then), the empty state that says how to add or clear the filter, else the visible rows.
fn render_table(state: &State, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let t = chrome.theme;
    let l = &state.ledger;
    let Some(total) = l.total else {
        frame.render_widget(table::loading(t), area);
        return;
    };
    if total == 0 {
        let text = if l.filter.value().is_empty() {
            format!(
                "No expenses in {}.\n\nPress a to add one, [ or ] to change month, t for this month, ? for every key.",
                l.month.title()
            )
        } else {
            format!(
                "Nothing in {} matches '{}'.\n\nEsc clears the filter.",
                l.month.title(),
                inert(l.filter.value())
            )
        };
        table::empty(&text, area, frame.buffer_mut());
        return;
    }
    let columns = ledger_columns(area.width);
    // The page is the one the reducer scrolls by, so the selection is always on screen.
    let page = ledger_table_rows(state.size.0, state.size.1, l.upcoming.len())
        .min(usize::from(area.height.saturating_sub(1)));
    let end = (l.cursor.offset + page).min(total);
    // The sort arrow's column: the date column's id depends on the width, so take it from the list.
    let sorted = match l.sort {
        SortKey::Date => columns[0].id,
        SortKey::Payee => LedgerColumn::Payee,
        SortKey::Category => LedgerColumn::Category,
        SortKey::Amount => LedgerColumn::Amount,
    };
    let table = DataTable {
        columns: &columns,
        rows: (l.cursor.offset..end)
            .map(|i| l.row(i).map(LedgerRow))
            .collect(),
        sort: Some(Sort {
            column: sorted,
            arrow: if l.descending { "↓" } else { "↑" },
        }),
        selected: Some(l.cursor.selected.saturating_sub(l.cursor.offset)),
        theme: t,
    };
    frame.render_widget(&table, area);
}

/// A ledger row: one expense.
struct LedgerRow<'a>(&'a Expense);

impl DataToCell for LedgerRow<'_> {
    type Column = LedgerColumn;

    fn to_cell(&self, column: LedgerColumn, t: &Theme) -> Line<'static> {
        let d = &self.0.draft;
        match column {
            LedgerColumn::Date { long } => {
                let date = if long {
                    d.date.format("%Y-%m-%d").to_string()
                } else {
                    d.date.format("%b %d").to_string()
                };
                Line::from(Span::styled(date, t.style(Meaning::Muted)))
            }
            LedgerColumn::Payee => Line::from(inert(&d.payee).into_owned()),
            LedgerColumn::Category => Line::from(inert(&d.category).into_owned()),
            LedgerColumn::Amount => {
                // A refund keeps its '-' (as typed) in the colour of money coming in, so it
                // reads apart from spending with or without colour.
                let (sign, meaning) = match d.kind {
                    Kind::Expense if d.amount < 0 => ("", Meaning::Income),
                    Kind::Expense => ("", Meaning::Expense),
                    Kind::Income => ("+", Meaning::Income),
                };
                let amount = format!(
                    "{sign}{} {}",
                    format_grouped(d.amount, d.currency),
                    d.currency
                );
                Line::from(Span::styled(amount, t.style(meaning))).alignment(Alignment::Right)
            }
            LedgerColumn::Tags => {
                let tags: Vec<String> = d.tags.iter().map(|g| format!("#{}", inert(g))).collect();
                Line::from(Span::styled(tags.join(" "), t.style(Meaning::Muted)))
            }
            // Notes are one line in the table; newlines become visible escapes via `inert`.
            LedgerColumn::Note => Line::from(inert(&d.note).into_owned()),
        }
    }
}

/// The status line: the filter being typed (with its cursor), else the latest message or the
/// key hints, and the position `3/120` on the right.
fn render_status(state: &State, chrome: &Chrome, frame: &mut Frame, area: Rect) {
    let t = chrome.theme;
    let l = &state.ledger;
    if l.filter_editing {
        let prefix = "/";
        let width = usize::from(area.width.saturating_sub(2));
        let scroll = l.filter.visual_scroll(width);
        let shown: String = inert(l.filter.value()).chars().skip(scroll).collect();
        let mut spans = vec![
            Span::styled(prefix, t.style(Meaning::Key)),
            Span::raw(shown),
            Span::raw("  "),
        ];
        // Whole hints only, in the room the text leaves.
        let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
        let room = usize::from(area.width).saturating_sub(used);
        let fit = super::footer::fitting(chrome.hints.get(Footer::Filter), room as u16);
        spans.extend(super::footer::spans(fit, t));
        let line = Line::from(spans);
        frame.render_widget(Paragraph::new(line), area);
        let x = area.x + 1 + (l.filter.visual_cursor().saturating_sub(scroll)) as u16;
        if state.overlay.is_none() {
            frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
        }
        return;
    }
    let position = match l.total {
        Some(0) | None => String::new(),
        Some(n) => format!(" {}/{} ", l.cursor.selected + 1, n),
    };
    let left = if let Some(line) = super::notice_line(state, t) {
        line
    } else {
        let mut spans = Vec::new();
        if !l.filter.value().is_empty() {
            spans.push(Span::styled(
                format!(" /{} ", inert(l.filter.value())),
                t.style(Meaning::Focus),
            ));
        }
        // Whole hints only: the last ones go on a narrow terminal, never half a word.
        let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
        let room = usize::from(area.width).saturating_sub(used + position.chars().count());
        let fit = super::footer::fitting(chrome.hints.get(Footer::Ledger), room as u16);
        spans.extend(super::footer::spans(fit, t));
        Line::from(spans)
    };
    super::status_line(left, position, t, frame, area);
}
