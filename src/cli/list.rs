//! `expense list --month YYYY-MM [--category C] [--json|--csv [--raw]]`.
//!
//! The plain list starts each line with the id as short as it can be (git's short hashes, at
//! least 8 characters), which `edit`, `rm` and `history` take; JSON and CSV keep whole ids, as
//! the programs and `expense import` that read them need.
//!
//! CSV is written for spreadsheets: a text cell a spreadsheet would run as a formula (`=`, `+`,
//! `@`, `-` before something other than a number, tab, CR) gets a leading `'`, which the
//! spreadsheet hides and `expense import` takes off again; `--raw` writes cells as stored.
//! Amounts and versions are plain numbers either way. On a terminal every byte is inert anyway
//! (`domain::text::InertWriter` around stdout).

use super::Ctx;
use crate::domain::money::format_grouped;
use crate::domain::text::{inert, spreadsheet_safe};
use crate::domain::validate::parse_category;
use crate::domain::{Expense, Kind, Month};
use clap_complete::engine::ArgValueCompleter;
use color_eyre::eyre::{eyre, Result};
use std::borrow::Cow;
use std::io::Write;

/// Options of `expense list`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Month to list, YYYY-MM (default: the current month).
    #[arg(long)]
    pub month: Option<String>,
    /// Only this category and its sub-categories (`food` includes `food:groceries`).
    #[arg(long, add = ArgValueCompleter::new(super::complete::category))]
    pub category: Option<String>,
    /// JSON array of {id, date, amount, currency, category, payee, note, tags, kind, version}.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// CSV with a header row.
    #[arg(long)]
    pub csv: bool,
    /// With --csv: cells exactly as stored, without the `'` that keeps a spreadsheet from
    /// running `=...`, `+...`, `-...`, `@...` as a formula (for programs, not spreadsheets).
    #[arg(long, requires = "csv")]
    pub raw: bool,
}

/// Lists the month's expenses in date order. Arguments are checked before the store is opened,
/// so a typo changes nothing on disk.
pub fn run(ctx: &mut Ctx, args: &Args) -> Result<()> {
    let start_day = ctx.config.month_start_day;
    let month = match &args.month {
        Some(m) => Month::parse(m).map_err(|e| eyre!(e))?,
        None => Month::containing(ctx.today, start_day),
    };
    let (from, to) = month.range(start_day);
    let category = match &args.category {
        Some(c) => Some(parse_category(c).map_err(|e| eyre!("--category: {e}"))?),
        None => None,
    };
    let store = ctx.store()?;
    let rows = match &category {
        Some(c) => store.range_in_category(c, from, to)?,
        None => store.range(from, to, false, 0, usize::MAX)?,
    };
    if args.json {
        let out: Vec<_> = rows.iter().map(Expense::to_row).collect();
        serde_json::to_writer_pretty(&mut *ctx.out, &out)?;
        writeln!(ctx.out)?;
    } else if args.csv {
        write_csv(ctx.out, &rows, args.raw)?;
    } else {
        // The shortest start that names each id among all stored ones (at least 8 characters),
        // which `edit`, `rm` and `history` take back; --json and --csv keep whole ids.
        let ids = rows
            .iter()
            .map(|e| store.short_id(e.id, super::ids::SHORT))
            .collect::<Result<Vec<_>, _>>()?;
        write_plain(ctx.out, &rows, &ids, month)?;
    }
    Ok(())
}

/// The columns of `list --csv` and `export --format csv`.
pub const CSV_HEADER: [&str; 10] = crate::domain::ExpenseRow::COLUMNS;

/// Writes rows as CSV with a header (the `list --csv` and `export --format csv` shape); `raw`
/// turns the formula guard off.
pub fn write_csv(w: &mut dyn Write, rows: &[Expense], raw: bool) -> std::io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(CSV_HEADER)?;
    for e in rows {
        write_csv_row(&mut csv, e, raw)?;
    }
    csv.flush()
}

/// The columns that hold a person's text (category, payee, note, tags), which the formula guard
/// applies to; the others are ids, dates, numbers and fixed words.
const TEXT_COLUMNS: [usize; 4] = [4, 5, 6, 7];

/// Writes one expense as a CSV row in `CSV_HEADER` order; unless `raw`, a text cell a
/// spreadsheet would run as a formula gets a leading `'` (`domain::text::spreadsheet_safe`).
pub fn write_csv_row<W: Write>(
    csv: &mut csv::Writer<W>,
    e: &Expense,
    raw: bool,
) -> std::io::Result<()> {
    let mut cells = e.to_row().into_cells();
    if !raw {
        for i in TEXT_COLUMNS {
            if let Cow::Owned(safe) = spreadsheet_safe(&cells[i]) {
                cells[i] = safe;
            }
        }
    }
    csv.write_record(cells)?;
    Ok(())
}

fn write_plain(
    w: &mut dyn Write,
    rows: &[Expense],
    ids: &[String],
    month: Month,
) -> std::io::Result<()> {
    if rows.is_empty() {
        return writeln!(w, "No expenses in {}.", month.title());
    }
    let amounts: Vec<String> = rows
        .iter()
        .map(|e| {
            let sign = if e.draft.kind == Kind::Income {
                "+"
            } else {
                ""
            };
            format!(
                "{sign}{} {}",
                format_grouped(e.draft.amount, e.draft.currency),
                e.draft.currency
            )
        })
        .collect();
    let aw = amounts.iter().map(|a| a.chars().count()).max().unwrap_or(0);
    let cw = rows
        .iter()
        .map(|e| inert(&e.draft.category).chars().count())
        .max()
        .unwrap_or(0)
        .min(30);
    let pw = rows
        .iter()
        .map(|e| inert(&e.draft.payee).chars().count())
        .max()
        .unwrap_or(0)
        .min(30);
    let iw = ids.iter().map(String::len).max().unwrap_or(0);
    for ((e, amount), id) in rows.iter().zip(&amounts).zip(ids) {
        let d = &e.draft;
        let tags: Vec<String> = d.tags.iter().map(|t| format!("#{}", inert(t))).collect();
        let line = format!(
            "{id:<iw$}  {}  {:>aw$}  {:<cw$}  {:<pw$}  {}  {}",
            d.date.format("%Y-%m-%d"),
            amount,
            inert(&d.category),
            inert(&d.payee),
            tags.join(" "),
            inert(&d.note),
        );
        writeln!(w, "{}", line.trim_end())?;
    }
    let mut totals: Vec<(crate::domain::Currency, i64, i64)> = Vec::new();
    for e in rows {
        let d = &e.draft;
        let i = match totals.iter().position(|t| t.0 == d.currency) {
            Some(i) => i,
            None => {
                totals.push((d.currency, 0, 0));
                totals.len() - 1
            }
        };
        let t = &mut totals[i];
        // Checked: a sum that does not fit is reported, never wrapped.
        let slot = if d.kind == Kind::Income {
            &mut t.2
        } else {
            &mut t.1
        };
        *slot = slot
            .checked_add(d.amount)
            .ok_or_else(|| std::io::Error::other("total overflows"))?;
    }
    let parts: Vec<String> = totals
        .iter()
        .map(|(c, spent, income)| {
            format!(
                "spent {} {c} · income {} {c}",
                format_grouped(*spent, *c),
                format_grouped(*income, *c)
            )
        })
        .collect();
    writeln!(
        w,
        "{} · {} item{} · {}",
        month.title(),
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        parts.join(" · ")
    )
}
