//! The plain record format (the default): one record as the JSON line `expense stream` prints and
//! user triggers receive, shaped like a DynamoDB Streams record (its envelope, with keys and
//! images as plain `list --json` rows; a budget's as `budget:CATEGORY` and a schedule's as
//! `schedule:ULID`, typed items) so existing tooling and habits carry over; the exact
//! DynamoDB format is `stream_dynamodb.rs`, and `stream_format.rs` chooses. Written by hand for
//! speed (200k+ records a second); a property test holds it to the serde shapes. Knows no
//! command line: `cli::stream` and the triggers choose the view.

use crate::domain::money::push_plain;
use crate::domain::schedule_row::{schedule_key, ScheduleRow};
pub use crate::domain::stream::View;
use crate::domain::trash::TrashMark;
use crate::domain::ExpenseView;
use crate::store::{ChangeRecord, ChangeView, Event, Images};
use chrono::{Datelike, NaiveDate};

/// The images `view` asks the store for.
pub fn images(view: View) -> Images {
    Images {
        new: view.has_new(),
        old: view.has_old(),
    }
}

/// One record of the stream labelled `label` as the JSON `expense stream` prints (without the
/// newline); triggers send the same.
pub fn record_json(r: &ChangeRecord, label: &str, view: View) -> serde_json::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(512);
    write_record(&mut buf, label, &r.view(), view)?;
    Ok(buf)
}

/// Appends one record of the stream labelled `label`, DynamoDB Streams style, to `buf` (no
/// newline): `eventID` (`LABEL/SEQ-ULID`: unique across restores, and the part before the last
/// `-` is a checkpoint `expense stream --since` takes), `eventName`,
/// `eventVersion`, `eventSource`, `origin`, and `dynamodb` with `ApproximateCreationDateTime`
/// (seconds), `Keys`, the images of `view` (each shaped like `list --json`'s rows), a fixed-width
/// `SequenceNumber` (so the strings sort like the numbers, as DynamoDB's do) and
/// `StreamViewType`. Written by hand rather than through serde structs: this runs 200k+ times a
/// second, and per-record strings were most of the cost; a test holds it to the serde shapes.
pub fn write_record(
    buf: &mut Vec<u8>,
    label: &str,
    r: &ChangeView<'_>,
    view: View,
) -> serde_json::Result<()> {
    let mut id_text = [0u8; 26];
    let id = r.id.encode(&mut id_text).as_bytes();
    let mut num = itoa::Buffer::new();
    buf.extend_from_slice(b"{\"eventID\":");
    // A label is `YYYY-MM-DDTHH:MM:SS.mmm`; anything else is quoted properly, slowly.
    if label
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
    {
        buf.push(b'"');
        buf.extend_from_slice(label.as_bytes());
    } else {
        let quoted = serde_json::to_vec(label)?;
        buf.extend_from_slice(&quoted[..quoted.len() - 1]);
    }
    buf.push(b'/');
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
    let images = images(view);
    if let Some(b) = &r.budget {
        // A budget item: its key is `budget:CATEGORY`.
        let key = budget_key(b.category);
        buf.extend_from_slice(b",\"Keys\":{\"id\":");
        serde_json::to_writer(&mut *buf, &key)?;
        buf.push(b'}');
        for (name, limit) in [("NewImage", b.new), ("OldImage", b.old)] {
            let wanted = if name == "NewImage" {
                images.new
            } else {
                images.old
            };
            if let Some(l) = limit.filter(|_| wanted) {
                buf.extend_from_slice(format!(",\"{name}\":").as_bytes());
                write_budget(buf, &key, b.category, &l)?;
            }
        }
    } else if let Some(s) = &r.schedule {
        // A schedule item: its key is `schedule:ULID`, its images typed rows (`ScheduleRow`).
        buf.extend_from_slice(b",\"Keys\":{\"id\":");
        serde_json::to_writer(&mut *buf, &schedule_key(r.id))?;
        buf.push(b'}');
        if let Some(new) = s.new.filter(|_| images.new) {
            buf.extend_from_slice(b",\"NewImage\":");
            serde_json::to_writer(&mut *buf, &ScheduleRow::of(new))?;
        }
        if let Some(old) = s.old.filter(|_| images.old) {
            buf.extend_from_slice(b",\"OldImage\":");
            serde_json::to_writer(&mut *buf, &ScheduleRow::of(old))?;
        }
    } else {
        buf.extend_from_slice(b",\"Keys\":{\"id\":\"");
        buf.extend_from_slice(id);
        buf.extend_from_slice(b"\"}");
        if let Some(new) = r.new.as_ref().filter(|_| images.new) {
            buf.extend_from_slice(b",\"NewImage\":");
            write_image(buf, id, new, r.new_trash)?;
        }
        if let Some(old) = r.old.as_ref().filter(|_| images.old) {
            buf.extend_from_slice(b",\"OldImage\":");
            write_image(buf, id, old, r.old_trash)?;
        }
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

/// The key text of a budget item: `budget:CATEGORY`.
pub fn budget_key(category: &str) -> String {
    format!("budget:{category}")
}

/// A budget's image: `{"id":"budget:food","type":"budget","category":"food","amount":"200.00",
/// "currency":"EUR","version":2}`.
fn write_budget(
    buf: &mut Vec<u8>,
    key: &str,
    category: &str,
    l: &crate::domain::budget::Limit,
) -> serde_json::Result<()> {
    buf.extend_from_slice(b"{\"id\":");
    serde_json::to_writer(&mut *buf, key)?;
    buf.extend_from_slice(b",\"type\":\"budget\",\"category\":");
    serde_json::to_writer(&mut *buf, category)?;
    buf.extend_from_slice(b",\"amount\":\"");
    push_plain(buf, l.amount, l.currency);
    buf.extend_from_slice(b"\",\"currency\":\"");
    buf.extend_from_slice(l.currency.code().as_bytes());
    buf.extend_from_slice(b"\",\"version\":");
    buf.extend_from_slice(itoa::Buffer::new().format(l.version).as_bytes());
    buf.push(b'}');
    Ok(())
}

/// An image as `list --json` writes an expense ([`crate::domain::ExpenseRow`]'s fields, in its
/// order); `id` is its ULID text. An image in the trash ends with `deleted_at` and `expires_at`
/// (Unix ms), as DynamoDB's time-to-live attribute marks an item.
fn write_image(
    buf: &mut Vec<u8>,
    id: &[u8],
    e: &ExpenseView<'_>,
    trash: Option<TrashMark>,
) -> serde_json::Result<()> {
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
    if let Some(m) = trash {
        let mut num = itoa::Buffer::new();
        buf.extend_from_slice(b",\"deleted_at\":");
        buf.extend_from_slice(num.format(m.deleted_at).as_bytes());
        buf.extend_from_slice(b",\"expires_at\":");
        buf.extend_from_slice(num.format(m.expires_at).as_bytes());
    }
    buf.push(b'}');
    Ok(())
}

/// `YYYY-MM-DD`, as chrono's `%Y-%m-%d` writes it.
pub(super) fn push_date(buf: &mut Vec<u8>, d: NaiveDate) {
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

    const LABEL: &str = "2026-12-01T10:00:00.000";

    /// What the serde shapes give for a record: the contract the hand-written JSON keeps.
    fn expected(r: &ChangeRecord, view: View) -> Value {
        let mut body = serde_json::Map::new();
        body.insert(
            "ApproximateCreationDateTime".into(),
            json!(r.at.div_euclid(1000)),
        );
        body.insert("Keys".into(), json!({ "id": r.id.to_string() }));
        let images = images(view);
        if let Some(n) = r.new.as_ref().filter(|_| images.new) {
            body.insert("NewImage".into(), serde_json::to_value(n.to_row()).unwrap());
        }
        if let Some(o) = r.old.as_ref().filter(|_| images.old) {
            body.insert("OldImage".into(), serde_json::to_value(o.to_row()).unwrap());
        }
        body.insert("SequenceNumber".into(), json!(format!("{:020}", r.seq)));
        body.insert("StreamViewType".into(), json!(view.name()));
        json!({
            "eventID": format!("{LABEL}/{}-{}", r.seq, r.id),
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
                old_trash: None,
                new_trash: None,
                budget: None,
                schedule: None,
            };
            for view in [View::KeysOnly, View::NewImage, View::OldImage, View::NewAndOldImages] {
                let bytes = record_json(&r, LABEL, view).unwrap();
                let parsed: Value = serde_json::from_slice(&bytes).unwrap();
                prop_assert_eq!(parsed, expected(&r, view));
            }
        }
    }

    #[test]
    fn event_ids_carry_the_label_quoted_whatever_it_holds() {
        let e = expense(
            7,
            NaiveDate::from_ymd_opt(2026, 3, 4).unwrap(),
            5,
            Currency::EUR,
            "x",
        );
        let r = ChangeRecord {
            seq: 9,
            event: Event::Insert,
            at: 0,
            origin: Origin::User,
            id: e.id,
            old: None,
            new: Some(e.clone()),
            batch: None,
            old_trash: None,
            new_trash: None,
            budget: None,
            schedule: None,
        };
        for label in [LABEL, "odd \"label\"\\", ""] {
            let v: Value =
                serde_json::from_slice(&record_json(&r, label, View::KeysOnly).unwrap()).unwrap();
            assert_eq!(v["eventID"], format!("{label}/9-{}", e.id));
        }
    }

    /// A schedule (an item of its own key space, like a budget) is keyed `schedule:ULID` and its
    /// images are typed rows: the expense's fields, the rule in words and parts, the state.
    #[test]
    fn a_schedule_is_a_typed_item_keyed_by_its_id() {
        use crate::domain::schedule::{End, Every, MonthDay, Rule, Schedule, ScheduleChange};
        let day = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
        let rule = Rule::new(
            day,
            Every::Months(1, MonthDay::Last),
            End::On(day + chrono::Duration::days(365)),
        )
        .unwrap();
        let mut old = Schedule::new(
            ExpenseId(0xFFFE << 112 | 9),
            Draft::sample(day, -1250, "food", "Lidl"),
            rule,
            true,
        );
        old.version = 1;
        let mut new = old.clone();
        new.mark_handled(0);
        new.version = 2;
        let r = ChangeRecord {
            seq: 4,
            event: Event::Modify,
            at: 1_000,
            origin: Origin::Schedule,
            id: old.id,
            old: None,
            new: None,
            batch: Some(3),
            old_trash: None,
            new_trash: None,
            budget: None,
            schedule: Some(ScheduleChange {
                old: Some(old.clone()),
                new: Some(new.clone()),
            }),
        };
        let key = format!("schedule:{}", old.id);
        for view in [
            View::KeysOnly,
            View::NewImage,
            View::OldImage,
            View::NewAndOldImages,
        ] {
            let v: Value = serde_json::from_slice(&record_json(&r, LABEL, view).unwrap()).unwrap();
            let db = &v["dynamodb"];
            assert_eq!(db["Keys"], json!({ "id": key }));
            assert_eq!(v["origin"], "schedule");
            assert_eq!(db.get("NewImage").is_some(), view.has_new());
            assert_eq!(db.get("OldImage").is_some(), view.has_old());
        }
        let v: Value =
            serde_json::from_slice(&record_json(&r, LABEL, View::NewAndOldImages).unwrap())
                .unwrap();
        let img = &v["dynamodb"]["NewImage"];
        assert_eq!(
            *img,
            json!({
                "id": key,
                "type": "schedule",
                "amount": "-12.50",
                "currency": "EUR",
                "category": "food",
                "payee": "Lidl",
                "note": "",
                "tags": [],
                "kind": "expense",
                "rule": "every month on the last day from 2026-01-31 until 2027-01-31",
                "unit": "month",
                "every": 1,
                "on": "last",
                "start": "2026-01-31",
                "end": "2027-01-31",
                "confirm": true,
                "paused": false,
                "next": "2026-02-28",
                "version": 2
            })
        );
        assert_eq!(v["dynamodb"]["OldImage"]["next"], "2026-01-31");
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
        write_image(&mut buf, b"ID", &e.view(), None).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(
            text.starts_with(r#"{"id":"ID","date":"0987-03-04","amount":"0.005","currency":"KWD""#),
            "{text}"
        );
    }
}
