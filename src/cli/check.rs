//! `expense check [--stream] [--repair]`: recompute indexes, aggregates and counters from the
//! items (and with `--stream` replay the change stream against them); print every difference and
//! fail (exit status 1) when there is one. A store the open refuses to write (it lost changes) is
//! never consistent. `--repair` replays the stream too, rebuilds the derived entries that differ,
//! then checks again; it never removes an expense: items the stream holds but `items` lacks, or a
//! store that lost changes, are refused with the way back (the newest backup).

use super::Ctx;
use color_eyre::eyre::{eyre, Result};

/// Options of `expense check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rebuild the indexes, aggregates and counters that differ from the items (replays the
    /// stream first: expenses it holds that the items lack are refused, not dropped).
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
    // A repair must know whether items are missing, which only the replay tells.
    let stream = args.stream || args.repair;
    let report = store.check_scope(stream)?;
    for p in &report.problems {
        writeln!(ctx.out, "{p}")?;
    }
    let summary = |n: usize| {
        let records = if stream {
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
    if let Some(first) = report.missing.first() {
        return Err(crate::store::StoreError::ItemsMissing {
            count: report.missing.len(),
            first: *first,
        }
        .into());
    }
    if let Some(refusal) = store.write_refusal() {
        // Nothing here rebuilds lost changes; the message says the way back.
        return Err(eyre!("{refusal}"));
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
    let after = store.check_scope(stream)?;
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
