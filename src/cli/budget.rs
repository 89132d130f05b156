//! `expense budget [list [--json] | set CATEGORY AMOUNT [--currency CODE] | rm CATEGORY]`: the
//! monthly budgets per category. Each change is an item change in the stream
//! (`store/budget.rs`): the history shows it, `expense undo` takes it back, triggers see it.

use super::Ctx;
use crate::domain::budget::Limit;
use crate::domain::category::is_within;
use crate::domain::money::{format_grouped, format_plain, parse_amount};
use crate::domain::text::inert;
use crate::domain::validate::parse_category;
use crate::domain::Currency;
use crate::store::{Origin, Store};
use clap_complete::engine::ArgValueCompleter;
use color_eyre::eyre::{eyre, Result};

/// Options of `expense budget`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// What to do (default: list).
    #[command(subcommand)]
    pub action: Option<Action>,
    /// With no subcommand: the list as JSON, as `budget list --json` prints it.
    #[arg(long)]
    pub json: bool,
}

/// The `expense budget` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Show every budget: category, monthly limit, currency.
    List {
        /// A JSON array of {category, amount, currency} instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Set the monthly budget of a category (and its sub-categories): `expense budget set food
    /// 300`.
    Set {
        /// The category (one that expenses use, or a parent of one).
        #[arg(add = ArgValueCompleter::new(super::complete::category))]
        category: String,
        /// The monthly limit, e.g. `300` or `249.90`.
        amount: String,
        /// Its currency (default: the configured currency).
        #[arg(long)]
        currency: Option<String>,
        /// Print {category, amount, currency, old: {amount, currency} | null, changed} as JSON
        /// instead of the line.
        #[arg(long)]
        json: bool,
    },
    /// Remove the budget of a category.
    Rm {
        /// The category.
        #[arg(add = ArgValueCompleter::new(super::complete::category))]
        category: String,
        /// Print {category, amount: null, currency: null, old: {amount, currency}, changed} as
        /// JSON instead of the line.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `expense budget`.
pub fn run(ctx: &mut Ctx, args: &Args) -> Result<()> {
    match &args.action {
        None => list(ctx, args.json),
        Some(Action::List { json }) => list(ctx, *json),
        Some(Action::Set {
            category,
            amount,
            currency,
            json,
        }) => {
            let currency = match currency {
                Some(c) => {
                    Currency::parse(c).map_err(|e| eyre!("--currency '{}': {e}", inert(c)))?
                }
                None => ctx.config.currency,
            };
            let amount = parse_amount(amount, currency)
                .map_err(|e| eyre!("amount '{}': {e}", inert(amount)))?;
            if amount <= 0 {
                return Err(eyre!(
                    "amount '{}': a budget must be above 0 (expense budget rm {} removes it)",
                    format_grouped(amount, currency),
                    inert(category)
                ));
            }
            let store = ctx.store()?;
            let category = known(&store, category)?;
            let rec = store.set_budget(
                &category,
                Some((currency, amount)),
                Origin::User,
                ctx.now_ms(),
            )?;
            let change = rec.and_then(|r| r.budget);
            if *json {
                let (old, new) = match &change {
                    Some(b) => (b.old.map(money), b.new.map(money)),
                    None => {
                        let same = store.budget(&category)?.map(|b| (b.currency, b.amount));
                        (same, same)
                    }
                };
                return print_json(ctx, &category, old, new, change.is_some());
            }
            match change {
                Some(b) => writeln!(ctx.out, "{}", b.summary())?,
                None => writeln!(
                    ctx.out,
                    "unchanged: budget {} {} {currency}",
                    inert(&category),
                    format_grouped(amount, currency)
                )?,
            }
            Ok(())
        }
        Some(Action::Rm { category, json }) => {
            let category = parse_category(category).map_err(|e| eyre!("category: {e}"))?;
            let store = ctx.store()?;
            match store
                .set_budget(&category, None, Origin::User, ctx.now_ms())?
                .and_then(|r| r.budget)
            {
                Some(b) if *json => print_json(ctx, &category, b.old.map(money), None, true)?,
                Some(b) => writeln!(ctx.out, "{}", b.summary())?,
                None => {
                    return Err(eyre!(
                        "no budget for '{}' (expense budget list shows them)",
                        inert(&category)
                    ))
                }
            }
            Ok(())
        }
    }
}

/// The category, checked: written well, and used by an expense or a recurring expense (it or
/// one below it) or already budgeted; otherwise an error naming the known ones.
fn known(store: &Store, input: &str) -> Result<String> {
    let category = parse_category(input).map_err(|e| eyre!("category: {e}"))?;
    let used = store.categories()?;
    let scheduled: Vec<String> = store
        .schedules()?
        .into_iter()
        .map(|s| s.template.category)
        .collect();
    if used.iter().any(|(c, _)| is_within(c, &category))
        || scheduled.iter().any(|c| is_within(c, &category))
        || store.budget(&category)?.is_some()
    {
        return Ok(category);
    }
    let mut names: Vec<String> = used.iter().map(|(c, _)| c.clone()).collect();
    names.extend(
        scheduled
            .into_iter()
            .filter(|c| !used.iter().any(|(u, _)| u == c)),
    );
    let names: Vec<String> = names
        .iter()
        .take(8)
        .map(|c| inert(c).into_owned())
        .collect();
    Err(eyre!(
        "category '{}': no expense or recurring expense uses it{}",
        inert(&category),
        if names.is_empty() {
            String::new()
        } else {
            format!(" (known: {})", names.join(", "))
        }
    ))
}

/// A limit's currency and amount.
fn money(l: Limit) -> (Currency, i64) {
    (l.currency, l.amount)
}

/// The budget of `category` after a change, with the field names of `budget list --json`
/// (`amount` and `currency` null once removed), the limit before it (`old`), and whether
/// anything changed.
fn print_json(
    ctx: &mut Ctx,
    category: &str,
    old: Option<(Currency, i64)>,
    new: Option<(Currency, i64)>,
    changed: bool,
) -> Result<()> {
    let out = serde_json::json!({
        "category": category,
        "amount": new.map(|(c, a)| format_plain(a, c)),
        "currency": new.map(|(c, _)| c.code().to_string()),
        "old": old.map(|(c, a)| serde_json::json!({
            "amount": format_plain(a, c),
            "currency": c.code(),
        })),
        "changed": changed,
    });
    writeln!(ctx.out, "{}", serde_json::to_string(&out)?)?;
    Ok(())
}

fn list(ctx: &mut Ctx, json: bool) -> Result<()> {
    let budgets = ctx.store()?.budgets()?;
    if json {
        let rows: Vec<serde_json::Value> = budgets
            .iter()
            .map(|b| {
                serde_json::json!({
                    "category": b.category,
                    "amount": format_plain(b.amount, b.currency),
                    "currency": b.currency.code(),
                })
            })
            .collect();
        writeln!(ctx.out, "{}", serde_json::to_string(&rows)?)?;
        return Ok(());
    }
    if budgets.is_empty() {
        writeln!(
            ctx.out,
            "no budgets (expense budget set CATEGORY AMOUNT sets one)"
        )?;
    }
    for b in &budgets {
        writeln!(
            ctx.out,
            "{:<24} {:>12} {}",
            inert(&b.category),
            format_grouped(b.amount, b.currency),
            b.currency
        )?;
    }
    Ok(())
}
