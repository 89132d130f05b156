//! The DynamoDB record format: one change record exactly as DynamoDB Streams hands it to a Lambda
//! (`expense stream --format dynamodb`, `format = "dynamodb"` on a trigger), so boto3's
//! `TypeDeserializer`, aws-lambda-powertools (`DynamoDBStreamEvent`, `DynamoDBStreamModel`) and
//! `@aws-sdk/util-dynamodb`'s `unmarshall` read it as they read AWS's (`tests/py/consume_stream.py`
//! proves it in CI). Hand-written like the plain format (`stream_json.rs`), for the same reason:
//! it runs hundreds of thousands of times a second.
//!
//! ```json
//! {"eventID":"5c1f…(32 hex)","eventName":"MODIFY","eventVersion":"1.1",
//!  "eventSource":"aws:dynamodb","awsRegion":"local",
//!  "dynamodb":{"ApproximateCreationDateTime":1764583200,"Keys":{"id":{"S":"01KB…"}},
//!   "NewImage":{"id":{"S":"01KB…"},"date":{"S":"2026-11-30"},"amount":{"N":"13.00"},…},
//!   "OldImage":{…},"SequenceNumber":"000000000000000000003","SizeBytes":231,
//!   "StreamViewType":"NEW_AND_OLD_IMAGES"},
//!  "eventSourceARN":
//!   "arn:aws:dynamodb:local:000000000000:table/expenses/stream/2026-12-01T10:00:00.000",
//!  "origin":"user"}
//! ```
//!
//! Choices, each where AWS leaves room:
//! - `eventID`: 32 hex digits like AWS's, a digest of the stream label and the sequence number
//!   ([`event_id`]): never repeated within a stream and, but for a 64-bit hash collision of two
//!   labels, not across restores either (each restore has a new label).
//! - Images: `id`, `date` (`YYYY-MM-DD`), `currency`, `category`, `payee`, `note`, `kind` as `S`
//!   (empty strings included: DynamoDB allows them outside keys), `amount` as `N` in the
//!   currency's minor-unit scale (`"12.50"`, `"1000"` for JPY, `"0.005"` for KWD: a Decimal
//!   equal to `list --json`'s amount), `tags` as `SS` (left out when empty, as DynamoDB has no
//!   empty sets), `version` as `N`. An image in the trash adds `deleted_at` and `expires_at` as
//!   `N` Unix **seconds** (DynamoDB's TTL attribute unit; `expires_at` rounded up, so a consumer
//!   never sees an item as expired before we expire it).
//! - Budgets and schedules are items of their own key space: `budget:CATEGORY` with `type`
//!   "budget", `schedule:ULID` with `type` "schedule" (`ScheduleRow`: the expense's fields as
//!   above, `rule` in words and `unit`, `every` (N), `on`, `start`, `end` or `count` (N) as
//!   its parts, `confirm` and `paused` as `BOOL`, `next` the next occurrence's day). Posted
//!   occurrences are ordinary expense INSERTs with origin `schedule`.
//! - `SequenceNumber`: the seq zero-padded to 21 digits (AWS's length), so text order is seq
//!   order; `SizeBytes`: DynamoDB's item-size rule over `Keys` and the images written (see
//!   [`n_size`]), which gives AWS's own documented examples exactly.
//! - `userIdentity {"type": "Service", "principalId": "dynamodb.amazonaws.com"}` on a REMOVE by
//!   TTL expiry (origin `ttl`), as AWS marks its TTL deletions.
//! - `origin` (who caused the change: `user`, `import`, `undo`, `redo`, `ttl`, `demo`,
//!   `restore`, `migration`, `rename`, `schedule`; see `Origin`) is one top-level field AWS does not send; a
//!   category rename's MODIFYs (origin `rename`, one batch) are ordinary MODIFY records here. Consumers ignore unknown fields (pydantic models, powertools' model among
//!   them, default to `extra="ignore"`; the consumer test parses records that carry it), and
//!   keeping it out of the images keeps them equal to the item.

use super::stream_json::push_date;
use crate::domain::money::push_plain;
use crate::domain::schedule::Schedule;
use crate::domain::schedule_row::{schedule_key, ScheduleRow};
use crate::domain::stream::{StreamSource, View};
use crate::domain::trash::TrashMark;
use crate::domain::ExpenseView;
use crate::store::{ChangeView, Event, Origin};

/// The table name in `eventSourceARN`.
pub const TABLE: &str = "expenses";
/// The account in `eventSourceARN` (AWS's documentation uses the same zeros for "not an account").
pub const ACCOUNT: &str = "000000000000";
/// Digits of `SequenceNumber`.
const SEQ_DIGITS: usize = 21;

/// Writes records of one stream in the DynamoDB format; built once per stream and view, so the
/// parts every record shares are encoded once.
#[derive(Debug, Clone)]
pub struct DynamoDbWriter {
    view: View,
    /// From the end of `eventName` to the value of `ApproximateCreationDateTime`.
    middle: Vec<u8>,
    /// `,"eventSourceARN":"arn:…"`.
    arn: Vec<u8>,
    /// A hash of the stream label, the seed of every `eventID`.
    label_hash: u64,
}

impl DynamoDbWriter {
    /// A writer for records of `source`'s stream, with the images of `view`.
    pub fn new(view: View, source: &StreamSource) -> DynamoDbWriter {
        let quoted = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
        let middle = format!(
            "\",\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":{},\
             \"dynamodb\":{{\"ApproximateCreationDateTime\":",
            quoted(&source.region)
        );
        let arn = format!(
            ",\"eventSourceARN\":{}",
            quoted(&stream_arn(&source.region, &source.label))
        );
        DynamoDbWriter {
            view,
            middle: middle.into_bytes(),
            arn: arn.into_bytes(),
            label_hash: fnv1a(source.label.as_bytes()),
        }
    }

    /// Appends one record to `buf` (no newline).
    pub fn write(&self, buf: &mut Vec<u8>, r: &ChangeView<'_>) -> serde_json::Result<()> {
        let mut id_text = [0u8; 26];
        let id = r.id.encode(&mut id_text).as_bytes();
        let mut num = itoa::Buffer::new();
        buf.extend_from_slice(b"{\"eventID\":\"");
        push_hex(buf, event_id(self.label_hash, r.seq));
        buf.extend_from_slice(b"\",\"eventName\":\"");
        buf.extend_from_slice(match r.event {
            Event::Insert => b"INSERT",
            Event::Modify => b"MODIFY",
            Event::Remove => b"REMOVE",
        });
        buf.extend_from_slice(&self.middle);
        buf.extend_from_slice(num.format(r.at.div_euclid(1000)).as_bytes());
        let mut size;
        if let Some(b) = &r.budget {
            // A budget item: its key is `budget:CATEGORY` (`stream_json::budget_key`).
            let key = super::stream_json::budget_key(b.category);
            buf.extend_from_slice(b",\"Keys\":{\"id\":{\"S\":");
            serde_json::to_writer(&mut *buf, &key)?;
            buf.extend_from_slice(b"}}");
            size = "id".len() + key.len();
            if let Some(l) = b.new.filter(|_| self.view.has_new()) {
                buf.extend_from_slice(b",\"NewImage\":");
                size += write_budget(buf, &key, b.category, &l)?;
            }
            if let Some(l) = b.old.filter(|_| self.view.has_old()) {
                buf.extend_from_slice(b",\"OldImage\":");
                size += write_budget(buf, &key, b.category, &l)?;
            }
        } else if let Some(sc) = &r.schedule {
            // A schedule item: its key is `schedule:ULID` (`ScheduleRow`).
            let key = schedule_key(r.id);
            buf.extend_from_slice(b",\"Keys\":{\"id\":{\"S\":");
            serde_json::to_writer(&mut *buf, &key)?;
            buf.extend_from_slice(b"}}");
            size = "id".len() + key.len();
            if let Some(new) = sc.new.filter(|_| self.view.has_new()) {
                buf.extend_from_slice(b",\"NewImage\":");
                size += write_schedule(buf, new)?;
            }
            if let Some(old) = sc.old.filter(|_| self.view.has_old()) {
                buf.extend_from_slice(b",\"OldImage\":");
                size += write_schedule(buf, old)?;
            }
        } else {
            buf.extend_from_slice(b",\"Keys\":{\"id\":{\"S\":\"");
            buf.extend_from_slice(id);
            buf.extend_from_slice(b"\"}}");
            size = "id".len() + id.len();
            if let Some(new) = r.new.as_ref().filter(|_| self.view.has_new()) {
                buf.extend_from_slice(b",\"NewImage\":");
                size += write_image(buf, id, new, r.new_trash)?;
            }
            if let Some(old) = r.old.as_ref().filter(|_| self.view.has_old()) {
                buf.extend_from_slice(b",\"OldImage\":");
                size += write_image(buf, id, old, r.old_trash)?;
            }
        }
        buf.extend_from_slice(b",\"SequenceNumber\":\"");
        let seq = num.format(r.seq).as_bytes();
        buf.extend(std::iter::repeat_n(
            b'0',
            SEQ_DIGITS.saturating_sub(seq.len()),
        ));
        buf.extend_from_slice(seq);
        buf.extend_from_slice(b"\",\"SizeBytes\":");
        buf.extend_from_slice(num.format(size).as_bytes());
        buf.extend_from_slice(b",\"StreamViewType\":\"");
        buf.extend_from_slice(self.view.name().as_bytes());
        buf.extend_from_slice(b"\"}");
        buf.extend_from_slice(&self.arn);
        if r.event == Event::Remove && r.origin == Origin::Ttl {
            buf.extend_from_slice(b",\"userIdentity\":{\"type\":\"Service\",");
            buf.extend_from_slice(b"\"principalId\":\"dynamodb.amazonaws.com\"}");
        }
        buf.extend_from_slice(b",\"origin\":\"");
        buf.extend_from_slice(r.origin.name().as_bytes());
        buf.extend_from_slice(b"\"}");
        Ok(())
    }
}

/// `arn:aws:dynamodb:REGION:000000000000:table/expenses/stream/LABEL`.
pub fn stream_arn(region: &str, label: &str) -> String {
    format!("arn:aws:dynamodb:{region}:{ACCOUNT}:table/{TABLE}/stream/{label}")
}

/// Writes a budget's image as an AttributeValue map (`id`, `type` "budget", `category`,
/// `amount` as N, `currency`, `version`) and returns its size by DynamoDB's rule.
fn write_budget(
    buf: &mut Vec<u8>,
    key: &str,
    category: &str,
    l: &crate::domain::budget::Limit,
) -> serde_json::Result<usize> {
    buf.extend_from_slice(b"{\"id\":{\"S\":");
    serde_json::to_writer(&mut *buf, key)?;
    buf.extend_from_slice(b"},\"type\":{\"S\":\"budget\"},\"category\":{\"S\":");
    serde_json::to_writer(&mut *buf, category)?;
    buf.extend_from_slice(b"},\"amount\":{\"N\":\"");
    push_plain(buf, l.amount, l.currency);
    buf.extend_from_slice(b"\"},\"currency\":{\"S\":\"");
    buf.extend_from_slice(l.currency.code().as_bytes());
    buf.extend_from_slice(b"\"},\"version\":{\"N\":\"");
    buf.extend_from_slice(itoa::Buffer::new().format(l.version).as_bytes());
    buf.extend_from_slice(b"\"}}");
    Ok("id".len()
        + key.len()
        + "type".len()
        + "budget".len()
        + "category".len()
        + category.len()
        + "amount".len()
        + n_size(l.amount.unsigned_abs())
        + "currency".len()
        + 3
        + "version".len()
        + n_size(l.version))
}

/// One attribute of a schedule's image: its AttributeValue and its size by DynamoDB's rule.
enum Attr<'a> {
    /// `S`.
    S(&'a str),
    /// `N`: its text and the size of its digits.
    N(String, usize),
    /// `SS` (never empty: an empty set is left out).
    Ss(&'a [String]),
    /// `BOOL` (1 byte).
    Bool(bool),
}

/// Writes a schedule's image (`ScheduleRow`: `type` "schedule", the expense's fields, the rule
/// in words and parts, `confirm` and `paused` as BOOL, the next occurrence, the version) as an
/// AttributeValue map and returns its size by DynamoDB's rule. Absent parts and empty tags are
/// left out. Written through serde_json per attribute: schedules are few, expenses many.
fn write_schedule(buf: &mut Vec<u8>, s: &Schedule) -> serde_json::Result<usize> {
    let row = ScheduleRow::of(s);
    let number = |n: u64| (n.to_string(), n_size(n));
    let mut attrs: Vec<(&str, Attr<'_>)> = vec![
        ("id", Attr::S(&row.id)),
        ("type", Attr::S(&row.ty)),
        (
            "amount",
            Attr::N(row.amount.clone(), n_size(s.template.amount.unsigned_abs())),
        ),
        ("currency", Attr::S(&row.currency)),
        ("category", Attr::S(&row.category)),
        ("payee", Attr::S(&row.payee)),
        ("note", Attr::S(&row.note)),
    ];
    if !row.tags.is_empty() {
        attrs.push(("tags", Attr::Ss(&row.tags)));
    }
    attrs.push(("kind", Attr::S(&row.kind)));
    attrs.push(("rule", Attr::S(&row.rule)));
    attrs.push(("unit", Attr::S(&row.unit)));
    let (every, every_size) = number(u64::from(row.every));
    attrs.push(("every", Attr::N(every, every_size)));
    if let Some(on) = &row.on {
        attrs.push(("on", Attr::S(on)));
    }
    attrs.push(("start", Attr::S(&row.start)));
    if let Some(end) = &row.end {
        attrs.push(("end", Attr::S(end)));
    }
    if let Some(c) = row.count {
        let (text, size) = number(u64::from(c));
        attrs.push(("count", Attr::N(text, size)));
    }
    attrs.push(("confirm", Attr::Bool(row.confirm)));
    attrs.push(("paused", Attr::Bool(row.paused)));
    if let Some(next) = &row.next {
        attrs.push(("next", Attr::S(next)));
    }
    let (version, version_size) = number(row.version);
    attrs.push(("version", Attr::N(version, version_size)));
    let mut size = 0;
    buf.push(b'{');
    for (i, (name, a)) in attrs.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.push(b'"');
        buf.extend_from_slice(name.as_bytes());
        buf.extend_from_slice(b"\":{\"");
        size += name.len();
        match a {
            Attr::S(v) => {
                buf.extend_from_slice(b"S\":");
                serde_json::to_writer(&mut *buf, v)?;
                size += v.len();
            }
            Attr::N(text, n) => {
                buf.extend_from_slice(b"N\":");
                serde_json::to_writer(&mut *buf, text)?;
                size += n;
            }
            Attr::Ss(v) => {
                buf.extend_from_slice(b"SS\":");
                serde_json::to_writer(&mut *buf, v)?;
                size += v.iter().map(String::len).sum::<usize>();
            }
            Attr::Bool(b) => {
                buf.extend_from_slice(b"BOOL\":");
                buf.extend_from_slice(if *b { b"true" } else { b"false" });
                size += 1;
            }
        }
        buf.push(b'}');
    }
    buf.push(b'}');
    Ok(size)
}

/// Writes an image as an AttributeValue map and returns its size by DynamoDB's rule (attribute
/// name bytes plus value sizes). `id` is the item's ULID text.
fn write_image(
    buf: &mut Vec<u8>,
    id: &[u8],
    e: &ExpenseView<'_>,
    mark: Option<TrashMark>,
) -> serde_json::Result<usize> {
    let mut num = itoa::Buffer::new();
    buf.extend_from_slice(b"{\"id\":{\"S\":\"");
    buf.extend_from_slice(id);
    buf.extend_from_slice(b"\"},\"date\":{\"S\":\"");
    let date_at = buf.len();
    push_date(buf, e.date);
    let date_len = buf.len() - date_at;
    buf.extend_from_slice(b"\"},\"amount\":{\"N\":\"");
    push_plain(buf, e.amount, e.currency);
    buf.extend_from_slice(b"\"},\"currency\":{\"S\":\"");
    let code = e.currency.code();
    buf.extend_from_slice(code.as_bytes());
    buf.extend_from_slice(b"\"},\"category\":{\"S\":");
    serde_json::to_writer(&mut *buf, e.category)?;
    buf.extend_from_slice(b"},\"payee\":{\"S\":");
    serde_json::to_writer(&mut *buf, e.payee)?;
    buf.extend_from_slice(b"},\"note\":{\"S\":");
    serde_json::to_writer(&mut *buf, e.note)?;
    let mut size = "id".len()
        + id.len()
        + "date".len()
        + date_len
        + "amount".len()
        + n_size(e.amount.unsigned_abs())
        + "currency".len()
        + code.len()
        + "category".len()
        + e.category.len()
        + "payee".len()
        + e.payee.len()
        + "note".len()
        + e.note.len()
        + "kind".len()
        + e.kind.as_str().len()
        + "version".len()
        + n_size(e.version);
    if !e.tags.is_empty() {
        buf.extend_from_slice(b"},\"tags\":{\"SS\":");
        serde_json::to_writer(&mut *buf, e.tags)?;
        size += "tags".len() + e.tags.iter().map(String::len).sum::<usize>();
    }
    buf.extend_from_slice(b"},\"kind\":{\"S\":\"");
    buf.extend_from_slice(e.kind.as_str().as_bytes());
    buf.extend_from_slice(b"\"},\"version\":{\"N\":\"");
    buf.extend_from_slice(num.format(e.version).as_bytes());
    buf.extend_from_slice(b"\"}");
    if let Some(m) = mark {
        let (deleted, expires) = ttl_seconds(m);
        for (name, secs) in [("deleted_at", deleted), ("expires_at", expires)] {
            buf.extend_from_slice(b",\"");
            buf.extend_from_slice(name.as_bytes());
            buf.extend_from_slice(b"\":{\"N\":\"");
            buf.extend_from_slice(num.format(secs).as_bytes());
            buf.extend_from_slice(b"\"}");
            size += name.len() + n_size(secs.unsigned_abs());
        }
    }
    buf.push(b'}');
    Ok(size)
}

/// The mark's times in Unix seconds: the delete rounded down, the expiry rounded up.
fn ttl_seconds(m: TrashMark) -> (i64, i64) {
    let up = m.expires_at.div_euclid(1000) + i64::from(m.expires_at.rem_euclid(1000) != 0);
    (m.deleted_at.div_euclid(1000), up)
}

/// Bytes DynamoDB counts for a number with these digits: "1 byte per two significant digits,
/// plus 1" (leading and trailing zeros trimmed; the decimal point and sign are free). An amount
/// counts its minor units' digits: `12.50` is `1250`, significant `125`, 3 bytes.
pub fn n_size(mut digits: u64) -> usize {
    if digits == 0 {
        return 1;
    }
    while digits.is_multiple_of(10) {
        digits /= 10;
    }
    let significant = digits.ilog10() as usize + 1;
    significant.div_ceil(2) + 1
}

/// The `eventID` of record `seq` in the stream whose label hashes to `label_hash`. The low 64
/// bits are a bijection of `seq` (splitmix64's finalizer over `seq` xor a second label hash), so
/// two records of one stream never share an id; the high 64 bits mix the label hash with them,
/// so all 32 digits look random, as AWS's do, and two streams share an id only when their label
/// hashes collide.
pub fn event_id(label_hash: u64, seq: u64) -> u128 {
    let lo = mix(seq ^ mix(label_hash ^ 0x9e37_79b9_7f4a_7c15));
    let hi = mix(label_hash ^ lo);
    (u128::from(hi) << 64) | u128::from(lo)
}

/// FNV-1a, 64 bits: the stream label's hash (computed once per stream).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// splitmix64's finalizer: a bijection of u64 that spreads every input bit over the output.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// 32 lowercase hex digits.
fn push_hex(buf: &mut Vec<u8>, v: u128) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf.extend((0..32).rev().map(|i| HEX[((v >> (i * 4)) & 0xf) as usize]));
}

#[cfg(test)]
#[path = "stream_dynamodb_tests.rs"]
mod tests;
