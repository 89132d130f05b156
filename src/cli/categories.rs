//! `expense categories [list [--json] | rename OLD NEW [--dry-run] [--budget RULE]]`: the
//! categories in use with their counts, totals and budgets, and renaming or merging one in one
//! step (`store/rename.rs`): its sub-categories, budgets and schedules move along, one batch in the stream,
//! one `expense undo` takes it all back. Import settings in config.toml that name the old
//! category are listed with the change to make; the file is never rewritten.

use super::progress::Progress;
use super::Ctx;
use crate::domain::category::is_within;
use crate::domain::money::{format_grouped, format_plain};
use crate::domain::rename::{config_changes, expenses_text, BudgetMerge, RenamePlan};
use crate::domain::text::inert;
use crate::store::Store;
use clap_complete::engine::ArgValueCompleter;
use color_eyre::eyre::{eyre, Result};

/// Options of `expense categories`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// What to do (default: list).
    #[command(subcommand)]
    pub action: Option<Action>,
    /// With no subcommand: the list as JSON, as `categories list --json` prints it.
    #[arg(long)]
    pub json: bool,
}

/// The `expense categories` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Every category in use (and every one a budget names): expenses, totals per currency,
    /// budget.
    List {
        /// A JSON array of {category, count, totals: [{currency, spent, income, count}],
        /// budget: {amount, currency} | null} instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Rename a category, or merge it into another when NEW is in use: `expense categories
    /// rename food drinks` (food:coffee becomes drinks:coffee). Budgets move along; one
    /// `expense undo` takes it all back.
    Rename {
        /// The category to rename.
        #[arg(add = ArgValueCompleter::new(super::complete::category))]
        old: String,
        /// Its new name (a merge when a category already has it).
        #[arg(add = ArgValueCompleter::new(super::complete::category))]
        new: String,
        /// Say what would change, change nothing.
        #[arg(long)]
        dry_run: bool,
        /// When NEW (or a sub-category it gets) has a budget too: `sum` both (the default),
        /// `keep-new` (NEW's stays), or `keep-old` (the moved one replaces it). Budgets in two
        /// currencies are never merged: the rename is refused.
        #[arg(long, value_name = "RULE", default_value = "sum", value_parser = parse_rule)]
        budget: BudgetMerge,
        /// Print what was done (or, with --dry-run, would be) as JSON: {from, to, merge,
        /// dry_run, expenses, exact, below, budgets: [{from, to, amount, currency, existing,
        /// result}], budget_rule, schedules: [{id, from, to}], in_trash, config_changes, batch,
        /// text}.
        #[arg(long)]
        json: bool,
    },
}

fn parse_rule(s: &str) -> Result<BudgetMerge, String> {
    BudgetMerge::parse(s).ok_or_else(|| {
        let names: Vec<&str> = BudgetMerge::ALL.iter().map(|(_, n)| *n).collect();
        format!("'{}' is not one of {}", inert(s), names.join(", "))
    })
}

impl Args {
    /// True for `rename --dry-run`.
    pub fn is_dry_run(&self) -> bool {
        matches!(self.action, Some(Action::Rename { dry_run: true, .. }))
    }

    /// True when the command only reads the store.
    pub fn is_read_only(&self) -> bool {
        matches!(
            self.action,
            None | Some(Action::List { .. }) | Some(Action::Rename { dry_run: true, .. })
        )
    }
}

/// Runs `expense categories`.
pub fn run(ctx: &mut Ctx, args: &Args) -> Result<()> {
    match &args.action {
        None => list(ctx, args.json),
        Some(Action::List { json }) => list(ctx, *json),
        Some(Action::Rename {
            old,
            new,
            dry_run,
            budget,
            json,
        }) => rename(ctx, old, new, *dry_run, *budget, *json),
    }
}

fn list(ctx: &mut Ctx, json: bool) -> Result<()> {
    let store = ctx.store()?;
    let uses = store.category_uses()?;
    let budgets = store.budgets()?;
    let budget_of = |c: &str| budgets.iter().find(|b| b.category == c);
    if json {
        let rows: Vec<serde_json::Value> = uses
            .iter()
            .map(|u| {
                let totals: Vec<serde_json::Value> = u
                    .totals
                    .iter()
                    .map(|t| {
                        serde_json::json!({
                            "currency": t.currency.code(),
                            "spent": format_plain(t.spent, t.currency),
                            "income": format_plain(t.income, t.currency),
                            "count": t.count,
                        })
                    })
                    .collect();
                let budget = budget_of(&u.category).map(|b| {
                    serde_json::json!({
                        "amount": format_plain(b.amount, b.currency),
                        "currency": b.currency.code(),
                    })
                });
                serde_json::json!({
                    "category": u.category,
                    "count": u.count,
                    "totals": totals,
                    "budget": budget,
                })
            })
            .collect();
        writeln!(ctx.out, "{}", serde_json::to_string(&rows)?)?;
        return Ok(());
    }
    if uses.is_empty() {
        writeln!(
            ctx.out,
            "no categories yet (expense add 12.50 food! adds one)"
        )?;
    }
    for u in &uses {
        let mut money: Vec<String> = Vec::new();
        for t in &u.totals {
            if t.spent > 0 || t.income == 0 {
                money.push(format!(
                    "{} {}",
                    format_grouped(t.spent, t.currency),
                    t.currency
                ));
            }
            if t.income > 0 {
                money.push(format!(
                    "+{} {}",
                    format_grouped(t.income, t.currency),
                    t.currency
                ));
            }
        }
        let budget = budget_of(&u.category)
            .map(|b| {
                format!(
                    "  budget {} {}",
                    format_grouped(b.amount, b.currency),
                    b.currency
                )
            })
            .unwrap_or_default();
        writeln!(
            ctx.out,
            "{:<28} {:>9}  {}{budget}",
            inert(&u.category),
            u.count,
            money.join(", ")
        )?;
    }
    Ok(())
}

fn rename(
    ctx: &mut Ctx,
    old: &str,
    new: &str,
    dry_run: bool,
    rule: BudgetMerge,
    json: bool,
) -> Result<()> {
    // The names first: a typo never opens (or creates) a store.
    crate::domain::rename::check_names(old, new).map_err(|e| eyre!("{e}; nothing was changed"))?;
    let store = ctx.store()?;
    let plan = store.plan_rename(old, new, rule)?;
    if dry_run {
        let left = Left::of(ctx, &store, &plan.from, &plan.to)?;
        if json {
            let text = format!(
                "{} {}: {}",
                if plan.merge { "merge" } else { "rename" },
                plan.from,
                plan.moving_text()
            );
            return print_json(ctx, &plan, plan.exact + plan.below, None, &left, text, true);
        }
        writeln!(
            ctx.out,
            "{} {}: {}",
            if plan.merge { "merge" } else { "rename" },
            inert(&plan.from),
            plan.moving_text()
        )?;
        writeln!(ctx.out, "{}", plan.budget_text())?;
        if let Some(t) = plan.schedule_text() {
            writeln!(ctx.out, "{t}")?;
        }
        left.write(ctx, &plan.from)?;
        writeln!(ctx.out, "nothing was changed (--dry-run)")?;
        return Ok(());
    }
    let now = ctx.now_ms();
    let tty = ctx.err_is_tty;
    let err = &mut *ctx.err;
    let mut bar: Option<Progress> = None;
    let done = store.rename_category(old, new, rule, now, &mut |n, total| {
        bar.get_or_insert_with(|| Progress::new(tty, "renaming", total as usize))
            .set(err, n as usize)
    });
    if let Some(b) = &mut bar {
        b.finish(ctx.err);
    }
    let done = done?;
    let left = Left::of(ctx, &store, &done.plan.from, &done.plan.to)?;
    if json {
        let text = done.note.done_line();
        let moved = done.note.expenses;
        return print_json(ctx, &done.plan, moved, done.batch, &left, text, false);
    }
    writeln!(ctx.out, "{}", done.note.done_line())?;
    if !done.plan.budgets.is_empty() {
        writeln!(ctx.out, "{}", done.plan.budget_text())?;
    }
    if let Some(t) = done.plan.schedule_text() {
        writeln!(ctx.out, "{t}")?;
    }
    left.write(ctx, &done.plan.from)?;
    writeln!(ctx.out, "expense undo takes it all back")?;
    Ok(())
}

/// The rename as JSON (see the `--json` option's doc): `expenses` moved (or that would move),
/// the plan's budgets and schedules, what it leaves (`in_trash`, `config_changes`), its batch.
fn print_json(
    ctx: &mut Ctx,
    plan: &RenamePlan,
    expenses: u64,
    batch: Option<u64>,
    left: &Left,
    text: String,
    dry_run: bool,
) -> Result<()> {
    let budgets: Vec<serde_json::Value> = plan
        .budgets
        .iter()
        .map(|b| {
            serde_json::json!({
                "from": b.from,
                "to": b.to,
                "amount": format_plain(b.amount, b.currency),
                "currency": b.currency.code(),
                "existing": b.existing.map(|e| format_plain(e, b.currency)),
                "result": format_plain(b.result, b.currency),
            })
        })
        .collect();
    let schedules: Vec<serde_json::Value> = plan
        .schedules
        .iter()
        .map(|s| serde_json::json!({"id": s.id.to_string(), "from": s.from, "to": s.to}))
        .collect();
    let out = serde_json::json!({
        "from": plan.from,
        "to": plan.to,
        "merge": plan.merge,
        "dry_run": dry_run,
        "expenses": expenses,
        "exact": plan.exact,
        "below": plan.below,
        "budgets": budgets,
        "budget_rule": plan.policy.name(),
        "schedules": schedules,
        "in_trash": left.trashed,
        "config_changes": left.config,
        "batch": batch,
        "text": text,
    });
    serde_json::to_writer_pretty(&mut *ctx.out, &out)?;
    writeln!(ctx.out)?;
    Ok(())
}

/// What a rename leaves as it was, said after it: expenses in the trash under the old name, and
/// the import settings of config.toml that name it (with the change to make by hand).
struct Left {
    /// Expenses in the trash in the renamed category or below it.
    trashed: u64,
    /// One line per import setting to change by hand.
    config: Vec<String>,
}

impl Left {
    fn of(ctx: &Ctx, store: &Store, from: &str, to: &str) -> Result<Left> {
        let trashed = store
            .trashed()?
            .iter()
            .filter(|t| is_within(&t.expense.draft.category, from))
            .count() as u64;
        let config = config_changes(&ctx.config.import_categories(), from, to);
        Ok(Left { trashed, config })
    }

    fn write(&self, ctx: &mut Ctx, from: &str) -> Result<()> {
        let trashed = self.trashed;
        if trashed > 0 {
            writeln!(
                ctx.out,
                "{} in the trash keep{} {} (restored, {} come{} back there)",
                expenses_text(trashed),
                if trashed == 1 { "s" } else { "" },
                inert(from),
                if trashed == 1 { "it" } else { "they" },
                if trashed == 1 { "s" } else { "" },
            )?;
        }
        if !self.config.is_empty() {
            writeln!(
                ctx.out,
                "config.toml still names {} (change it by hand; expense never rewrites your \
                 config):",
                inert(from)
            )?;
            for c in &self.config {
                writeln!(ctx.out, "  {c}")?;
            }
        }
        Ok(())
    }
}
