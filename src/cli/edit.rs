//! `expense edit ID [--amount ..] [--date ..] ...` and `expense rm ID`: changes by id from the
//! shell, each conditional on the version just read (`expense undo` is in `cli/history.rs`). The
//! id may be any unique start of it, as `expense list` shows it (`cli/ids.rs`).

use super::add::describe;
use super::ids::{check_prefix, stored_expense, EXPENSES};
use super::Ctx;
use crate::domain::money::{eval_signed_amount, Currency};
use crate::domain::quick::resolve_category;
use crate::domain::text::cleaned;
use crate::domain::validate::{parse_date, parse_note, parse_payee, parse_tags};
use crate::domain::{Draft, Expense, Kind};
use crate::store::Origin;
use clap_complete::engine::ArgValueCompleter;
use color_eyre::eyre::{eyre, Result};
use std::borrow::Cow;

/// Text this edit leaves as it was may come from a store written before input refused control
/// characters, which the store now refuses: it is cleaned as import cleans it, and said so.
fn clean_old_text(ctx: &mut Ctx, d: &mut Draft) -> Result<()> {
    let mut fields = vec![
        ("category", &mut d.category),
        ("payee", &mut d.payee),
        ("note", &mut d.note),
    ];
    fields.extend(d.tags.iter_mut().map(|t| ("tag", t)));
    for (what, s) in fields {
        if let Cow::Owned(clean) = cleaned(s) {
            writeln!(
                ctx.err,
                "replaced control or bidi characters in the stored {what} (tab and line breaks \
                 became a space, the others U+FFFD)"
            )?;
            *s = clean;
        }
    }
    Ok(())
}

/// Options of `expense edit`.
#[derive(Debug, clap::Args)]
pub struct EditArgs {
    /// The expense id or a unique start of it (from `expense list`, `expense add`).
    pub id: String,
    /// New date: YYYY-MM-DD, today, yesterday, -3.
    #[arg(long, allow_hyphen_values = true)]
    pub date: Option<String>,
    /// Print the expense as it is now as JSON (a `list --json` row; its version tells whether
    /// it changed) instead of the line.
    #[arg(long)]
    pub json: bool,
    /// The fields to change.
    #[command(flatten)]
    pub fields: Fields,
}

/// Fields of an expense to change, each optional: `expense edit`, and the expense a schedule
/// posts (`expense recurring edit`, `expense recurring post`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Fields {
    /// New amount (arithmetic allowed: 12+3.50; -12.50 for a refund).
    #[arg(long, allow_hyphen_values = true)]
    pub amount: Option<String>,
    /// New category (a unique prefix of a known one works).
    #[arg(long, add = ArgValueCompleter::new(super::complete::category))]
    pub category: Option<String>,
    /// Take --category as written even if it is new.
    #[arg(long)]
    pub new_category: bool,
    /// New payee ("" clears it).
    #[arg(long, add = ArgValueCompleter::new(super::complete::payee))]
    pub payee: Option<String>,
    /// New note ("" clears it).
    #[arg(long)]
    pub note: Option<String>,
    /// New tags, space or comma separated ("" clears them).
    #[arg(long, add = ArgValueCompleter::new(super::complete::tags))]
    pub tags: Option<String>,
    /// New currency (ISO 4217).
    #[arg(long)]
    pub currency: Option<String>,
    /// expense or income.
    #[arg(long, value_parser = ["expense", "income"])]
    pub kind: Option<String>,
}

impl Fields {
    /// True when no field is given.
    pub fn is_empty(&self) -> bool {
        self.amount.is_none()
            && self.category.is_none()
            && self.payee.is_none()
            && self.note.is_none()
            && self.tags.is_none()
            && self.currency.is_none()
            && self.kind.is_none()
    }

    /// Applies the given fields to `d`; a bad one is an error naming its option. `known` are
    /// the store's categories, for a category given by its start.
    pub fn apply(&self, d: &mut Draft, known: &[(String, u64)]) -> Result<()> {
        let before = d.clone();
        if let Some(c) = &self.currency {
            d.currency = Currency::parse(c).map_err(|e| eyre!("--currency: {e}"))?;
        }
        if let Some(a) = &self.amount {
            d.amount = eval_signed_amount(a, d.currency).map_err(|e| eyre!("--amount: {e}"))?;
        } else if self.currency.is_some() {
            // Same digits, new currency: refuse what the new currency cannot hold (12.50 -> JPY).
            let text = crate::domain::money::format_plain(before.amount, before.currency);
            d.amount =
                eval_signed_amount(&text, d.currency).map_err(|e| eyre!("--currency: {e}"))?;
        }
        if let Some(c) = &self.category {
            d.category = resolve_category(c, self.new_category, known)
                .map_err(|e| eyre!("--category '{c}': {e}"))?;
        }
        if let Some(p) = &self.payee {
            d.payee = parse_payee(p).map_err(|e| eyre!("--payee: {e}"))?;
        }
        if let Some(n) = &self.note {
            d.note = parse_note(n).map_err(|e| eyre!("--note: {e}"))?;
        }
        if let Some(t) = &self.tags {
            d.tags = parse_tags(t).map_err(|e| eyre!("--tags: {e}"))?;
        }
        if let Some(k) = &self.kind {
            d.kind = if k == "income" {
                Kind::Income
            } else {
                Kind::Expense
            };
        }
        Ok(())
    }
}

/// Applies the given fields to the expense, if it still has the version just read.
pub fn edit(ctx: &mut Ctx, args: &EditArgs) -> Result<()> {
    check_prefix(&args.id, &EXPENSES)?;
    let store = ctx.store()?;
    let current = stored_expense(&store, &args.id)?;
    let id = current.id;
    let mut d = current.draft.clone();
    if let Some(t) = &args.date {
        d.date = parse_date(t, ctx.today).map_err(|e| eyre!("--date: {e}"))?;
    }
    let known = match args.fields.category {
        Some(_) => store.categories()?,
        None => Vec::new(),
    };
    args.fields.apply(&mut d, &known)?;
    if d == current.draft {
        if args.json {
            return print_row(ctx, &current);
        }
        writeln!(ctx.out, "unchanged: {}  id {id}", describe(&d))?;
        return Ok(());
    }
    clean_old_text(ctx, &mut d)?;
    let rec = store.update(id, current.version, d, Origin::User, ctx.now_ms())?;
    super::add::print_alerts(ctx, &store, &rec)?;
    let saved = rec
        .new
        .ok_or_else(|| eyre!("the store returned no image"))?;
    if args.json {
        return print_row(ctx, &saved);
    }
    writeln!(
        ctx.out,
        "saved: {}  id {id} version {}",
        describe(&saved.draft),
        saved.version
    )?;
    Ok(())
}

/// One expense as a `list --json` row, on a line.
fn print_row(ctx: &mut Ctx, e: &Expense) -> Result<()> {
    serde_json::to_writer(&mut *ctx.out, &e.to_row())?;
    writeln!(ctx.out)?;
    Ok(())
}

/// Deletes the expense `id` (conditional on the version just read); with `json` prints
/// {id, trash_days, expense} (the expense as it was, a `list --json` row) instead of the line.
pub fn remove(ctx: &mut Ctx, id: &str, json: bool) -> Result<()> {
    check_prefix(id, &EXPENSES)?;
    let store = ctx.store()?;
    let current = stored_expense(&store, id)?;
    let id = current.id;
    let days = ctx.config.trash_days;
    store.trash(id, current.version, ctx.now_ms(), store.trash_ttl())?;
    if json {
        let v = serde_json::json!({
            "id": id.to_string(),
            "trash_days": days,
            "expense": current.to_row(),
        });
        serde_json::to_writer(&mut *ctx.out, &v)?;
        writeln!(ctx.out)?;
        return Ok(());
    }
    if days == 0 {
        writeln!(
            ctx.out,
            "deleted: {}  id {id} (expense undo brings it back)",
            describe(&current.draft)
        )?;
    } else {
        writeln!(
            ctx.out,
            "moved to trash for {days} day{}: {}  id {id} (expense undo or expense trash restore brings it back)",
            if days == 1 { "" } else { "s" },
            describe(&current.draft)
        )?;
    }
    Ok(())
}
