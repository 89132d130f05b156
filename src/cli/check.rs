//! `expense check [--stream] [--repair]`: recompute indexes, aggregates and counters from the
//! items (and with `--stream` replay the change stream against them); print every difference and
//! fail (exit status 1) when there is one. `--repair` rebuilds the derived entries that differ,
//! then checks again.

use super::Ctx;
use color_eyre::eyre::{eyre, Result};

/// Options of `expense check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rebuild the indexes, aggregates and counters that differ from the items.
    #[arg(long)]
    pub repair: bool,
    /// Also replay the whole change stream and compare it with the items (slower: one more
    /// full scan).
    #[arg(long)]
    pub stream: bool,
}

/// Runs the check (and the repair).
pub fn run(ctx: &mut Ctx, args: &Args) -> Result<()> {
    let store = ctx.store()?;
    let report = store.check_scope(args.stream)?;
    for p in &report.problems {
        writeln!(ctx.out, "{p}")?;
    }
    let summary = |n: usize| {
        let records = if args.stream {
            format!(
                " and {} change record{}",
                report.records,
                if report.records == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        format!(
            "checked {} item{}{records}: {}",
            report.items,
            if report.items == 1 { "" } else { "s" },
            match n {
                0 => "consistent".to_string(),
                1 => "1 difference".to_string(),
                n => format!("{n} differences"),
            }
        )
    };
    writeln!(ctx.out, "{}", summary(report.problems.len()))?;
    if report.is_consistent() {
        return Ok(());
    }
    if !args.repair {
        return Err(eyre!(
            "the store has {} difference{} (listed above); `expense check --repair` rebuilds the \
             derived entries from the items",
            report.problems.len(),
            if report.problems.len() == 1 { "" } else { "s" }
        ));
    }
    let fixed = store.repair(&report)?;
    writeln!(
        ctx.out,
        "repaired {fixed} entr{}",
        if fixed == 1 { "y" } else { "ies" }
    )?;
    let after = store.check_scope(args.stream)?;
    if after.is_consistent() {
        writeln!(ctx.out, "now consistent")?;
        return Ok(());
    }
    for p in &after.problems {
        writeln!(ctx.out, "still: {p}")?;
    }
    Err(eyre!(
        "{} difference{} remain in the items or the change stream, which repair never rewrites",
        after.problems.len(),
        if after.problems.len() == 1 { "" } else { "s" }
    ))
}
