//! `expense stream [--since SEQ|latest|TIME] [--follow] [--view ...]`: the change stream as
//! NDJSON, one record a line, shaped like a DynamoDB Streams record so existing tooling and
//! habits carry over. With `--follow` it keeps printing what any session writes.

use super::Ctx;
use crate::domain::money::push_plain;
use crate::domain::ExpenseView;
use crate::store::{ChangeRecord, ChangeView, Event, Images, Store};
use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone};
use color_eyre::eyre::{eyre, Result};
use std::time::Duration;

/// Records read per store call.
const BATCH: usize = 10_000;
/// Bytes of output gathered before a write.
const OUT_PAGE: usize = 64 * 1024;
/// How often `--follow` looks for new records (the 200 ms promise has room to spare).
const FOLLOW_EVERY: Duration = Duration::from_millis(50);

/// Which images a record carries (DynamoDB's StreamViewType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum View {
    /// Only the key.
    #[value(name = "keys_only", alias = "keys-only")]
    KeysOnly,
    /// The item after the change.
    #[value(name = "new_image", alias = "new-image")]
    NewImage,
    /// The item before the change.
    #[value(name = "old_image", alias = "old-image")]
    OldImage,
    /// Both.
    #[value(name = "new_and_old_images", alias = "new-and-old-images")]
    NewAndOldImages,
}

impl View {
    /// The images this view carries.
    pub fn images(self) -> Images {
        Images {
            new: matches!(self, View::NewImage | View::NewAndOldImages),
            old: matches!(self, View::OldImage | View::NewAndOldImages),
        }
    }

    /// DynamoDB's name of the view (`NEW_AND_OLD_IMAGES`).
    pub fn name(self) -> &'static str {
        match self {
            View::KeysOnly => "KEYS_ONLY",
            View::NewImage => "NEW_IMAGE",
            View::OldImage => "OLD_IMAGE",
            View::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        }
    }
}

/// Options of `expense stream`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to start: a sequence number (records after it), `latest` (only new ones), or a
    /// time (`2026-11-20 14:03:00`, `2026-11-20T14:03:00`, `2026-11-20`; local time). Default:
    /// the oldest record.
    #[arg(long, value_name = "SEQ|latest|TIME")]
    pub since: Option<String>,
    /// Keep printing new records, written by any session, until interrupted.
    #[arg(long, short)]
    pub follow: bool,
    /// Images to include.
    #[arg(long, value_enum, default_value = "new_and_old_images")]
    pub view: View,
}

/// Prints the records; with `--follow`, forever (until the caller goes away).
pub fn run(ctx: &mut Ctx, args: &Args) -> Result<()> {
    let since = match args.since.as_deref() {
        None => Since::Seq(0),
        Some("latest") => Since::Latest,
        Some(text) => parse_since(text)?,
    };
    let store = ctx.store()?;
    let mut after = match since {
        Since::Seq(s) => s,
        Since::Latest => store.last_seq()?,
        Since::Time(ms) => first_at_or_after(&store, ms)?.saturating_sub(1),
    };
    // A consumer resuming from a seq that was trimmed (`[stream] keep_days`) is told what it
    // misses instead of silently starting later.
    let start = store.stream_start()?;
    if let Since::Seq(s) = since {
        if s > 0 && s.saturating_add(1) < start {
            writeln!(
                ctx.err,
                "note: records {}..={} were trimmed (`[stream] keep_days`); starting at {start}",
                s + 1,
                start - 1
            )?;
        }
    }
    // Records are encoded into one buffer and written a page at a time: many small writes
    // through `ctx.out` cost more than the encoding.
    let mut buf: Vec<u8> = Vec::with_capacity(OUT_PAGE + 4096);
    let images = args.view.images();
    loop {
        let mut count = 0usize;
        let out = &mut ctx.out;
        let last = store.visit_stream(after, BATCH, images, |r| -> Result<()> {
            write_record(&mut buf, r, args.view)?;
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
        while store.last_seq()? <= after {
            if ctx.cancelled() {
                return Ok(());
            }
            std::thread::sleep(FOLLOW_EVERY);
        }
    }
}

/// One record as the JSON `expense stream` prints (without the newline); triggers send the same.
pub fn record_json(r: &ChangeRecord, view: View) -> serde_json::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(512);
    write_record(&mut buf, &r.view(), view)?;
    Ok(buf)
}

enum Since {
    Seq(u64),
    Latest,
    /// Unix ms.
    Time(i64),
}

fn parse_since(text: &str) -> Result<Since> {
    if let Ok(seq) = text.parse::<u64>() {
        return Ok(Since::Seq(seq));
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

/// Appends one record, DynamoDB Streams style, to `buf` (no newline): `eventID`, `eventName`,
/// `eventVersion`, `eventSource`, `origin`, and `dynamodb` with `ApproximateCreationDateTime`
/// (seconds), `Keys`, the images of `view` (each shaped like `list --json`'s rows), a fixed-width
/// `SequenceNumber` (so the strings sort like the numbers, as DynamoDB's do) and
/// `StreamViewType`. Written by hand rather than through serde structs: this runs 200k+ times a
/// second, and per-record strings were most of the cost; a test holds it to the serde shapes.
pub fn write_record(buf: &mut Vec<u8>, r: &ChangeView<'_>, view: View) -> serde_json::Result<()> {
    let mut id_text = [0u8; 26];
    let id = r.id.encode(&mut id_text).as_bytes();
    let mut num = itoa::Buffer::new();
    buf.extend_from_slice(b"{\"eventID\":\"");
    buf.extend_from_slice(num.format(r.seq).as_bytes());
    buf.push(b'-');
    buf.extend_from_slice(id);
    buf.extend_from_slice(b"\",\"eventName\":\"");
    buf.extend_from_slice(match r.event {
        Event::Insert => b"INSERT",
        Event::Modify => b"MODIFY",
        Event::Remove => b"REMOVE",
    });
    buf.extend_from_slice(
        b"\",\"eventVersion\":\"1.1\",\"eventSource\":\"expense-tracker\",\"origin\":\"",
    );
    buf.extend_from_slice(r.origin.name().as_bytes());
    buf.extend_from_slice(b"\",\"dynamodb\":{\"ApproximateCreationDateTime\":");
    buf.extend_from_slice(num.format(r.at.div_euclid(1000)).as_bytes());
    buf.extend_from_slice(b",\"Keys\":{\"id\":\"");
    buf.extend_from_slice(id);
    buf.extend_from_slice(b"\"}");
    let images = view.images();
    if let Some(new) = r.new.as_ref().filter(|_| images.new) {
        buf.extend_from_slice(b",\"NewImage\":");
        write_image(buf, id, new)?;
    }
    if let Some(old) = r.old.as_ref().filter(|_| images.old) {
        buf.extend_from_slice(b",\"OldImage\":");
        write_image(buf, id, old)?;
    }
    buf.extend_from_slice(b",\"SequenceNumber\":\"");
    let seq = num.format(r.seq).as_bytes();
    buf.extend(std::iter::repeat_n(b'0', 20usize.saturating_sub(seq.len())));
    buf.extend_from_slice(seq);
    buf.extend_from_slice(b"\",\"StreamViewType\":\"");
    buf.extend_from_slice(view.name().as_bytes());
    buf.extend_from_slice(b"\"}}");
    Ok(())
}

/// An image as `list --json` writes an expense ([`crate::domain::ExpenseRow`]'s fields, in its
/// order); `id` is its ULID text.
fn write_image(buf: &mut Vec<u8>, id: &[u8], e: &ExpenseView<'_>) -> serde_json::Result<()> {
    buf.extend_from_slice(b"{\"id\":\"");
    buf.extend_from_slice(id);
    buf.extend_from_slice(b"\",\"date\":\"");
    push_date(buf, e.date);
    buf.extend_from_slice(b"\",\"amount\":\"");
    push_plain(buf, e.amount, e.currency);
    buf.extend_from_slice(b"\",\"currency\":\"");
    buf.extend_from_slice(e.currency.code().as_bytes());
    buf.extend_from_slice(b"\",\"category\":");
    serde_json::to_writer(&mut *buf, e.category)?;
    buf.extend_from_slice(b",\"payee\":");
    serde_json::to_writer(&mut *buf, e.payee)?;
    buf.extend_from_slice(b",\"note\":");
    serde_json::to_writer(&mut *buf, e.note)?;
    buf.extend_from_slice(b",\"tags\":");
    serde_json::to_writer(&mut *buf, e.tags)?;
    buf.extend_from_slice(b",\"kind\":\"");
    buf.extend_from_slice(e.kind.as_str().as_bytes());
    buf.extend_from_slice(b"\",\"version\":");
    buf.extend_from_slice(itoa::Buffer::new().format(e.version).as_bytes());
    buf.push(b'}');
    Ok(())
}

/// `YYYY-MM-DD`, as chrono's `%Y-%m-%d` writes it.
fn push_date(buf: &mut Vec<u8>, d: NaiveDate) {
    let (y, m, day) = (d.year(), d.month(), d.day());
    if !(0..=9999).contains(&y) {
        buf.extend_from_slice(d.format("%Y-%m-%d").to_string().as_bytes());
        return;
    }
    let y = y as u32;
    let digit = |n: u32| b'0' + (n % 10) as u8;
    buf.extend_from_slice(&[
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        b'-',
        digit(m / 10),
        digit(m),
        b'-',
        digit(day / 10),
        digit(day),
    ]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Currency, Draft, Expense, ExpenseId, Kind};
    use crate::store::Origin;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    fn expense(id: u128, date: NaiveDate, amount: i64, currency: Currency, text: &str) -> Expense {
        Expense {
            id: ExpenseId(id),
            draft: Draft {
                date,
                amount,
                currency,
                category: format!("food:{text}"),
                payee: text.to_string(),
                note: format!("{text}\n\"{text}\"\\"),
                tags: vec![text.to_string(), "x".into()],
                kind: if amount % 2 == 0 {
                    Kind::Expense
                } else {
                    Kind::Income
                },
            },
            created: 1,
            updated: 2,
            version: amount.unsigned_abs() % 7 + 1,
        }
    }

    /// What the serde shapes give for a record: the contract the hand-written JSON keeps.
    fn expected(r: &ChangeRecord, view: View) -> Value {
        let mut body = serde_json::Map::new();
        body.insert(
            "ApproximateCreationDateTime".into(),
            json!(r.at.div_euclid(1000)),
        );
        body.insert("Keys".into(), json!({ "id": r.id.to_string() }));
        let images = view.images();
        if let Some(n) = r.new.as_ref().filter(|_| images.new) {
            body.insert("NewImage".into(), serde_json::to_value(n.to_row()).unwrap());
        }
        if let Some(o) = r.old.as_ref().filter(|_| images.old) {
            body.insert("OldImage".into(), serde_json::to_value(o.to_row()).unwrap());
        }
        body.insert("SequenceNumber".into(), json!(format!("{:020}", r.seq)));
        body.insert("StreamViewType".into(), json!(view.name()));
        json!({
            "eventID": format!("{}-{}", r.seq, r.id),
            "eventName": r.event.to_string(),
            "eventVersion": "1.1",
            "eventSource": "expense-tracker",
            "origin": r.origin,
            "dynamodb": Value::Object(body),
        })
    }

    proptest! {
        #[test]
        fn hand_written_json_equals_the_serde_shapes(
            id in any::<u128>(),
            seq in 1u64..u64::MAX,
            at in -10_000_000_000_000i64..10_000_000_000_000,
            days in 0i64..4_000_000,
            amount in 0i64..i64::MAX,
            cur in 0usize..4,
            text in "\\PC{0,12}|[\"\\\\\u{0}-\u{1f}\u{7f}é€😀]{0,6}",
            event in 0usize..3,
            origin in 0usize..8,
        ) {
            let date = NaiveDate::from_ymd_opt(1, 1, 1).unwrap() + chrono::Duration::days(days);
            let currency = Currency::parse(["EUR", "JPY", "KWD", "USD"][cur]).unwrap();
            let a = expense(id, date, amount, currency, &text);
            let b = expense(id, date, amount / 3, currency, "b");
            let event = [Event::Insert, Event::Modify, Event::Remove][event];
            let r = ChangeRecord {
                seq,
                event,
                at,
                origin: Origin::ALL[origin],
                id: ExpenseId(id),
                old: (event != Event::Insert).then(|| b.clone()),
                new: (event != Event::Remove).then(|| a.clone()),
                batch: None,
            };
            for view in [View::KeysOnly, View::NewImage, View::OldImage, View::NewAndOldImages] {
                let bytes = record_json(&r, view).unwrap();
                let parsed: Value = serde_json::from_slice(&bytes).unwrap();
                prop_assert_eq!(parsed, expected(&r, view));
            }
        }
    }

    #[test]
    fn dates_and_amounts_read_as_the_list_rows_do() {
        let e = expense(
            7,
            NaiveDate::from_ymd_opt(987, 3, 4).unwrap(),
            5,
            Currency::parse("KWD").unwrap(),
            "x",
        );
        let mut buf = Vec::new();
        write_image(&mut buf, b"ID", &e.view()).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(
            text.starts_with(r#"{"id":"ID","date":"0987-03-04","amount":"0.005","currency":"KWD""#),
            "{text}"
        );
    }
}
