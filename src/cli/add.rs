//! `expense add WORDS...`: one line in, one expense stored (or, with `--dry-run`, shown).

use super::Ctx;
use crate::domain::money::{format_grouped, format_plain};
use crate::domain::quick::{from_args, parse, QuickContext, Word};
use crate::domain::text::inert;
use crate::domain::{Draft, Expense, Kind};
use crate::store::Origin;
use clap_complete::engine::ArgValueCompleter;
use color_eyre::eyre::{eyre, Result};

/// Options of `expense add`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show how the words were understood without storing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the stored expense as JSON (a `list --json` row); with --dry-run, the expense it
    /// would store: {date, amount, currency, category, payee, note, tags, kind}.
    #[arg(long)]
    pub json: bool,
    /// The expense.
    #[command(flatten)]
    pub entry: Entry,
}

/// An expense in the words of quick entry: `expense add` and `expense recurring add`.
#[derive(Debug, clap::Args)]
pub struct Entry {
    /// Take the category as written even if it is new (same as ending it with '!').
    #[arg(long)]
    pub new_category: bool,
    /// The payee, for one with spaces (same as the word `@"Cafe Central"`).
    #[arg(long, value_name = "NAME", add = ArgValueCompleter::new(super::complete::payee))]
    pub payee: Option<String>,
    /// The expense: `12.50 groceries @Lidl yesterday #weekly "team lunch"` (amount anywhere,
    /// `+` for income, a currency code or symbol next to it). Options may come among the words;
    /// after `--` every word is a word, even one starting with `-` (`-2` is taken as a word
    /// anyway: two days ago).
    #[arg(
        required = true,
        allow_negative_numbers = true,
        value_name = "WORDS",
        add = ArgValueCompleter::new(super::complete::word)
    )]
    pub words: Vec<String>,
}

impl Entry {
    /// The expense the words say, against the `known` categories (`extra`: words an option
    /// took that belong to the expense).
    pub fn draft(&self, ctx: &Ctx, known: &[(String, u64)], extra: &[String]) -> Result<Draft> {
        let quick = QuickContext {
            today: ctx.today,
            currency: ctx.config.currency,
            categories: known,
            // A store with no categories yet has no typo to catch: its first ones are new.
            allow_new: self.new_category || known.is_empty(),
        };
        let mut words = from_args(&self.words);
        words.extend(from_args(extra));
        if let Some(p) = &self.payee {
            words.push(Word {
                text: format!("@{p}"),
                quoted: false,
            });
        }
        parse(&words, &quick).map_err(|e| eyre!("{e}"))
    }
}

/// Parses the words against the store's categories and stores the expense (or, as a dry run,
/// shows it).
pub fn run(ctx: &mut Ctx, args: &Args) -> Result<()> {
    if args.dry_run {
        // Against the store's categories, or none: a dry run creates no store.
        let known = match ctx.store_if_exists()? {
            Some(store) => store.categories()?,
            None => Vec::new(),
        };
        let draft = args.entry.draft(ctx, &known, &[])?;
        if args.json {
            let mut row = serde_json::Map::new();
            row.insert("date".into(), draft.date.to_string().into());
            row.extend(draft_json(&draft));
            writeln!(ctx.out, "{}", serde_json::Value::Object(row))?;
        } else {
            writeln!(ctx.out, "would add: {}", describe(&draft))?;
        }
        return Ok(());
    }
    let store = ctx.store()?;
    let draft = args.entry.draft(ctx, &store.categories()?, &[])?;
    let record = store.put(draft, Origin::User, ctx.now_ms())?;
    print_alerts(ctx, &store, &record)?;
    let expense: Expense = record
        .new
        .ok_or_else(|| eyre!("the store returned no image"))?;
    if args.json {
        serde_json::to_writer(&mut *ctx.out, &expense.to_row())?;
        writeln!(ctx.out)?;
    } else {
        writeln!(
            ctx.out,
            "added: {}  id {}",
            describe(&expense.draft),
            expense.id
        )?;
    }
    Ok(())
}

/// Prints the budget notices a committed write causes (to stderr: stdout stays the record).
pub fn print_alerts(
    ctx: &mut Ctx,
    store: &crate::store::Store,
    record: &crate::store::ChangeRecord,
) -> Result<()> {
    let start_day = ctx.start_day(store)?;
    let alerts = crate::engine::alerts::budget_alerts(store, record, start_day)?;
    for a in alerts {
        writeln!(ctx.err, "{}", a.message())?;
    }
    Ok(())
}

/// The expense fields of a `list --json` row (all but id, date and version), for what is not
/// stored yet or posts again and again: {amount, currency, category, payee, note, tags, kind}.
pub fn draft_json(d: &Draft) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("amount".into(), format_plain(d.amount, d.currency).into());
    m.insert("currency".into(), d.currency.code().into());
    m.insert("category".into(), d.category.clone().into());
    m.insert("payee".into(), d.payee.clone().into());
    m.insert("note".into(), d.note.clone().into());
    m.insert("tags".into(), d.tags.clone().into());
    m.insert("kind".into(), d.kind.as_str().into());
    m
}

/// One line for people: `2026-11-20 12.50 EUR food:groceries @Lidl #weekly "team lunch"`.
pub fn describe(d: &Draft) -> String {
    format!("{} {}", d.date.format("%Y-%m-%d"), what(d))
}

/// The expense without its date: `12.50 EUR food:groceries @Lidl #weekly "team lunch"` (what a
/// schedule posts each time).
pub fn what(d: &Draft) -> String {
    let sign = if d.kind == Kind::Income { "+" } else { "" };
    let mut s = format!(
        "{sign}{} {} {}",
        format_grouped(d.amount, d.currency),
        d.currency,
        inert(&d.category)
    );
    if !d.payee.is_empty() {
        s.push_str(&format!(" @{}", inert(&d.payee)));
    }
    for t in &d.tags {
        s.push_str(&format!(" #{}", inert(t)));
    }
    if !d.note.is_empty() {
        s.push_str(&format!(" \"{}\"", inert(&d.note)));
    }
    s
}
