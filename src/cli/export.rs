//! `expense export --format csv|json|ledger [--month M | --from D --to D]`: everything (or a
//! range) out, in date order. CSV and JSON have the `list` row shape and read back losslessly
//! with `expense import`; `ledger` is a journal that hledger and ledger read, so a person can move
//! to plain-text accounting at any time. Rows are streamed: written as they are read from the
//! date index, in constant memory.
//!
//! Safety of the text: CSV cells a spreadsheet would run as a formula get a leading `'` unless
//! `--raw` (see `list`); the journal never holds a control or bidi character (tab and line
//! breaks become a space, the others U+FFFD, `;` a space); JSON escapes C0 controls as JSON
//! does. On a terminal every byte is inert anyway (`domain::text::InertWriter` around stdout).

use super::list::{write_csv_row, CSV_HEADER};
use super::Ctx;
use crate::domain::money::format_plain;
use crate::domain::text::is_unsafe;
use crate::domain::validate::parse_iso_date;
use crate::domain::{Expense, Kind, Month};
use chrono::NaiveDate;
use color_eyre::eyre::{eyre, Result};
use std::io::Write;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// CSV with a header row (the `list --csv` columns).
    Csv,
    /// A JSON array (the `list --json` rows).
    Json,
    /// A ledger/hledger journal.
    Ledger,
}

/// Options of `expense export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// csv, json or ledger.
    #[arg(long, value_enum)]
    pub format: Format,
    /// Only this month (YYYY-MM).
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub month: Option<String>,
    /// First day (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<String>,
    /// CSV cells exactly as stored, without the `'` that keeps a spreadsheet from running
    /// `=...`, `+...`, `-...`, `@...` as a formula (for programs, not spreadsheets).
    #[arg(long)]
    pub raw: bool,
    /// The account money comes from and goes to, in ledger output.
    #[arg(long, default_value = "assets:cash")]
    pub account: String,
}

/// Writes the expenses of the range in the chosen format to stdout.
pub fn run(ctx: &mut Ctx, args: &Args) -> Result<()> {
    let (from, to) = match &args.month {
        Some(m) => Month::parse(m)
            .map_err(|e| eyre!(e))?
            .range(ctx.config.month_start_day),
        None => {
            let day = |flag: &str, v: &Option<String>, default| match v {
                Some(s) => parse_iso_date(s).map_err(|e| eyre!("--{flag}: {e}")),
                None => Ok(default),
            };
            (
                day("from", &args.from, first_day())?,
                day("to", &args.to, last_day())?,
            )
        }
    };
    if args.account.trim().is_empty() || args.account.contains(char::is_whitespace) {
        return Err(eyre!(
            "--account '{}' must be one word such as assets:cash",
            args.account
        ));
    }
    let store = ctx.store()?;
    // A damaged record stops the export: the error says how far it got, so the partial output
    // above it is never taken for a whole one (and the exit status is 1).
    let mut done = 0u64;
    let rows = store.iter_range(from, to).map(|r| {
        let r = r.map_err(|e| {
            color_eyre::Report::new(e).wrap_err(format!(
                "the export stopped after {done} expense{}: what it wrote is incomplete",
                if done == 1 { "" } else { "s" }
            ))
        });
        done += 1;
        r
    });
    let w = &mut *ctx.out;
    match args.format {
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(&mut *w);
            csv.write_record(CSV_HEADER)?;
            for e in rows {
                write_csv_row(&mut csv, &e?, args.raw)?;
            }
            csv.flush()?;
        }
        Format::Json => {
            // The same bytes as `to_writer_pretty` of the whole array, one element at a time.
            use serde::ser::{SerializeSeq, Serializer};
            let mut json = serde_json::Serializer::pretty(&mut *w);
            let mut seq = json.serialize_seq(None)?;
            for e in rows {
                seq.serialize_element(&e?.to_row())?;
            }
            seq.end()?;
            writeln!(w)?;
        }
        Format::Ledger => {
            write_ledger_head(w)?;
            for e in rows {
                write_ledger_entry(w, &e?, &args.account)?;
            }
        }
    }
    Ok(())
}

/// The first and last day a stored date can have (the store's keys hold years 1-9999).
fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN)
}

fn last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// One line of journal text: no newlines, no `;` (which starts a comment), no control or bidi
/// character. A store written before input refused them may hold some: tab and line breaks
/// become a space, every other control, bidi override, isolate or mark U+FFFD.
fn journal_text(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\r' | '\n' | ';' => ' ',
            c if is_unsafe(c) => '\u{FFFD}',
            c => c,
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// An account name from a category: parts joined by `:`, no double spaces (which end an account
/// name in journal syntax).
fn account(prefix: &str, category: &str) -> String {
    let cat = journal_text(category).replace(' ', "-");
    if cat == prefix || cat.starts_with(&format!("{prefix}:")) {
        cat
    } else {
        format!("{prefix}:{cat}")
    }
}

/// The journal's first line. The journal has one transaction per expense, the category as
/// `expenses:...` (or `income:...`) against the cash account, tags and note as comments.
fn write_ledger_head(w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(w, "; exported by expense-tracker")
}

/// One journal transaction (preceded by a blank line).
fn write_ledger_entry(w: &mut dyn Write, e: &Expense, cash_account: &str) -> std::io::Result<()> {
    let d = &e.draft;
    let amount = format!("{} {}", format_plain(d.amount, d.currency), d.currency);
    let payee = journal_text(&d.payee);
    writeln!(w)?;
    writeln!(
        w,
        "{} {}",
        d.date.format("%Y-%m-%d"),
        if payee.is_empty() { "-" } else { &payee }
    )?;
    let note = journal_text(&d.note);
    if !note.is_empty() {
        writeln!(w, "    ; {note}")?;
    }
    let tags: Vec<String> = d
        .tags
        .iter()
        .map(|t| format!("{}:", journal_text(t).replace([' ', ':', ','], "-")))
        .collect();
    if !tags.is_empty() {
        writeln!(w, "    ; {}", tags.join(", "))?;
    }
    writeln!(w, "    ; id: {}", e.id)?;
    let (to, from) = match d.kind {
        Kind::Expense => (account("expenses", &d.category), cash_account.to_string()),
        Kind::Income => (cash_account.to_string(), account("income", &d.category)),
    };
    writeln!(w, "    {to}  {amount}")?;
    writeln!(w, "    {from}")
}

#[cfg(test)]
mod tests {
    use super::journal_text;

    #[test]
    fn journal_text_holds_no_control_or_bidi_character() {
        assert_eq!(journal_text("Bad\u{1b}[31mCafe"), "Bad\u{FFFD}[31mCafe");
        assert_eq!(
            journal_text("x\u{202E}y\u{2066}z\u{200F}"),
            "x\u{FFFD}y\u{FFFD}z\u{FFFD}"
        );
        assert_eq!(journal_text("nul\0 and\u{9b}"), "nul\u{FFFD} and\u{FFFD}");
        assert_eq!(journal_text("two\n lines;\tcomment"), "two lines comment");
    }
}
