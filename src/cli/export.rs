//! `expense export --format csv|json|ledger [--month M | --from D --to D]`: everything (or a
//! range) out, in date order. CSV and JSON have the `list` row shape; `ledger` is a journal that
//! hledger and ledger read, so a person can move to plain-text accounting at any time.

use super::list::write_csv;
use super::Ctx;
use crate::domain::money::format_plain;
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
    let rows = ctx.store()?.range(from, to, false, 0, usize::MAX)?;
    let w = &mut *ctx.out;
    match args.format {
        Format::Csv => write_csv(w, &rows)?,
        Format::Json => {
            let out: Vec<_> = rows.iter().map(Expense::to_row).collect();
            serde_json::to_writer_pretty(&mut *w, &out)?;
            writeln!(w)?;
        }
        Format::Ledger => write_ledger(w, &rows, &args.account)?,
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

/// One line of journal text: no newlines, no `;` (which starts a comment), no control characters.
fn journal_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() || c == ';' { ' ' } else { c })
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

/// Writes a journal: one transaction per expense, the category as `expenses:...` (or
/// `income:...`) against `cash_account`, tags and note as comments.
pub fn write_ledger(
    w: &mut dyn Write,
    rows: &[Expense],
    cash_account: &str,
) -> std::io::Result<()> {
    writeln!(w, "; exported by expense-tracker")?;
    for e in rows {
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
        writeln!(w, "    {from}")?;
    }
    Ok(())
}
