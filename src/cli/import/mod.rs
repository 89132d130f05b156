//! `expense import FILE [--profile NAME] [--dry-run] [--skip-bad] [--date-col C ...]`: bank CSV
//! files (or `expense export` CSV/JSON) in, whole or not at all.
//!
//! Every row is read and checked before anything is stored: one bad row stops the import with
//! the list of bad lines and reasons (nothing stored), unless `--skip-bad`; a quote that is
//! never closed stops it with the line it opens on (`read.rs`). With one signed amount column
//! and the sign convention left to its default, rows whose categories (or stored payees) say
//! the signs run the other way stop it too, naming the `--sign` to give (`sign_mismatch`).
//! Rows already in the store are left out (a stable row hash for bank rows, the id for exported
//! rows), so importing the same or an overlapping file twice adds nothing twice. Exported rows
//! keep their id and version, so export -> import into an empty store -> export gives the same
//! bytes. One import is one batch: `expense undo` right after takes all of it back; an import
//! cut short (killed, hung up, a failed write) is taken back whole, at once or when the store
//! is next opened, which says so on stderr (`store/import.rs`).
//!
//! Control and bidi characters in cells are replaced before checking (tab and line breaks
//! become a space, the others U+FFFD; see `domain::text`), and the summary says in how many cells.
//! The text cells of a CSV file lose the `'` that CSV export puts before a formula (as a
//! spreadsheet shows them), so export -> import keeps every byte; JSON is taken as it is.

mod read;

use super::progress::Progress;
use super::Ctx;
use crate::domain::import::{
    by_categories, by_payees, check_date_format, convert, parse_delimiter, payee_majority, Col,
    ColumnRef, Columns, Defaults, ImportSpec, RowHasher, Sign, SignMismatch, TextEncoding,
};
use crate::domain::import::{credit_as_refund, text_columns};
use crate::domain::money::format_grouped;
use crate::domain::text::{cleaned, inert, spreadsheet_unescape};
use crate::domain::{Currency, Draft, Kind};
use crate::store::ImportRow;
use color_eyre::eyre::{eyre, Result, WrapErr};
use read::Loc;
use std::borrow::Cow;
use std::io::Write;
use std::path::PathBuf;

/// Rows `--dry-run` shows.
const PREVIEW: usize = 10;
/// Bad rows listed in full; the rest are counted.
const LIST_BAD: usize = 50;

/// Options of `expense import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file: CSV with a header row, or JSON from `expense export --format json`.
    pub file: PathBuf,
    /// A profile from config.toml (`[import.profiles.NAME]`); flags below override it.
    #[arg(long)]
    pub profile: Option<String>,
    /// Show the first rows as they would be stored, and the counts, without storing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Import the good rows and list the bad ones, instead of importing nothing.
    #[arg(long)]
    pub skip_bad: bool,
    /// Print what was imported as JSON: {file, added, duplicates, refunds, skipped: [{at,
    /// error}], cleaned_cells, batch} (bad rows are still listed on stderr).
    #[arg(long, conflicts_with = "dry_run")]
    pub json: bool,
    /// The date column (header name or number from 1).
    #[arg(long, value_name = "COLUMN")]
    pub date_col: Option<String>,
    /// One signed amount column.
    #[arg(long, value_name = "COLUMN")]
    pub amount_col: Option<String>,
    /// The money-out column (with --credit-col instead of --amount-col).
    #[arg(long, value_name = "COLUMN")]
    pub debit_col: Option<String>,
    /// The money-in column.
    #[arg(long, value_name = "COLUMN")]
    pub credit_col: Option<String>,
    /// The payee column.
    #[arg(long, value_name = "COLUMN")]
    pub payee_col: Option<String>,
    /// The category column.
    #[arg(long, value_name = "COLUMN")]
    pub category_col: Option<String>,
    /// The currency column.
    #[arg(long, value_name = "COLUMN")]
    pub currency_col: Option<String>,
    /// The note column.
    #[arg(long, value_name = "COLUMN")]
    pub note_col: Option<String>,
    /// The tags column.
    #[arg(long, value_name = "COLUMN")]
    pub tags_col: Option<String>,
    /// Date format (chrono, e.g. %d.%m.%Y); default YYYY-MM-DD.
    #[arg(long, value_name = "FORMAT")]
    pub date_format: Option<String>,
    /// expense-negative (default: bank statements) or expense-positive. Left out, the import
    /// stops before storing anything when the file's categories (expenses:…, income:…), or else
    /// the payees you already have, say its signs run the other way, and names the --sign to
    /// give; given (or set by a profile), it is taken as it is.
    #[arg(long, value_name = "CONVENTION")]
    pub sign: Option<String>,
    /// Amounts are written 1.234,56.
    #[arg(long)]
    pub decimal_comma: bool,
    /// Field delimiter (one character, or tab); default: guessed from the first line.
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,
    /// utf-8 (default) or windows-1252 / latin1.
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// Currency of rows without a currency column (default: the configured currency).
    #[arg(long, value_name = "CODE")]
    pub currency: Option<String>,
    /// The file has no header row; name columns by number.
    #[arg(long)]
    pub no_header: bool,
}

/// A checked row ready to store, with its place in the file.
struct Good {
    loc: Loc,
    row: ImportRow,
}

/// Reads, checks and (unless `--dry-run`) stores the file. The store is opened only after the
/// whole file has been read and checked.
pub fn run(ctx: &mut Ctx, args: &Args) -> Result<()> {
    let spec = spec(ctx, args)?;
    let path = ctx.path(&args.file);
    let bytes = std::fs::read(&path).wrap_err_with(|| format!("reading {}", path.display()))?;
    let name = args.file.display().to_string();
    let is_json = read::is_json(&bytes);
    let table = if is_json {
        read::read_json(&bytes)
    } else {
        read::read_csv(&bytes, &spec)
    }
    .map_err(|e| eyre!("{name}: {e}"))?;
    drop(bytes);
    let cols =
        Columns::resolve(table.header.as_deref(), &spec).map_err(|e| eyre!("{name}: {e}"))?;
    let import = &ctx.config.import;
    let defaults = Defaults {
        currency: spec.currency.unwrap_or(ctx.config.currency),
        category: &import.default_category,
        rules: &import.rules,
    };
    let mut good: Vec<Good> = Vec::with_capacity(table.rows.len());
    let mut bad: Vec<(Loc, String)> = Vec::new();
    let mut hasher = RowHasher::default();
    // Cells whose control or bidi characters were replaced (stored text holds none).
    let mut cleaned_cells = 0usize;
    // A CSV file may be our own export, whose text cells carry a `'` before a formula; JSON
    // holds the text as it is.
    let unquote = if is_json {
        Vec::new()
    } else {
        text_columns(&cols)
    };
    for (loc, cells) in &table.rows {
        let parsed = cells.as_ref().map_err(Clone::clone).and_then(|c| {
            let clean: Vec<Cow<'_, str>> = c.iter().map(|c| cleaned(c)).collect();
            cleaned_cells += clean.iter().filter(|c| matches!(c, Cow::Owned(_))).count();
            let refs: Vec<&str> = clean
                .iter()
                .enumerate()
                .map(|(i, c)| match unquote.contains(&i) {
                    true => spreadsheet_unescape(c),
                    false => c.as_ref(),
                })
                .collect();
            convert(&refs, &cols, &spec, &defaults).map_err(|e| e.to_string())
        });
        match parsed {
            Ok(p) => {
                let hash = p.id.is_none().then(|| hasher.next(&p.draft));
                good.push(Good {
                    loc: *loc,
                    row: ImportRow {
                        draft: p.draft,
                        hash,
                        id: p.id,
                        version: p.version,
                    },
                });
            }
            Err(e) => bad.push((*loc, e)),
        }
    }
    // A credit in a category the store holds only expenses in is money back: a refund.
    let refunds = if is_json || cols.get(Col::Kind).is_some() || good.is_empty() {
        0
    } else {
        credits_as_refunds(ctx, args.dry_run, &mut good)?
    };
    if args.dry_run {
        let mismatch = sign_mismatch(ctx, true, &cols, &spec, is_json, &good)?;
        dry_run(ctx, &name, &table, &cols, &good, &bad)?;
        if let Some(m) = mismatch {
            writeln!(ctx.out, "the import would stop here: {m}")?;
        }
        return write_cleaned(ctx.out, cleaned_cells);
    }
    // Every cell of the file as read is converted now: what is stored is `good`.
    drop(table);
    if !bad.is_empty() && !args.skip_bad {
        list_bad(ctx.err, &bad)?;
        let rest = match good.len() {
            0 => String::new(),
            n => format!(", or pass --skip-bad to import the other {n}"),
        };
        return Err(eyre!(
            "{name}: nothing imported: {} bad row{} (listed above); fix {}{rest}",
            bad.len(),
            plural(bad.len()),
            if bad.len() == 1 { "it" } else { "them" },
        ));
    }
    if let Some(m) = sign_mismatch(ctx, false, &cols, &spec, is_json, &good)? {
        return Err(eyre!("{name}: nothing imported: {m}"));
    }
    let store = ctx.store()?;
    let rows: Vec<ImportRow> = good.into_iter().map(|g| g.row).collect();
    let mut bar = Progress::new(ctx.err_is_tty, "importing", rows.len());
    let now = ctx.now_ms();
    let err = &mut *ctx.err;
    let done = store.import(&rows, now, &mut |n| bar.set(err, n));
    bar.finish(ctx.err);
    let done = done?;
    if !bad.is_empty() {
        list_bad(ctx.err, &bad)?;
    }
    if args.json {
        let skipped: Vec<_> = bad
            .iter()
            .map(|(loc, why)| serde_json::json!({"at": loc.to_string(), "error": why}))
            .collect();
        let out = serde_json::json!({
            "file": name,
            "added": done.added,
            "duplicates": done.duplicates,
            "refunds": refunds,
            "skipped": skipped,
            "cleaned_cells": cleaned_cells,
            "batch": done.batch,
        });
        serde_json::to_writer_pretty(&mut *ctx.out, &out)?;
        writeln!(ctx.out)?;
        return Ok(());
    }
    write!(
        ctx.out,
        "imported {} new expense{} from {name}",
        done.added,
        plural(done.added)
    )?;
    if done.duplicates > 0 {
        write!(ctx.out, "; {} already in the store", done.duplicates)?;
    }
    if refunds > 0 {
        write!(
            ctx.out,
            "; {refunds} credit{} in expense categories read as refund{}",
            plural(refunds),
            plural(refunds)
        )?;
    }
    if !bad.is_empty() {
        write!(
            ctx.out,
            "; {} bad row{} skipped",
            bad.len(),
            plural(bad.len())
        )?;
    }
    writeln!(ctx.out)?;
    write_cleaned(ctx.out, cleaned_cells)?;
    if let Some(b) = done.batch {
        writeln!(
            ctx.out,
            "batch {b}: `expense undo` takes this whole import back"
        )?;
    }
    Ok(())
}

/// The store a check reads: for a dry run, `None` when there is none (it creates none, and an
/// empty store would know nothing anyway).
fn reading(ctx: &Ctx, dry_run: bool) -> Result<Option<crate::store::Store>> {
    if dry_run {
        ctx.store_if_exists()
    } else {
        ctx.store().map(Some)
    }
}

/// The sign check (`domain::import::sign`, whose doc gives the rule), for a CSV file with one
/// signed amount column, no kind column and the convention left to its default: `Some` when the
/// rows' categories, or else the store's history of their payees, say the signs run the other
/// way. Reads the store (one pass over its date index) only when no category names a kind.
fn sign_mismatch(
    ctx: &Ctx,
    dry_run: bool,
    cols: &Columns,
    spec: &ImportSpec,
    is_json: bool,
    good: &[Good],
) -> Result<Option<SignMismatch>> {
    if spec.sign_given
        || is_json
        || cols.get(Col::Amount).is_none()
        || cols.get(Col::Kind).is_some()
    {
        return Ok(None);
    }
    let rows: Vec<&Draft> = good.iter().map(|g| &g.row.draft).collect();
    if let Some(said) = by_categories(&rows, spec.sign) {
        return Ok(said.err());
    }
    let kinds = match reading(ctx, dry_run)? {
        Some(store) => store.payee_kinds()?,
        None => Default::default(),
    };
    let majority = payee_majority(&kinds);
    Ok(by_payees(&rows, spec.sign, &majority).err())
}

/// Turns each credit (a row read as income) whose category the store has only ever held
/// expenses in into a refund (`domain::import::credit_as_refund`); returns how many. Reads the
/// store's category kinds (one aggregate scan) only when a row is a credit.
fn credits_as_refunds(ctx: &Ctx, dry_run: bool, good: &mut [Good]) -> Result<usize> {
    if !good.iter().any(|g| g.row.draft.kind == Kind::Income) {
        return Ok(0);
    }
    let Some(store) = reading(ctx, dry_run)? else {
        return Ok(0);
    };
    let kinds = store.category_kinds()?;
    let mut n = 0;
    for g in good.iter_mut() {
        let spent_only = kinds.get(&g.row.draft.category) == Some(&[true, false]);
        if spent_only && g.row.draft.kind == Kind::Income {
            g.row.draft = credit_as_refund(g.row.draft.clone());
            n += 1;
        }
    }
    Ok(n)
}

/// Says how many cells had control or bidi characters replaced, when any had.
fn write_cleaned(w: &mut dyn Write, n: usize) -> Result<()> {
    if n > 0 {
        writeln!(
            w,
            "replaced control or bidi characters in {n} cell{} (tab and line breaks became a \
             space, the others U+FFFD)",
            plural(n)
        )?;
    }
    Ok(())
}

/// The profile (if any) with the flags applied over it.
fn spec(ctx: &Ctx, args: &Args) -> Result<ImportSpec> {
    let mut spec = match &args.profile {
        None => ImportSpec::default(),
        Some(p) => ctx.config.import.profiles.get(p).cloned().ok_or_else(|| {
            let known: Vec<&str> = ctx
                .config
                .import
                .profiles
                .keys()
                .map(String::as_str)
                .collect();
            eyre!(
                "--profile '{p}': no [import.profiles.{p}] in config.toml{}",
                if known.is_empty() {
                    String::new()
                } else {
                    format!(" (profiles: {})", known.join(", "))
                }
            )
        })?,
    };
    let cols = [
        (Col::Date, &args.date_col),
        (Col::Amount, &args.amount_col),
        (Col::Debit, &args.debit_col),
        (Col::Credit, &args.credit_col),
        (Col::Payee, &args.payee_col),
        (Col::Category, &args.category_col),
        (Col::Currency, &args.currency_col),
        (Col::Note, &args.note_col),
        (Col::Tags, &args.tags_col),
    ];
    if args.amount_col.is_some() && (args.debit_col.is_some() || args.credit_col.is_some()) {
        return Err(eyre!(
            "--amount-col and --debit-col/--credit-col exclude each other"
        ));
    }
    let amounts = [Col::Amount, Col::Debit, Col::Credit];
    if cols.iter().any(|(c, v)| amounts.contains(c) && v.is_some()) {
        // Amount flags replace the profile's way of giving amounts.
        spec.columns.retain(|(c, _)| !amounts.contains(c));
    }
    for (col, v) in cols {
        if let Some(v) = v {
            let r = ColumnRef::parse(v).map_err(|e| eyre!("--{}-col: {e}", col.name()))?;
            spec.set_column(col, r);
        }
    }
    if let Some(f) = &args.date_format {
        check_date_format(f).map_err(|e| eyre!("--date-format: {e}"))?;
        spec.date_format = Some(f.clone());
    }
    if let Some(s) = &args.sign {
        spec.sign = Sign::parse(s).map_err(|e| eyre!("--sign: {e}"))?;
        spec.sign_given = true;
    }
    if args.decimal_comma {
        spec.decimal_comma = true;
    }
    if let Some(d) = &args.delimiter {
        spec.delimiter = Some(parse_delimiter(d).map_err(|e| eyre!("--delimiter: {e}"))?);
    }
    if let Some(e) = &args.encoding {
        spec.encoding = TextEncoding::parse(e).map_err(|e| eyre!("--encoding: {e}"))?;
    }
    if let Some(c) = &args.currency {
        spec.currency = Some(Currency::parse(c).map_err(|e| eyre!("--currency: {e}"))?);
    }
    if args.no_header {
        spec.no_header = true;
    }
    Ok(spec)
}

/// Prints the mapping, the first rows as they would be stored and the counts.
fn dry_run(
    ctx: &mut Ctx,
    name: &str,
    table: &read::Table,
    cols: &Columns,
    good: &[Good],
    bad: &[(Loc, String)],
) -> Result<()> {
    let rows: Vec<ImportRow> = good.iter().map(|g| g.row.clone()).collect();
    let known = match ctx.store_if_exists()? {
        Some(store) => store.known_imports(&rows)?,
        // No store (a dry run creates none): only a row whose id came earlier in the file is
        // known, as `Store::known_imports` has it.
        None => {
            let mut seen = std::collections::HashSet::new();
            rows.iter()
                .map(|r| r.id.is_some_and(|id| !seen.insert(id.0)))
                .collect()
        }
    };
    let w = &mut *ctx.out;
    writeln!(w, "dry run: nothing is stored")?;
    if let Some(h) = &table.header {
        let mapped: Vec<String> = crate::domain::import::Col::ALL
            .iter()
            .filter_map(|c| {
                let i = cols.get(*c)?;
                Some(format!("{} <- '{}'", c.name(), inert(h.get(i)?)))
            })
            .collect();
        writeln!(w, "columns: {}", mapped.join(", "))?;
        if !cols.ignored.is_empty() {
            let ign: Vec<String> = cols
                .ignored
                .iter()
                .map(|h| format!("'{}'", inert(h)))
                .collect();
            writeln!(w, "ignored columns: {}", ign.join(", "))?;
        }
    }
    if let Some(d) = table.delimiter {
        writeln!(
            w,
            "delimiter: {}",
            if d == b'\t' {
                "tab".into()
            } else {
                format!("'{}'", d as char)
            }
        )?;
    }
    for (g, k) in good.iter().zip(&known).take(PREVIEW) {
        let d = &g.row.draft;
        let sign = if d.kind == Kind::Income { "+" } else { "-" };
        let tags: Vec<String> = d.tags.iter().map(|t| format!("#{}", inert(t))).collect();
        let line = format!(
            "{:>10}  {}  {sign}{} {}  {}  {}  {}  {}",
            g.loc.to_string(),
            d.date.format("%Y-%m-%d"),
            format_grouped(d.amount, d.currency),
            d.currency,
            inert(&d.category),
            inert(&d.payee),
            tags.join(" "),
            inert(&d.note),
        );
        let status = if *k { "  [already stored]" } else { "" };
        writeln!(w, "{}{status}", line.trim_end())?;
    }
    if good.len() > PREVIEW {
        writeln!(w, "… and {} more", good.len() - PREVIEW)?;
    }
    let dup = known.iter().filter(|k| **k).count();
    writeln!(
        w,
        "{name}: {} new, {dup} already in the store, {} bad",
        good.len() - dup,
        bad.len()
    )?;
    if !bad.is_empty() {
        list_bad(w, bad)?;
        writeln!(
            w,
            "the import would stop at the bad rows; --skip-bad imports the others"
        )?;
    }
    Ok(())
}

/// Lists bad rows, the first `LIST_BAD` with their reasons.
fn list_bad(w: &mut dyn Write, bad: &[(Loc, String)]) -> std::io::Result<()> {
    writeln!(w, "bad rows:")?;
    for (loc, why) in bad.iter().take(LIST_BAD) {
        writeln!(w, "  {loc}: {}", inert(why))?;
    }
    if bad.len() > LIST_BAD {
        let rest: Vec<String> = bad[LIST_BAD..]
            .iter()
            .map(|(l, _)| l.to_string())
            .take(200)
            .collect();
        writeln!(
            w,
            "  … and {} more: {}",
            bad.len() - LIST_BAD,
            rest.join(", ")
        )?;
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
