//! The lines of an `expense-backup` file (see the module doc of `store/backup`): the header,
//! the record kinds, and the conversion between an `expense` line and a stored item. Rule: one
//! place says what a line holds; the writer and the reader both go through it, so what is
//! written is what is read back.

use super::super::codec::StoredItem;
use super::super::error::StoreError;
use super::super::keys::{date_from_u32, date_u32, kind_byte};
use super::super::tables::ITEMS;
use crate::domain::money::{format_plain, Currency};
use crate::domain::{ExpenseId, Kind};
use serde::{Deserialize, Serialize};

/// The `format` of the header line.
pub const FORMAT: &str = "expense-backup";
/// The newest format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The header line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    /// Always [`FORMAT`].
    pub format: String,
    /// Format version.
    pub version: u32,
    /// Version of the app that wrote it.
    pub app: String,
    /// When it was written (RFC 3339, UTC).
    pub created: String,
    /// The change record the snapshot is consistent at.
    pub seq: u64,
    /// The month start day the store kept month aggregates for.
    pub month_start_day: Option<u32>,
    /// `sha256` when every line is sealed and the end record carries the file's SHA-256
    /// (`sum.rs`); absent in files of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

/// An `expense` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpenseRecord {
    /// ULID text.
    pub id: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Decimal string (informative; must agree with `minor`).
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Category path.
    pub category: String,
    /// Payee.
    pub payee: String,
    /// Note.
    pub note: String,
    /// Tags.
    pub tags: Vec<String>,
    /// `expense` or `income`.
    pub kind: Kind,
    /// Version for conditional writes.
    pub version: u64,
    /// The amount in minor units.
    pub minor: i64,
    /// First stored, Unix ms.
    pub created: i64,
    /// Last changed, Unix ms.
    pub updated: i64,
}

/// A `schedule` record: a recurring expense, its rule, and how far it was handled (so a
/// restore neither posts an occurrence again nor skips one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleRecord {
    /// ULID text of the schedule's id.
    pub id: String,
    /// Decimal string of each occurrence's amount (informative; must agree with `minor`).
    pub amount: String,
    /// The amount in minor units.
    pub minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Category path.
    pub category: String,
    /// Payee.
    pub payee: String,
    /// Note.
    pub note: String,
    /// Tags.
    pub tags: Vec<String>,
    /// `expense` or `income`.
    pub kind: Kind,
    /// `day`, `week`, `month` or `year`.
    pub unit: String,
    /// Every this many units.
    pub every: u32,
    /// A monthly rule's day: `1`..`31` or `last`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    /// The rule's start, `YYYY-MM-DD`.
    pub start: String,
    /// The last day it may fall on, when it ends on a date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// How many occurrences it has, when it ends after a count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Due occurrences wait to be confirmed.
    pub confirm: bool,
    /// Paused.
    pub paused: bool,
    /// How far it was handled.
    pub state: ScheduleState,
    /// Version for conditional writes.
    pub version: u64,
    /// First stored, Unix ms.
    pub created: i64,
    /// Last changed, Unix ms.
    pub updated: i64,
}

/// How far a schedule was handled, by occurrence number (from 0): `domain::schedule::Schedule`'s
/// `next`, `done` and `moved`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleState {
    /// The first occurrence not handled yet.
    pub next: u32,
    /// Occurrences after `next` handled already.
    pub done: Vec<u32>,
    /// Occurrences moved to another day: (occurrence, `YYYY-MM-DD`).
    pub moved: Vec<(u32, String)>,
}

/// One record line.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Line {
    /// An expense.
    Expense(ExpenseRecord),
    /// A recurring expense.
    Schedule(ScheduleRecord),
    /// A monthly budget.
    Budget {
        /// Category path.
        category: String,
        /// ISO 4217 code.
        currency: String,
        /// Limit in minor units.
        minor: i64,
    },
    /// An imported row's hash.
    Import {
        /// 32 hex digits.
        hash: String,
    },
    /// The trailer.
    End {
        /// Expense records in the file.
        expenses: u64,
        /// Budget records.
        budgets: u64,
        /// Import records.
        imports: u64,
        /// Schedule records (absent in files written before schedules: none).
        #[serde(default)]
        schedules: u64,
        /// SHA-256 (lowercase hex) of every byte before this line; absent in files of older
        /// versions.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sha256: Option<String>,
    },
}

/// The record kinds this build reads.
const KNOWN: [&str; 5] = ["expense", "budget", "schedule", "import", "end"];

/// Only the `type` of a line (to skip unknown kinds).
#[derive(Deserialize)]
struct Tag {
    #[serde(rename = "type")]
    ty: String,
}

/// One record line as read: a record this build knows, or `None` for a kind it does not know
/// (a newer writer's, which the reader skips and counts). A line that is neither is the JSON
/// error of reading it as a known record.
pub(super) fn parse(line: &str) -> Result<Option<Line>, serde_json::Error> {
    match serde_json::from_str(line) {
        Ok(r) => Ok(Some(r)),
        Err(e) => match serde_json::from_str::<Tag>(line) {
            Ok(t) if !KNOWN.contains(&t.ty.as_str()) => Ok(None),
            _ => Err(e),
        },
    }
}

/// An `expense` line as written: borrows the stored item (no clones of its text) and formats
/// the date by hand (chrono's strftime showed up in profiles). Same fields, same order as
/// [`ExpenseRecord`] behind the `type` tag.
#[derive(Serialize)]
struct ExpenseOut<'a> {
    #[serde(rename = "type")]
    ty: &'static str,
    id: String,
    date: String,
    amount: String,
    currency: &'a str,
    category: &'a str,
    payee: &'a str,
    note: &'a str,
    tags: &'a [String],
    kind: Kind,
    version: u64,
    minor: i64,
    created: i64,
    updated: i64,
}

/// Writes the `expense` line of a stored item (without the newline).
pub(super) fn write_expense(
    w: &mut Vec<u8>,
    id: ExpenseId,
    item: &StoredItem,
) -> Result<(), StoreError> {
    let key = id.to_bytes();
    let bad = |what: &str| super::super::error::corrupt(ITEMS, &key, what.to_string());
    let currency = Currency::from_bytes(item.currency).ok_or_else(|| bad("bad currency"))?;
    let kind = super::super::keys::kind_from_byte(item.kind).ok_or_else(|| bad("bad kind"))?;
    date_from_u32(item.date).ok_or_else(|| bad("bad date"))?;
    let d = item.date;
    let out = ExpenseOut {
        ty: "expense",
        id: id.to_string(),
        date: format!("{:04}-{:02}-{:02}", d / 10_000, d / 100 % 100, d % 100),
        amount: format_plain(item.amount, currency),
        currency: currency.code(),
        category: &item.category,
        payee: &item.payee,
        note: &item.note,
        tags: &item.tags,
        kind,
        version: item.version,
        minor: item.amount,
        created: item.created,
        updated: item.updated,
    };
    serde_json::to_writer(w, &out)
        .map_err(|e| StoreError::Sled(format!("cannot encode a backup line: {e}")))
}

/// The stored item of a record line (with `last_seq` 0), or why it is invalid.
pub(super) fn stored_item(r: &ExpenseRecord) -> Result<(ExpenseId, StoredItem), String> {
    let id: ExpenseId = r.id.parse()?;
    let date = chrono::NaiveDate::parse_from_str(&r.date, "%Y-%m-%d")
        .map_err(|e| format!("date '{}': {e}", r.date))?;
    use chrono::Datelike;
    if !(1..=9999).contains(&date.year()) {
        return Err(format!("date '{}' is outside years 1-9999", r.date));
    }
    let currency = Currency::parse(&r.currency).map_err(|e| format!("currency: {e}"))?;
    if let Some(why) = crate::domain::expense::refused_sign(r.kind, r.minor) {
        return Err(format!("minor {}: {why}", r.minor));
    }
    let shown = format_plain(r.minor, currency);
    if shown != r.amount {
        return Err(format!(
            "amount '{}' disagrees with minor {} ({shown} {})",
            r.amount, r.minor, r.currency
        ));
    }
    if r.version == 0 {
        return Err("version 0 (versions start at 1)".into());
    }
    for (what, s) in [("category", &r.category), ("payee", &r.payee)] {
        if s.len() > usize::from(u16::MAX) {
            return Err(format!("the {what} is longer than 65535 bytes"));
        }
    }
    Ok((
        id,
        StoredItem {
            date: date_u32(date),
            amount: r.minor,
            currency: currency.bytes(),
            category: r.category.clone(),
            payee: r.payee.clone(),
            note: r.note.clone(),
            tags: r.tags.clone(),
            kind: kind_byte(r.kind),
            created: r.created,
            updated: r.updated,
            version: r.version,
            last_seq: 0,
        },
    ))
}

/// The id text at the start of an expense line as this module writes it, if it is one.
pub(super) fn line_id(line: &str) -> Option<&str> {
    line.strip_prefix(r#"{"type":"expense","id":""#)?.get(..26)
}

/// The `schedule` line of a schedule's stored image (`store/schedule.rs`).
pub(super) fn schedule_record(
    id: ExpenseId,
    img: &StoredItem,
    tree: &str,
) -> Result<ScheduleRecord, StoreError> {
    let key = id.to_bytes();
    let s = super::super::schedule::from_image(id, img, tree, &key)?
        .ok_or_else(|| super::super::error::corrupt(tree, &key, "not a schedule"))?;
    // The expense and the rule in parts as the stream writes them; the state by number.
    let row = crate::domain::schedule_row::ScheduleRow::of(&s);
    Ok(ScheduleRecord {
        id: id.to_string(),
        amount: row.amount,
        minor: s.template.amount,
        currency: row.currency,
        category: row.category,
        payee: row.payee,
        note: row.note,
        tags: row.tags,
        kind: s.template.kind,
        unit: row.unit,
        every: row.every,
        on: row.on,
        start: row.start,
        end: row.end,
        count: row.count,
        confirm: s.confirm,
        paused: s.paused,
        state: ScheduleState {
            next: s.next,
            done: s.done.clone(),
            moved: s.moved.iter().map(|(k, d)| (*k, d.to_string())).collect(),
        },
        version: s.version,
        created: img.created,
        updated: img.updated,
    })
}

/// The stored image of a `schedule` line (with `last_seq` 0), or why it is invalid: the same
/// rules as a schedule saved by hand (`Store::save_schedule`), and a state that lies within
/// the rule.
pub(super) fn stored_schedule(r: &ScheduleRecord) -> Result<(ExpenseId, StoredItem), String> {
    use crate::domain::schedule::{End, Every, MonthDay, Rule, Schedule};
    let id: ExpenseId = r.id.parse()?;
    if !super::super::schedule::is_schedule_id(id.0) {
        return Err(format!("{} is not a schedule's id", r.id));
    }
    let day = |what: &str, s: &str| {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("{what} '{s}': {e}"))
    };
    let start = day("start", &r.start)?;
    let on = || match &r.on {
        Some(d) => MonthDay::parse(d).map_err(|e| e.to_string()),
        None => Err("a monthly schedule needs 'on'".to_string()),
    };
    let every = match r.unit.as_str() {
        "day" => Every::Days(r.every),
        "week" => Every::Weeks(r.every),
        "month" => Every::Months(r.every, on()?),
        "year" => Every::Years(r.every),
        other => return Err(format!("unit '{other}' is not day, week, month or year")),
    };
    let end = match (&r.end, r.count) {
        (None, None) => End::Never,
        (Some(e), None) => End::On(day("end", e)?),
        (None, Some(c)) => End::After(c),
        (Some(_), Some(_)) => {
            return Err("a schedule ends on a date or after a count, not both".into())
        }
    };
    let rule = Rule::new(start, every, end).map_err(|e| e.to_string())?;
    let currency = Currency::parse(&r.currency).map_err(|e| format!("currency: {e}"))?;
    let shown = format_plain(r.minor, currency);
    if shown != r.amount {
        return Err(format!(
            "amount '{}' disagrees with minor {} ({shown} {})",
            r.amount, r.minor, r.currency
        ));
    }
    if r.version == 0 {
        return Err("version 0 (versions start at 1)".into());
    }
    let template = crate::domain::Draft {
        date: start,
        amount: r.minor,
        currency,
        category: r.category.clone(),
        payee: r.payee.clone(),
        note: r.note.clone(),
        tags: r.tags.clone(),
        kind: r.kind,
    };
    super::super::write::check_draft(&template).map_err(|e| e.to_string())?;
    let mut moved = Vec::with_capacity(r.state.moved.len());
    for (k, d) in &r.state.moved {
        moved.push((*k, day("moved day", d)?));
    }
    let ascending = |v: &[u32]| v.windows(2).all(|w| w[0] < w[1]);
    let ks: Vec<u32> = moved.iter().map(|m| m.0).collect();
    if !ascending(&r.state.done)
        || r.state.done.first().is_some_and(|d| *d <= r.state.next)
        || !ascending(&ks)
    {
        return Err("the handled and moved occurrences are not in order after 'next'".into());
    }
    let s = Schedule {
        id,
        template,
        rule,
        confirm: r.confirm,
        paused: r.paused,
        next: r.state.next,
        done: r.state.done.clone(),
        moved,
        version: r.version,
    };
    Ok((
        id,
        super::super::schedule::image(&s, r.created, r.updated, 0),
    ))
}
