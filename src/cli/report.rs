//! `expense report --month YYYY-MM [--json]`: the monthly review's numbers, computed by
//! `review::compute` and `review::details` exactly as the review screen does.

use super::Ctx;
use crate::domain::money::{format_grouped, format_plain, percent_change};
use crate::domain::review::{Review, ReviewDetails, ReviewQuery, Totals};
use crate::domain::text::inert;
use crate::domain::{Currency, Month};
use crate::engine::review;
use color_eyre::eyre::{eyre, Result};
use serde::Serialize;
use std::io::Write;

/// Options of `expense report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Month to report, YYYY-MM (default: the current month; the config's month_start_day
    /// decides its days).
    #[arg(long)]
    pub month: Option<String>,
    /// JSON: {"month", "from", "to", "converted", "totals", "last_month", "last_year",
    /// "categories", "top_payees", "largest"}; amounts are decimal strings, spending positive.
    #[arg(long)]
    pub json: bool,
}

/// Prints the review of the month.
pub fn run(ctx: &mut Ctx, args: &Args) -> Result<()> {
    let asked = match &args.month {
        Some(m) => Some(Month::parse(m).map_err(|e| eyre!("--month: {e}"))?),
        None => None,
    };
    let store = ctx.store()?;
    let start_day = ctx.start_day(&store)?;
    let month = asked.unwrap_or_else(|| Month::containing(ctx.today, start_day));
    let q = ReviewQuery {
        month,
        currency: ctx.config.currency,
        rates: ctx.config.rates.clone(),
    };
    let r = review::compute(&store, &q, start_day)?;
    let details = review::details(&store, month, start_day, review::DETAIL_LIMIT)?;
    if args.json {
        serde_json::to_writer_pretty(&mut *ctx.out, &to_json(&r, &details))?;
        writeln!(ctx.out)?;
    } else {
        write_plain(ctx.out, &r, &details)?;
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonTotals {
    currency: String,
    spent: String,
    income: String,
    net: String,
    count: u64,
}

#[derive(Serialize)]
struct JsonCategory {
    category: String,
    currency: String,
    total: String,
    count: u64,
    budget: Option<String>,
    last_month: String,
    /// Recurring expenses still to come in the month (not in `total`).
    to_come: String,
}

#[derive(Serialize)]
struct JsonPayee {
    payee: String,
    currency: String,
    total: String,
    count: u64,
}

#[derive(Serialize)]
struct JsonConversion {
    to: String,
    rates: Vec<String>,
}

#[derive(Serialize)]
struct JsonReport {
    month: String,
    from: String,
    to: String,
    converted: Option<JsonConversion>,
    totals: Vec<JsonTotals>,
    last_month: Vec<JsonTotals>,
    last_year: Vec<JsonTotals>,
    categories: Vec<JsonCategory>,
    top_payees: Vec<JsonPayee>,
    largest: Vec<crate::domain::ExpenseRow>,
    details_truncated: bool,
}

fn totals_json(ts: &[Totals]) -> Vec<JsonTotals> {
    ts.iter()
        .map(|t| JsonTotals {
            currency: t.currency.code().to_string(),
            spent: format_plain(t.spent, t.currency),
            income: format_plain(t.income, t.currency),
            net: format_plain(t.net(), t.currency),
            count: t.count,
        })
        .collect()
}

fn to_json(r: &Review, d: &ReviewDetails) -> JsonReport {
    JsonReport {
        month: r.month.to_string(),
        from: r.from.to_string(),
        to: r.to.to_string(),
        converted: r.converted.as_ref().map(|c| JsonConversion {
            to: c.to.code().to_string(),
            rates: c.rates.clone(),
        }),
        totals: totals_json(&r.totals),
        last_month: totals_json(&r.last_month),
        last_year: totals_json(&r.last_year),
        // This month's categories: spending or a budget (a category seen only last month is
        // in the screen's table, not in the report of this month).
        categories: r
            .categories
            .iter()
            .filter(|c| c.count > 0 || c.budget.is_some() || c.to_come != 0)
            .map(|c| JsonCategory {
                category: c.category.clone(),
                currency: c.currency.code().to_string(),
                total: format_plain(c.this, c.currency),
                count: c.count,
                budget: c.budget.map(|b| format_plain(b, c.currency)),
                last_month: format_plain(c.last, c.currency),
                to_come: format_plain(c.to_come, c.currency),
            })
            .collect(),
        top_payees: d
            .top_payees
            .iter()
            .map(|p| JsonPayee {
                payee: p.payee.clone(),
                currency: p.currency.code().to_string(),
                total: format_plain(p.spent, p.currency),
                count: p.count,
            })
            .collect(),
        largest: d.largest.iter().map(|e| e.to_row()).collect(),
        details_truncated: d.truncated,
    }
}

fn money(v: i64, c: Currency) -> String {
    format!("{} {c}", format_grouped(v, c))
}

fn write_plain(w: &mut dyn Write, r: &Review, d: &ReviewDetails) -> std::io::Result<()> {
    writeln!(w, "{} ({} to {})", r.month.title(), r.from, r.to)?;
    if let Some(c) = &r.converted {
        writeln!(w, "converted to {}: {}", c.to, c.rates.join(", "))?;
    }
    if r.totals.is_empty() {
        writeln!(w, "Nothing stored in {}.", r.month.title())?;
    }
    for t in &r.totals {
        let mut line = format!(
            "{}: spent {} · income {} · net {} · {} item{}",
            t.currency,
            money(t.spent, t.currency),
            money(t.income, t.currency),
            money(t.net(), t.currency),
            t.count,
            if t.count == 1 { "" } else { "s" }
        );
        let to_come: i64 = r
            .categories
            .iter()
            .filter(|c| c.depth == 0 && c.currency == t.currency)
            .map(|c| c.to_come)
            .sum();
        if to_come != 0 {
            line.push_str(&format!(" · still to come {}", money(to_come, t.currency)));
        }
        if let Some(l) = r.last_month.iter().find(|l| l.currency == t.currency) {
            line.push_str(&format!(
                " · last month spent {}",
                money(l.spent, t.currency)
            ));
        }
        if let Some(l) = r.last_year.iter().find(|l| l.currency == t.currency) {
            line.push_str(&format!(
                " · a year ago spent {}",
                money(l.spent, t.currency)
            ));
        }
        writeln!(w, "{line}")?;
    }
    let rows: Vec<_> = r
        .categories
        .iter()
        .filter(|c| c.count > 0 || c.budget.is_some() || c.last > 0 || c.to_come != 0)
        .collect();
    // The month ahead's column only when recurring expenses are still to come.
    let ahead = rows.iter().any(|c| c.to_come != 0);
    if !rows.is_empty() {
        writeln!(w)?;
        let mut head = format!(
            "{:<28} {:>16} {:>16} {:>7} {:>16} {:>16}",
            "category", "spent", "last month", "change", "budget", "remaining"
        );
        if ahead {
            head.push_str(&format!(" {:>16}", "to come"));
        }
        writeln!(w, "{head}")?;
        for c in rows {
            let name = format!("{}{}", "  ".repeat(c.depth), inert(c.name()));
            let mut line = format!(
                "{:<28} {:>16} {:>16} {:>7} {:>16} {:>16}",
                name,
                money(c.this, c.currency),
                money(c.last, c.currency),
                percent_change(c.this, c.last),
                c.budget.map_or(String::new(), |b| money(b, c.currency)),
                c.remaining()
                    .map_or(String::new(), |x| money(x, c.currency)),
            );
            if ahead && c.to_come != 0 {
                let mark = if c.will_go_over() { " over then" } else { "" };
                line.push_str(&format!(
                    " {:>16}{mark}",
                    format!("+{}", money(c.to_come, c.currency))
                ));
            }
            writeln!(w, "{}", line.trim_end())?;
        }
    }
    if !d.top_payees.is_empty() {
        writeln!(w, "\ntop payees")?;
        for p in &d.top_payees {
            let name = if p.payee.is_empty() {
                "(no payee)".to_string()
            } else {
                inert(&p.payee).into_owned()
            };
            writeln!(
                w,
                "  {name:<26} {:>16}  {} ×",
                money(p.spent, p.currency),
                p.count
            )?;
        }
    }
    if !d.largest.is_empty() {
        writeln!(w, "\nlargest expenses")?;
        for e in &d.largest {
            let x = &e.draft;
            writeln!(
                w,
                "  {}  {:>16}  {}  {}",
                x.date,
                money(x.amount, x.currency),
                inert(&x.category),
                inert(&x.payee)
            )?;
        }
    }
    if d.truncated {
        writeln!(
            w,
            "(payees and largest expenses from the first {} items of the month)",
            review::DETAIL_LIMIT
        )?;
    }
    Ok(())
}
