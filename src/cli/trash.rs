//! `expense trash [list|restore ID|purge [ID|--all]]`: what `expense rm` and the ledger's delete
//! moved to the trash, with its expiry; bring one back, or remove one (or all) for good now.
//! IDs may be given as a unique prefix of the id (`expense trash restore 01KC3`), matched
//! against the trash only.

use super::add::describe;
use super::ids::{check_prefix, one_of, Among};
use super::Ctx;
use crate::domain::money::format_grouped;
use crate::domain::text::inert;
use crate::domain::ttl::{expires_in, local_minute};
use crate::domain::{ExpenseId, Kind};
use crate::store::{Store, Trashed};
use color_eyre::eyre::{eyre, Result};
use std::io::Write;

/// Options of `expense trash`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do (default: list).
    #[command(subcommand)]
    pub action: Option<Action>,
}

/// The `expense trash` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Show what is in the trash: id, deleted at, expires in, date, amount, category, payee.
    List {
        /// A JSON array of {id, deleted_at, expires_at, expense...} instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Bring an expense back from the trash (the id, or a unique start of it).
    Restore {
        /// The expense id or a unique prefix of it.
        id: String,
    },
    /// Remove from the trash for good, now: one expense, or everything with --all. Cannot be
    /// undone.
    Purge {
        /// The expense id or a unique prefix of it.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<String>,
        /// Empty the whole trash.
        #[arg(long)]
        all: bool,
    },
}

/// Runs `expense trash`.
pub fn run(ctx: &mut Ctx, args: &Args) -> Result<()> {
    match &args.action {
        None => list(ctx, false),
        Some(Action::List { json }) => list(ctx, *json),
        Some(Action::Restore { id }) => {
            check_prefix(id, &TRASH)?;
            let store = ctx.store()?;
            let id = resolve(&store, id)?;
            let rec = store.restore(id, ctx.now_ms())?;
            let e = rec
                .new
                .ok_or_else(|| eyre!("the store returned no image"))?;
            writeln!(
                ctx.out,
                "restored: {}  id {id} version {}",
                describe(&e.draft),
                e.version
            )?;
            Ok(())
        }
        Some(Action::Purge { id: Some(id), .. }) => {
            check_prefix(id, &TRASH)?;
            let store = ctx.store()?;
            let id = resolve(&store, id)?;
            let rec = store.purge(id, ctx.now_ms())?;
            let what = rec.old.map(|e| describe(&e.draft)).unwrap_or_default();
            writeln!(ctx.out, "purged for good: {what}  id {id}")?;
            Ok(())
        }
        Some(Action::Purge { id: None, .. }) => {
            let n = ctx.store()?.purge_all(ctx.now_ms())?;
            writeln!(
                ctx.out,
                "purged {n} expense{} from the trash for good",
                if n == 1 { "" } else { "s" }
            )?;
            Ok(())
        }
    }
}

fn list(ctx: &mut Ctx, json: bool) -> Result<()> {
    let rows = ctx.store()?.trashed()?;
    let now = ctx.now_ms();
    if json {
        let out: Vec<serde_json::Value> = rows
            .iter()
            .map(|t| {
                serde_json::json!({
                    "id": t.expense.id.to_string(),
                    "deleted_at": local_minute(t.deleted_at),
                    "deleted_at_ms": t.deleted_at,
                    "expires_at": local_minute(t.expires_at),
                    "expires_at_ms": t.expires_at,
                    "expense": t.expense.to_row(),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut *ctx.out, &out)?;
        writeln!(ctx.out)?;
        return Ok(());
    }
    if rows.is_empty() {
        writeln!(ctx.out, "The trash is empty.")?;
        return Ok(());
    }
    write_table(ctx.out, &rows, now)?;
    writeln!(
        ctx.out,
        "{} item{} · expense trash restore ID · expense trash purge ID|--all",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    )?;
    Ok(())
}

fn write_table(w: &mut dyn Write, rows: &[Trashed], now: i64) -> std::io::Result<()> {
    let amounts: Vec<String> = rows
        .iter()
        .map(|t| {
            let d = &t.expense.draft;
            let sign = if d.kind == Kind::Income { "+" } else { "" };
            format!(
                "{sign}{} {}",
                format_grouped(d.amount, d.currency),
                d.currency
            )
        })
        .collect();
    let aw = amounts.iter().map(|a| a.chars().count()).max().unwrap_or(0);
    let width = |f: &dyn Fn(&Trashed) -> usize| rows.iter().map(f).max().unwrap_or(0).min(30);
    let cw = width(&|t| inert(&t.expense.draft.category).chars().count()).max(8);
    let expiry: Vec<String> = rows.iter().map(|t| expires_in(t.expires_at, now)).collect();
    let ew = expiry.iter().map(|e| e.len()).max().unwrap_or(0).max(10);
    writeln!(
        w,
        "{:<26}  {:<16}  {:<ew$}  {:<10}  {:>aw$}  {:<cw$}  PAYEE",
        "ID", "DELETED", "EXPIRES IN", "DATE", "AMOUNT", "CATEGORY"
    )?;
    for ((t, amount), exp) in rows.iter().zip(&amounts).zip(&expiry) {
        let d = &t.expense.draft;
        let line = format!(
            "{:<26}  {:<16}  {:<ew$}  {}  {:>aw$}  {:<cw$}  {}",
            t.expense.id.to_string(),
            local_minute(t.deleted_at),
            exp,
            d.date.format("%Y-%m-%d"),
            amount,
            inert(&d.category),
            inert(&d.payee),
        );
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}

/// How `expense trash` names its ids in messages.
const TRASH: Among = Among {
    none: "expense in the trash",
    many: "ids in the trash",
    see: "expense trash",
};

/// The trashed expense whose id is `text` or starts with it.
fn resolve(store: &Store, text: &str) -> Result<ExpenseId> {
    let prefix = check_prefix(text, &TRASH)?;
    if let Ok(id) = prefix.parse::<ExpenseId>() {
        return Ok(id);
    }
    let found: Vec<_> = store
        .trashed()?
        .into_iter()
        .map(|t| t.expense)
        .filter(|e| e.id.to_string().starts_with(&prefix))
        .collect();
    Ok(one_of(&prefix, found, &TRASH)?.id)
}
