//! `expense trash [list|restore ID|purge [ID|--all]]`: what `expense rm` and the ledger's delete
//! moved to the trash, with its expiry; bring one back, or remove one (or all) for good now.
//! The table shows each id as short as it can be (at least 8 characters, as `expense list`
//! does): a start no other expense in the trash or in the ledger has, so `trash restore`,
//! `trash purge` and `history` all take it back. IDs may be given as any unique start
//! (`expense trash restore 01KC3`), matched against the trash only; an ambiguous one lists the
//! candidates and changes nothing.

use super::add::describe;
use super::ids::{check_prefix, one_of, short_ids, Among, SHORT};
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
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// What to do (default: list).
    #[command(subcommand)]
    pub action: Option<Action>,
    /// With no subcommand: the list as JSON, as `trash list --json` prints it.
    #[arg(long)]
    pub json: bool,
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
        /// Print the restored expense as JSON (a `list --json` row) instead of the line.
        #[arg(long)]
        json: bool,
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
        /// Print {purged, expense} as JSON instead of the line (`expense`: the one purged, a
        /// `list --json` row; null with --all).
        #[arg(long)]
        json: bool,
    },
}

/// Runs `expense trash`.
pub fn run(ctx: &mut Ctx, args: &Args) -> Result<()> {
    match &args.action {
        None => list(ctx, args.json),
        Some(Action::List { json }) => list(ctx, *json),
        Some(Action::Restore { id, json }) => {
            check_prefix(id, &TRASH)?;
            let store = ctx.store()?;
            let id = resolve(&store, id)?;
            let rec = store.restore(id, ctx.now_ms())?;
            let e = rec
                .new
                .ok_or_else(|| eyre!("the store returned no image"))?;
            if *json {
                serde_json::to_writer(&mut *ctx.out, &e.to_row())?;
                writeln!(ctx.out)?;
                return Ok(());
            }
            writeln!(
                ctx.out,
                "restored: {}  id {id} version {}",
                describe(&e.draft),
                e.version
            )?;
            Ok(())
        }
        Some(Action::Purge {
            id: Some(id), json, ..
        }) => {
            check_prefix(id, &TRASH)?;
            let store = ctx.store()?;
            let id = resolve(&store, id)?;
            let rec = store.purge(id, ctx.now_ms())?;
            if *json {
                let row = rec.old.as_ref().map(|e| e.to_row());
                return purged_json(ctx, 1, row);
            }
            let what = rec.old.map(|e| describe(&e.draft)).unwrap_or_default();
            writeln!(ctx.out, "purged for good: {what}  id {id}")?;
            Ok(())
        }
        Some(Action::Purge { id: None, json, .. }) => {
            let n = ctx.store()?.purge_all(ctx.now_ms())?;
            if *json {
                return purged_json(ctx, n, None);
            }
            writeln!(
                ctx.out,
                "purged {n} expense{} from the trash for good",
                if n == 1 { "" } else { "s" }
            )?;
            Ok(())
        }
    }
}

/// `{"purged": n, "expense": row|null}` on a line.
fn purged_json(ctx: &mut Ctx, n: usize, row: Option<crate::domain::ExpenseRow>) -> Result<()> {
    let v = serde_json::json!({"purged": n, "expense": row});
    serde_json::to_writer(&mut *ctx.out, &v)?;
    writeln!(ctx.out)?;
    Ok(())
}

fn list(ctx: &mut Ctx, json: bool) -> Result<()> {
    let store = ctx.store()?;
    let rows = store.trashed()?;
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
    let ids = shorts(&store, &rows)?;
    write_table(ctx.out, &rows, &ids, now)?;
    writeln!(
        ctx.out,
        "{} item{} · expense trash restore ID · expense trash purge ID|--all",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    )?;
    Ok(())
}

/// The short id of each trashed expense: the shortest start that tells it from the others in
/// the trash (what `trash restore` and `purge` look among) and from the stored expenses (what
/// `history` looks among first), at least [`SHORT`] characters.
fn shorts(store: &Store, rows: &[Trashed]) -> Result<Vec<String>> {
    let ids: Vec<ExpenseId> = rows.iter().map(|t| t.expense.id).collect();
    short_ids(&ids, SHORT)
        .into_iter()
        .zip(&ids)
        .map(|(in_trash, id)| {
            let in_ledger = store.short_id(*id, SHORT)?;
            Ok(if in_ledger.len() > in_trash.len() {
                in_ledger
            } else {
                in_trash
            })
        })
        .collect()
}

fn write_table(
    w: &mut dyn Write,
    rows: &[Trashed],
    ids: &[String],
    now: i64,
) -> std::io::Result<()> {
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
    let iw = ids.iter().map(String::len).max().unwrap_or(0);
    writeln!(
        w,
        "{:<iw$}  {:<16}  {:<ew$}  {:<10}  {:>aw$}  {:<cw$}  PAYEE",
        "ID", "DELETED", "EXPIRES IN", "DATE", "AMOUNT", "CATEGORY"
    )?;
    for (((t, amount), exp), id) in rows.iter().zip(&amounts).zip(&expiry).zip(ids) {
        let d = &t.expense.draft;
        let line = format!(
            "{id:<iw$}  {:<16}  {:<ew$}  {}  {:>aw$}  {:<cw$}  {}",
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
