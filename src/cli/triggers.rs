//! `expense triggers [list] [--json]`: each configured trigger's lag (records behind, and
//! seconds since the oldest record not yet done, which keeps growing while the trigger is stuck),
//! deliveries, failures and dead letters. `expense triggers retry NAME [SEQ...]` delivers dead
//! letters again now; `expense triggers drop NAME [SEQ...|--all]` removes them. Triggers
//! themselves are configured as `[[trigger]]` in config.toml (see `crate::engine::triggers`).

use super::Ctx;
use crate::clock::local_time;
use crate::engine::triggers::{self, Health};
use color_eyre::eyre::{eyre, Result};

/// Options of `expense triggers`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do (default: list).
    #[command(subcommand)]
    pub action: Option<Action>,
    /// Print JSON instead of text: the list as an array of {name, configured, checkpoint,
    /// lag_records, lag_seconds, delivered, failures, redelivered, attempts, last_error,
    /// dead_letters, dead_letter_records: [{seq, attempts, error, at, at_ms}]}; `retry` as
    /// {name, results: [{seq, delivered, error}], delivered, failed}; `drop` as {name,
    /// dropped, forgot}. Failures still exit with status 1 and say why on stderr.
    #[arg(long, global = true)]
    pub json: bool,
}

/// `expense triggers` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Show every trigger's lag, failures and dead letters (the default).
    List,
    /// Deliver dead letters of a trigger again, now (all of them, or the given record seqs).
    Retry {
        /// The trigger's name.
        name: String,
        /// Record sequence numbers (default: every dead letter).
        seqs: Vec<u64>,
    },
    /// Remove dead letters of a trigger without delivering them.
    Drop {
        /// The trigger's name.
        name: String,
        /// Record sequence numbers.
        seqs: Vec<u64>,
        /// Every dead letter of the trigger (and, for a trigger no longer in config, its state).
        #[arg(long, conflicts_with = "seqs")]
        all: bool,
    },
}

/// Runs `expense triggers`.
pub fn run(ctx: &mut Ctx, args: &Args) -> Result<()> {
    match &args.action {
        None | Some(Action::List) => list(ctx, args.json),
        Some(Action::Retry { name, seqs }) => retry(ctx, name, seqs, args.json),
        Some(Action::Drop { name, seqs, all }) => drop(ctx, name, seqs, *all, args.json),
    }
}

fn list(ctx: &mut Ctx, json: bool) -> Result<()> {
    let store = ctx.store()?;
    let health = triggers::health(&store, &ctx.config.triggers)?;
    if json {
        // Each trigger's health with its dead letters, as the text below lists them.
        let mut rows = Vec::with_capacity(health.len());
        for h in &health {
            let mut row = serde_json::to_value(h)?;
            let letters: Vec<serde_json::Value> = store
                .dead_letters(&h.name)?
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "seq": d.seq,
                        "attempts": d.attempts,
                        "error": d.error,
                        "at": local_time(d.at),
                        "at_ms": d.at,
                    })
                })
                .collect();
            if let serde_json::Value::Object(m) = &mut row {
                m.insert("dead_letter_records".into(), letters.into());
            }
            rows.push(row);
        }
        serde_json::to_writer_pretty(&mut *ctx.out, &rows)?;
        writeln!(ctx.out)?;
        return Ok(());
    }
    if health.is_empty() {
        writeln!(
            ctx.out,
            "No triggers. Add a [[trigger]] with a name and a command to config.toml."
        )?;
        return Ok(());
    }
    writeln!(
        ctx.out,
        "{:<16} {:>10} {:>14} {:>9} {:>8} {:>5}  STATUS",
        "TRIGGER", "CHECKPOINT", "LAG", "DELIVERED", "FAILURES", "DEAD"
    )?;
    for h in &health {
        writeln!(
            ctx.out,
            "{:<16} {:>10} {:>14} {:>9} {:>8} {:>5}  {}",
            h.name,
            h.checkpoint.map_or("-".to_string(), |c| c.to_string()),
            lag(h),
            h.delivered,
            h.failures,
            h.dead_letters,
            status(h)
        )?;
    }
    for h in health.iter().filter(|h| h.dead_letters > 0) {
        let letters = ctx.store()?.dead_letters(&h.name)?;
        writeln!(ctx.out, "\nDead letters of {}:", h.name)?;
        for d in letters {
            writeln!(
                ctx.out,
                "  record {:>8}  {} attempt{}  {}",
                d.seq,
                d.attempts,
                if d.attempts == 1 { "" } else { "s" },
                crate::domain::text::inert(&d.error)
            )?;
        }
        writeln!(
            ctx.out,
            "  `expense triggers retry {0}` delivers them again, `expense triggers drop {0} --all` \
             forgets them",
            h.name
        )?;
    }
    Ok(())
}

fn lag(h: &Health) -> String {
    if h.lag_records == 0 {
        "0".to_string()
    } else {
        format!("{} rec, {} s", h.lag_records, h.lag_seconds)
    }
}

fn status(h: &Health) -> String {
    let mut s = if !h.configured {
        "not in config".to_string()
    } else if h.checkpoint.is_none() {
        "starts with the next record".to_string()
    } else if let Some(w) = h.warning() {
        crate::domain::text::inert(&w).into_owned()
    } else {
        "ok".to_string()
    };
    if h.redelivered > 0 {
        s.push_str(&format!(" ({} redelivered after a crash)", h.redelivered));
    }
    s
}

fn spec<'c>(ctx: &'c Ctx, name: &str) -> Result<&'c triggers::TriggerSpec> {
    ctx.config
        .triggers
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| {
            let known: Vec<&str> = ctx
                .config
                .triggers
                .iter()
                .map(|s| s.name.as_str())
                .collect();
            eyre!(
                "no trigger named '{}' in config (configured: {})",
                crate::domain::text::inert(name),
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )
        })
}

fn retry(ctx: &mut Ctx, name: &str, seqs: &[u64], json: bool) -> Result<()> {
    let spec = spec(ctx, name)?.clone();
    let store = ctx.store()?;
    // Records name the stream they come from: this store's label.
    let spec = crate::engine::stream_format::one_for_store(&store, &spec)?;
    let letters = store.dead_letters(name)?;
    let chosen: Vec<u64> = if seqs.is_empty() {
        letters.iter().map(|d| d.seq).collect()
    } else {
        for s in seqs {
            if !letters.iter().any(|d| d.seq == *s) {
                return Err(eyre!("{name} has no dead letter for record {s}"));
            }
        }
        seqs.to_vec()
    };
    if chosen.is_empty() && !json {
        writeln!(ctx.out, "{name} has no dead letters")?;
        return Ok(());
    }
    let mut failed = 0;
    let mut results = Vec::new();
    for seq in &chosen {
        let result = triggers::retry_dead_letter(&store, &spec, *seq);
        if json {
            let error = result.as_ref().err();
            results.push(
                serde_json::json!({"seq": seq, "delivered": error.is_none(), "error": error}),
            );
        } else {
            match &result {
                Ok(()) => writeln!(ctx.out, "record {seq}: delivered")?,
                Err(why) => writeln!(
                    ctx.out,
                    "record {seq}: failed again: {}",
                    crate::domain::text::inert(why)
                )?,
            }
        }
        failed += usize::from(result.is_err());
    }
    if json {
        let out = serde_json::json!({
            "name": name,
            "results": results,
            "delivered": chosen.len() - failed,
            "failed": failed,
        });
        serde_json::to_writer_pretty(&mut *ctx.out, &out)?;
        writeln!(ctx.out)?;
    }
    if failed > 0 {
        return Err(eyre!(
            "{failed} of {} dead letter{} failed again and stay in the list",
            chosen.len(),
            if chosen.len() == 1 { "" } else { "s" }
        ));
    }
    Ok(())
}

fn drop(ctx: &mut Ctx, name: &str, seqs: &[u64], all: bool, json: bool) -> Result<()> {
    if !all && seqs.is_empty() {
        return Err(eyre!(
            "name the records to drop, or --all for every dead letter of {name}"
        ));
    }
    let configured = ctx.config.triggers.iter().any(|s| s.name == name);
    let store = ctx.store()?;
    if store.trigger_state(name)?.is_none() && store.dead_letters(name)?.is_empty() {
        return Err(eyre!(
            "no trigger named '{}' has state in this store",
            crate::domain::text::inert(name)
        ));
    }
    let n = triggers::drop_dead_letters(&store, name, seqs)?;
    let forget = all && !configured;
    if forget {
        store.forget_trigger(name)?;
    }
    if json {
        let out = serde_json::json!({"name": name, "dropped": n, "forgot": forget});
        serde_json::to_writer_pretty(&mut *ctx.out, &out)?;
        writeln!(ctx.out)?;
    } else {
        writeln!(
            ctx.out,
            "dropped {n} dead letter{} of {name}",
            if n == 1 { "" } else { "s" }
        )?;
        if forget {
            writeln!(ctx.out, "forgot {name} (no longer in config)")?;
        }
    }
    if !seqs.is_empty() && n < seqs.len() {
        return Err(eyre!(
            "{} of the given records had no dead letter",
            seqs.len() - n
        ));
    }
    Ok(())
}
