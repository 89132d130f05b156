//! `expense check [--stream] [--repair]`: recompute indexes, aggregates and counters from the
//! items (and with `--stream` replay the change stream against them); print every difference and
//! fail (exit status 1) when there is one. A store the open refuses to write (it lost changes) is
//! never consistent. `--repair` replays the stream too, rebuilds the derived entries that differ,
//! then checks again; it never removes an expense: items the stream holds but `items` lacks, or a
//! store that lost changes, are refused with the way back (the newest backup). `--json` prints
//! one object instead of the lines (the exit status is the same):
//! `{items, records, consistent, problems, missing, repaired, remaining}`.

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
    /// Print {items, records, consistent, problems, missing, repaired, remaining} as JSON
    /// instead of the lines (`problems` and `remaining` are lines, `missing` expense ids;
    /// `records` is null without --stream or --repair;
    /// `repaired` and `remaining` are null unless --repair ran).
    #[arg(long)]
    pub json: bool,
}

/// Runs the check (and the repair).
pub fn run(ctx: &mut Ctx, args: &Args) -> Result<()> {
    let store = ctx.store()?;
    // A repair must know whether items are missing, which only the replay tells.
    let stream = args.stream || args.repair;
    let report = store.check_scope(stream)?;
    let mut out = Outcome {
        json: args.json,
        stream,
        items: report.items,
        records: report.records,
        problems: report.problems.clone(),
        missing: report.missing.iter().map(|id| id.to_string()).collect(),
        repaired: None,
        remaining: None,
    };
    if !args.json {
        for p in &report.problems {
            writeln!(ctx.out, "{p}")?;
        }
        writeln!(ctx.out, "{}", out.summary())?;
    }
    if report.is_consistent() {
        return out.print(ctx);
    }
    if let Some(first) = report.missing.first() {
        out.print(ctx)?;
        return Err(crate::store::StoreError::ItemsMissing {
            count: report.missing.len(),
            first: *first,
        }
        .into());
    }
    if let Some(refusal) = store.write_refusal() {
        out.print(ctx)?;
        // Nothing here rebuilds lost changes; the message says the way back.
        return Err(eyre!("{refusal}"));
    }
    if !args.repair {
        out.print(ctx)?;
        return Err(eyre!(
            "the store has {} difference{} (listed above); `expense check --repair` rebuilds the \
             derived entries from the items",
            report.problems.len(),
            if report.problems.len() == 1 { "" } else { "s" }
        ));
    }
    let fixed = store.repair(&report)?;
    let after = store.check_scope(stream)?;
    out.repaired = Some(fixed);
    out.remaining = Some(after.problems.clone());
    if !args.json {
        writeln!(
            ctx.out,
            "repaired {fixed} entr{}",
            if fixed == 1 { "y" } else { "ies" }
        )?;
        if after.is_consistent() {
            writeln!(ctx.out, "now consistent")?;
        }
        for p in &after.problems {
            writeln!(ctx.out, "still: {p}")?;
        }
    }
    out.print(ctx)?;
    if after.is_consistent() {
        return Ok(());
    }
    Err(eyre!(
        "{} difference{} remain in the items or the change stream, which repair never rewrites",
        after.problems.len(),
        if after.problems.len() == 1 { "" } else { "s" }
    ))
}

/// What a check found (and a repair did), for the summary line or the JSON object.
struct Outcome {
    json: bool,
    stream: bool,
    items: u64,
    records: u64,
    problems: Vec<String>,
    missing: Vec<String>,
    repaired: Option<usize>,
    remaining: Option<Vec<String>>,
}

impl Outcome {
    /// `checked 3 items and 5 change records: consistent`.
    fn summary(&self) -> String {
        let records = if self.stream {
            format!(
                " and {} change record{}",
                self.records,
                if self.records == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        format!(
            "checked {} item{}{records}: {}",
            self.items,
            if self.items == 1 { "" } else { "s" },
            match self.problems.len() {
                0 => "consistent".to_string(),
                1 => "1 difference".to_string(),
                n => format!("{n} differences"),
            }
        )
    }

    /// The JSON object, with --json (the lines were printed as they came otherwise).
    fn print(&self, ctx: &mut Ctx) -> Result<()> {
        if !self.json {
            return Ok(());
        }
        let v = serde_json::json!({
            "items": self.items,
            "records": self.stream.then_some(self.records),
            "consistent": self.problems.is_empty(),
            "problems": self.problems,
            "missing": self.missing,
            "repaired": self.repaired,
            "remaining": self.remaining,
        });
        serde_json::to_writer_pretty(&mut *ctx.out, &v)?;
        writeln!(ctx.out)?;
        Ok(())
    }
}
