//! `expense stream [--since SEQ|LABEL/SEQ|latest|TIME] [--follow] [--view ...] [--format
//! plain|dynamodb]`: the change stream as NDJSON, one record a line, shaped like a DynamoDB
//! Streams record (plain, the default) or exactly as DynamoDB Streams hands one to a Lambda
//! (`dynamodb`). With `--follow` it keeps printing what any session writes.

use super::Ctx;
use crate::domain::stream::Format;
use crate::engine::feed::Subscription;
use crate::engine::stream_format::{source_of, RecordWriter};
pub use crate::engine::stream_json::View;
use crate::store::Store;
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use color_eyre::eyre::{eyre, Result};
use std::time::Duration;

/// Records read per store call.
const BATCH: usize = 10_000;
/// Bytes of output gathered before a write.
const OUT_PAGE: usize = 64 * 1024;
/// How long `--follow` waits on the change feed before it looks whether its caller hung up (a
/// commit wakes it at once).
const CANCEL_EVERY: Duration = Duration::from_millis(200);

/// Options of `expense stream`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to start: a sequence number (records after it), a checkpoint `LABEL/SEQ` (the
    /// same, and refused when the store's stream has another label: a restore started a new
    /// stream), `latest` (only new ones), or a time (`2026-11-20 14:03:00`,
    /// `2026-11-20T14:03:00`, `2026-11-20`; local time). Default: the oldest record.
    #[arg(long, value_name = "SEQ|LABEL/SEQ|latest|TIME")]
    pub since: Option<String>,
    /// Keep printing new records, written by any session, until interrupted.
    #[arg(long, short)]
    pub follow: bool,
    /// Print the stream's identity instead of its records: its label (new after every
    /// restore), the first kept and the last sequence number, and what was trimmed.
    #[arg(long, conflicts_with_all = ["since", "follow"])]
    pub info: bool,
    /// Read on when `--since` names records that are gone (trimmed by `[stream] keep_days`) or
    /// lies past the end of the stream; without it such a checkpoint is an error, so a script
    /// never misses records without knowing.
    #[arg(long)]
    pub allow_gaps: bool,
    /// Images to include.
    #[arg(long, default_value = "new_and_old_images", value_parser = view_parser())]
    pub view: View,
    /// `plain`: keys and images as `list --json` rows; `dynamodb`: exactly as DynamoDB Streams
    /// hands records to a Lambda (AttributeValue maps, awsRegion from `[stream] region`,
    /// eventSourceARN with the stream label).
    #[arg(long, default_value = "plain", value_parser = format_parser())]
    pub format: Format,
}

/// Prints the records; with `--follow`, forever (until the caller goes away).
pub fn run(ctx: &mut Ctx, args: &Args) -> Result<()> {
    let since = match args.since.as_deref() {
        None => Since::Seq(0),
        Some("latest") => Since::Latest,
        Some(text) => parse_since(text)?,
    };
    let store = ctx.store()?;
    if args.info {
        return info(ctx, &store);
    }
    let source = source_of(&store, &ctx.config.stream_region)?;
    let since = match since {
        Since::Checkpoint(label, seq) if label == source.label => Since::Seq(seq),
        Since::Checkpoint(label, seq) => {
            // Like DynamoDB's ExpiredIteratorException: sequence numbers of another stream say
            // nothing about this one, so no `--allow-gaps` reads on from them.
            let label = crate::domain::text::inert(&label);
            return Err(eyre!(
                "--since {label}/{seq}: that checkpoint is from stream {label}, but this store's \
                 stream is {} (a restore started a new stream, numbered from 1 again; like \
                 DynamoDB's ExpiredIteratorException). Read the new stream from its start \
                 (--since 0) or from now on (--since latest)",
                source.label
            ));
        }
        other => other,
    };
    let mut after = match since {
        Since::Seq(s) | Since::Checkpoint(_, s) => s,
        Since::Latest => store.last_seq()?,
        Since::Time(ms) => first_at_or_after(&store, ms)?.saturating_sub(1),
    };
    // A consumer resuming from a seq that was trimmed (`[stream] keep_days`), or from one this
    // stream never reached, would miss records without knowing: that is an error (DynamoDB's
    // TrimmedDataAccessException), unless it asks to read on.
    let start = store.stream_start()?;
    if let Since::Seq(s) = since {
        let last = store.last_seq()?;
        let problem = if s > 0 && s.saturating_add(1) < start {
            Some(format!(
                "records {}..={} were trimmed (`[stream] keep_days`); the stream starts at {start}",
                s + 1,
                start - 1
            ))
        } else if s > last {
            Some(format!(
                "--since {s} is past the end of the stream (its last record is {last}): a \
                 checkpoint from another store, or from before a restore"
            ))
        } else {
            None
        };
        match problem {
            Some(p) if args.allow_gaps => writeln!(ctx.err, "note: {p}; reading on")?,
            Some(p) => {
                return Err(eyre!(
                    "{p} (like DynamoDB's TrimmedDataAccessException); pass --allow-gaps to \
                     read on"
                ))
            }
            None => {}
        }
    }
    // Records are encoded into one buffer and written a page at a time: many small writes
    // through `ctx.out` cost more than the encoding.
    let mut buf: Vec<u8> = Vec::with_capacity(OUT_PAGE + 4096);
    let writer = RecordWriter::new(args.format, args.view, &source);
    let images = writer.images();
    loop {
        let mut count = 0usize;
        let out = &mut ctx.out;
        let last = store.visit_stream(after, BATCH, images, |r| -> Result<()> {
            writer.write(&mut buf, r)?;
            buf.push(b'\n');
            count += 1;
            if buf.len() >= OUT_PAGE {
                out.write_all(&buf)?;
                buf.clear();
            }
            Ok(())
        })?;
        ctx.out.write_all(&buf)?;
        buf.clear();
        if let Some(last) = last {
            after = last;
        }
        if count == BATCH {
            continue;
        }
        if !args.follow {
            return Ok(());
        }
        ctx.out.flush()?;
        let mut feed = Subscription::after(&store, after);
        while feed.wait(CANCEL_EVERY).is_none() {
            if ctx.cancelled() {
                return Ok(());
            }
        }
    }
}

/// `--info`: the stream's label, its first kept and last sequence numbers, and what was trimmed,
/// one `key value` line each.
fn info(ctx: &mut Ctx, store: &Store) -> Result<()> {
    let (start, last) = (store.stream_start()?, store.last_seq()?);
    writeln!(ctx.out, "label {}", store.stream_label()?)?;
    writeln!(ctx.out, "first {start}")?;
    writeln!(ctx.out, "last {last}")?;
    if start > 1 {
        writeln!(ctx.out, "trimmed 1..={}", start - 1)?;
    } else {
        writeln!(ctx.out, "trimmed none")?;
    }
    Ok(())
}

enum Since {
    Seq(u64),
    /// `LABEL/SEQ`: a seq of the stream labelled LABEL.
    Checkpoint(String, u64),
    Latest,
    /// Unix ms.
    Time(i64),
}

fn parse_since(text: &str) -> Result<Since> {
    if let Ok(seq) = text.parse::<u64>() {
        return Ok(Since::Seq(seq));
    }
    // Times never hold a `/`; a label is `YYYY-MM-DDTHH:MM:SS.mmm`.
    if let Some((label, seq)) = text.rsplit_once('/') {
        return match seq.parse::<u64>() {
            Ok(seq) if !label.is_empty() => Ok(Since::Checkpoint(label.to_string(), seq)),
            _ => Err(eyre!(
                "--since '{}': a checkpoint is LABEL/SEQ, like 2026-11-20T14:03:00.000/42 \
                 (`expense stream --info` prints the label)",
                crate::domain::text::inert(text)
            )),
        };
    }
    let t = text.trim();
    let naive = NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M"))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        });
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(Since::Time(dt.timestamp_millis()));
    }
    let naive = naive.ok_or_else(|| {
        eyre!(
            "--since '{text}': use a sequence number, `latest`, or a time like \
             2026-11-20 14:03:00"
        )
    })?;
    let local = chrono::Local
        .from_local_datetime(&naive)
        .earliest()
        .ok_or_else(|| eyre!("--since '{text}': that local time does not exist"))?;
    Ok(Since::Time(local.timestamp_millis()))
}

/// The sequence number of the first record written at or after `ms` (last + 1 if none), by
/// binary search: record times only grow with the sequence (one writer order).
fn first_at_or_after(store: &Store, ms: i64) -> Result<u64> {
    let (mut lo, mut hi) = (1u64, store.last_seq()? + 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let at = store
            .stream_since(mid - 1, 1)?
            .first()
            .map(|r| r.at)
            .unwrap_or(i64::MAX);
        if at < ms {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

/// `--format`: `plain` or `dynamodb`, listed in `--help`.
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::{PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(Format::ALL.map(Format::name))
        .map(|s| Format::parse(&s).unwrap_or_default())
}

/// `--view`: the four DynamoDB view names (kebab-case accepted too), listed in `--help`.
fn view_parser() -> impl clap::builder::TypedValueParser<Value = View> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let values = [
        ("keys_only", "keys-only"),
        ("new_image", "new-image"),
        ("old_image", "old-image"),
        ("new_and_old_images", "new-and-old-images"),
    ]
    .map(|(name, alias)| PossibleValue::new(name).alias(alias));
    PossibleValuesParser::new(values).map(|s| View::parse(&s).unwrap_or(View::NewAndOldImages))
}
