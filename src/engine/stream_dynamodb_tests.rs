//! Tests of `engine/stream_dynamodb.rs`: the hand-written records equal the AttributeValue
//! shapes built independently from the serde rows (expenses and schedules), TTL marks,
//! `SizeBytes` by DynamoDB's rule, event ids.

use super::*;
use crate::domain::{Currency, Draft, Expense, ExpenseId, Kind};
use crate::store::ChangeRecord;
use chrono::NaiveDate;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const LABEL: &str = "2026-12-01T10:00:00.000";

fn source() -> StreamSource {
    StreamSource {
        region: "eu-west-1".into(),
        label: LABEL.into(),
    }
}

fn expense(id: u128, days: i64, amount: i64, currency: Currency, text: &str) -> Expense {
    Expense {
        id: ExpenseId(id),
        draft: Draft {
            date: NaiveDate::from_ymd_opt(1, 1, 1).unwrap() + chrono::Duration::days(days),
            amount,
            currency,
            category: format!("food:{text}"),
            payee: text.to_string(),
            note: format!("{text}\n\"{text}\"\\"),
            tags: if amount % 3 == 0 {
                Vec::new()
            } else {
                vec![text.to_string(), "x".into()]
            },
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

/// The image as AttributeValues, built from the serde row (an independent spelling).
fn image(e: &Expense, mark: Option<TrashMark>) -> Value {
    let row = e.to_row();
    let mut m = Map::new();
    for (k, v) in [
        ("id", &row.id),
        ("date", &row.date),
        ("currency", &row.currency),
        ("category", &row.category),
        ("payee", &row.payee),
        ("note", &row.note),
        ("kind", &row.kind),
    ] {
        m.insert(k.into(), json!({ "S": v }));
    }
    m.insert("amount".into(), json!({ "N": row.amount }));
    m.insert("version".into(), json!({ "N": row.version.to_string() }));
    if !row.tags.is_empty() {
        m.insert("tags".into(), json!({ "SS": row.tags }));
    }
    if let Some(t) = mark {
        let secs = |ms: i64, up: bool| {
            (ms as f64 / 1000.0).floor() as i64 + i64::from(up && ms % 1000 != 0)
        };
        m.insert(
            "deleted_at".into(),
            json!({ "N": secs(t.deleted_at, false).to_string() }),
        );
        m.insert(
            "expires_at".into(),
            json!({ "N": secs(t.expires_at, true).to_string() }),
        );
    }
    Value::Object(m)
}

/// DynamoDB's size of an AttributeValue map, from the JSON.
fn size_of(map: &Value) -> u64 {
    map.as_object()
        .unwrap()
        .iter()
        .map(|(name, v)| {
            let (t, v) = v.as_object().unwrap().iter().next().unwrap();
            let value = match t.as_str() {
                "S" => v.as_str().unwrap().len(),
                "SS" => v
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().len())
                    .sum(),
                "BOOL" => {
                    assert!(v.is_boolean());
                    1
                }
                "N" => {
                    let digits: String = v
                        .as_str()
                        .unwrap()
                        .chars()
                        .filter(char::is_ascii_digit)
                        .collect();
                    let sig = digits.trim_start_matches('0').trim_end_matches('0').len();
                    if sig == 0 {
                        1
                    } else {
                        sig.div_ceil(2) + 1
                    }
                }
                other => panic!("type {other}"),
            };
            (name.len() + value) as u64
        })
        .sum()
}

fn expected(r: &ChangeRecord, view: View) -> Value {
    let keys = json!({ "id": { "S": r.id.to_string() } });
    let mut size = size_of(&keys);
    let mut body = Map::new();
    body.insert(
        "ApproximateCreationDateTime".into(),
        json!(r.at.div_euclid(1000)),
    );
    body.insert("Keys".into(), keys);
    if let Some(n) = r.new.as_ref().filter(|_| view.has_new()) {
        let img = image(n, r.new_trash);
        size += size_of(&img);
        body.insert("NewImage".into(), img);
    }
    if let Some(o) = r.old.as_ref().filter(|_| view.has_old()) {
        let img = image(o, r.old_trash);
        size += size_of(&img);
        body.insert("OldImage".into(), img);
    }
    body.insert("SequenceNumber".into(), json!(format!("{:021}", r.seq)));
    body.insert("SizeBytes".into(), json!(size));
    body.insert("StreamViewType".into(), json!(view.name()));
    let mut rec = json!({
        "eventName": r.event.to_string(),
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "eu-west-1",
        "eventSourceARN": format!(
            "arn:aws:dynamodb:eu-west-1:000000000000:table/expenses/stream/{LABEL}"
        ),
        "dynamodb": Value::Object(body),
        "origin": r.origin.name(),
    });
    if r.event == Event::Remove && r.origin == Origin::Ttl {
        rec["userIdentity"] = json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"});
    }
    rec
}

fn write(r: &ChangeRecord, view: View) -> Value {
    let mut buf = Vec::new();
    DynamoDbWriter::new(view, &source())
        .write(&mut buf, &r.view())
        .unwrap();
    serde_json::from_slice(&buf)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&buf)))
}

proptest! {
    #[test]
    fn hand_written_records_equal_the_attribute_value_shapes(
        id in any::<u128>(),
        seq in 1u64..u64::MAX,
        at in -10_000_000_000_000i64..10_000_000_000_000,
        days in 0i64..3_000_000,
        amount in 0i64..i64::MAX,
        cur in 0usize..4,
        text in "\\PC{0,12}|[\"\\\\\u{0}-\u{1f}\u{7f}é€😀]{0,6}",
        event in 0usize..3,
        origin in 0usize..8,
        deleted in -10_000_000_000_000i64..10_000_000_000_000,
        ttl in 0i64..10_000_000_000,
        marks in 0usize..4,
    ) {
        let currency = Currency::parse(["EUR", "JPY", "KWD", "USD"][cur]).unwrap();
        let a = expense(id, days, amount, currency, &text);
        let b = expense(id, days, amount / 3, currency, "b");
        let event = [Event::Insert, Event::Modify, Event::Remove][event];
        let mark = TrashMark { deleted_at: deleted, expires_at: deleted + ttl };
        let r = ChangeRecord {
            seq,
            event,
            at,
            origin: Origin::ALL[origin],
            id: ExpenseId(id),
            old: (event != Event::Insert).then(|| b.clone()),
            new: (event != Event::Remove).then(|| a.clone()),
            batch: None,
            old_trash: (marks & 1 != 0 && event != Event::Insert).then_some(mark),
            new_trash: (marks & 2 != 0 && event != Event::Remove).then_some(mark),
            budget: None,
            schedule: None,
        };
        for view in View::ALL {
            let mut got = write(&r, view);
            let id = got.as_object_mut().unwrap().remove("eventID").unwrap();
            let id = id.as_str().unwrap();
            prop_assert_eq!(id.len(), 32);
            prop_assert!(id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            prop_assert_eq!(got, expected(&r, view));
        }
    }
}

fn record(seq: u64, event: Event, origin: Origin) -> ChangeRecord {
    let e = expense(7, 740_000, 1250, Currency::EUR, "Lidl");
    ChangeRecord {
        seq,
        event,
        at: 1_764_583_200_123,
        origin,
        id: e.id,
        old: (event != Event::Insert).then(|| e.clone()),
        new: (event != Event::Remove).then(|| e.clone()),
        batch: None,
        old_trash: None,
        new_trash: None,
        budget: None,
        schedule: None,
    }
}

#[test]
fn a_delete_to_the_trash_carries_ttl_attributes_in_epoch_seconds() {
    let mut r = record(3, Event::Modify, Origin::User);
    r.new_trash = Some(TrashMark {
        deleted_at: 1_764_583_200_123,
        expires_at: 1_767_175_200_123,
    });
    let v = write(&r, View::NewAndOldImages);
    let new = &v["dynamodb"]["NewImage"];
    assert_eq!(new["deleted_at"], json!({"N": "1764583200"}));
    assert_eq!(new["expires_at"], json!({"N": "1767175201"}), "rounded up");
    assert!(v["dynamodb"]["OldImage"].get("deleted_at").is_none());
    assert!(
        v.get("userIdentity").is_none(),
        "a user's delete is not a TTL removal"
    );
}

#[test]
fn only_a_ttl_remove_is_the_dynamodb_service() {
    let mut ttl = record(4, Event::Remove, Origin::Ttl);
    ttl.old_trash = Some(TrashMark {
        deleted_at: 0,
        expires_at: 1000,
    });
    let v = write(&ttl, View::NewAndOldImages);
    assert_eq!(
        v["userIdentity"],
        json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"})
    );
    assert_eq!(v["dynamodb"]["OldImage"]["expires_at"], json!({"N": "1"}));
    assert!(v["dynamodb"].get("NewImage").is_none());
    for (event, origin) in [(Event::Remove, Origin::User), (Event::Modify, Origin::Ttl)] {
        assert!(write(&record(5, event, origin), View::KeysOnly)
            .get("userIdentity")
            .is_none());
    }
}

#[test]
fn amounts_keep_their_currency_scale_and_empty_tags_are_left_out() {
    for (code, minor, text) in [
        ("EUR", 1250, "12.50"),
        ("JPY", 1000, "1000"),
        ("KWD", 5, "0.005"),
    ] {
        let mut r = record(1, Event::Insert, Origin::Import);
        let e = r.new.as_mut().unwrap();
        e.draft.currency = Currency::parse(code).unwrap();
        e.draft.amount = minor;
        e.draft.tags.clear();
        let v = write(&r, View::NewImage);
        assert_eq!(v["dynamodb"]["NewImage"]["amount"], json!({ "N": text }));
        assert!(v["dynamodb"]["NewImage"].get("tags").is_none());
    }
}

/// A schedule's record: keyed `schedule:ULID`, its images valid AttributeValue maps (S, N,
/// SS, BOOL) holding what the plain format's typed row holds, absent parts and empty tags
/// left out, and `SizeBytes` by DynamoDB's rule over them.
#[test]
fn a_schedule_is_a_typed_item_of_attribute_values() {
    use crate::domain::schedule::{End, Every, Rule, Schedule, ScheduleChange};
    use crate::domain::schedule_row::ScheduleRow;
    let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let rule = Rule::new(day, Every::Weeks(2), End::After(10)).unwrap();
    let mut s = Schedule::new(
        ExpenseId(0xFFFE << 112 | 77),
        Draft::sample(day, 1000, "fun", "Gym"),
        rule,
        false,
    );
    s.template.currency = Currency::parse("JPY").unwrap();
    s.template.tags = vec!["sport".into(), "x".into()];
    s.paused = true;
    s.version = 3;
    let mut r = record(9, Event::Insert, Origin::User);
    r.id = s.id;
    r.new = None;
    r.schedule = Some(ScheduleChange {
        old: None,
        new: Some(s.clone()),
    });
    let v = write(&r, View::NewAndOldImages);
    let key = format!("schedule:{}", s.id);
    assert_eq!(v["dynamodb"]["Keys"], json!({"id": {"S": key}}));
    let img = &v["dynamodb"]["NewImage"];
    let row = serde_json::to_value(ScheduleRow::of(&s)).unwrap();
    // Every attribute is the row's value, typed.
    for (name, av) in img.as_object().unwrap() {
        let (t, val) = av.as_object().unwrap().iter().next().unwrap();
        let want = &row[name];
        match t.as_str() {
            "S" => assert_eq!(val, want, "{name}"),
            "N" => assert_eq!(val.as_str().unwrap(), want.to_string().trim_matches('"')),
            "SS" => assert_eq!(val, want, "{name}"),
            "BOOL" => assert_eq!(val, want, "{name}"),
            other => panic!("{name}: type {other}"),
        }
    }
    let have: Vec<&String> = img.as_object().unwrap().keys().collect();
    let mut want: Vec<&String> = row
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, _)| k)
        .collect();
    let mut have_sorted = have.clone();
    have_sorted.sort();
    want.sort();
    assert_eq!(have_sorted, want);
    assert_eq!(img["amount"], json!({"N": "1000"}));
    assert_eq!(img["count"], json!({"N": "10"}));
    assert_eq!(img["paused"], json!({"BOOL": true}));
    assert!(img.get("on").is_none() && img.get("end").is_none());
    assert!(v["dynamodb"].get("OldImage").is_none());
    let size = size_of(&v["dynamodb"]["Keys"]) + size_of(img);
    assert_eq!(v["dynamodb"]["SizeBytes"], json!(size));
    // No tags: no empty set.
    s.template.tags.clear();
    r.schedule = Some(ScheduleChange {
        old: Some(s.clone()),
        new: None,
    });
    r.event = Event::Remove;
    let v = write(&r, View::NewAndOldImages);
    assert!(v["dynamodb"]["OldImage"].get("tags").is_none());
    assert!(v["dynamodb"].get("NewImage").is_none());
    let keys_only = write(&r, View::KeysOnly);
    assert_eq!(keys_only["dynamodb"]["Keys"], json!({"id": {"S": key}}));
}

#[test]
fn size_bytes_gives_the_aws_documented_examples() {
    // AWS's stream examples: Keys {Id: N 101}; images {Message: S, Id: N 101}.
    let keys = "Id".len() + n_size(101);
    let new_item = "Message".len() + "New item!".len() + keys;
    let changed = "Message".len() + "This item has changed".len() + keys;
    assert_eq!(keys + new_item, 26, "the INSERT example");
    assert_eq!(keys + changed + new_item, 59, "the MODIFY example");
    assert_eq!(
        (n_size(0), n_size(5), n_size(1250), n_size(12345)),
        (1, 2, 3, 4)
    );
}

#[test]
fn event_ids_never_repeat_within_a_stream_nor_across_labels() {
    let a = fnv1a(LABEL.as_bytes());
    let b = fnv1a(b"2026-12-01T10:00:00.001");
    let mut seen = std::collections::HashSet::new();
    for seq in 0..20_000u64 {
        assert!(seen.insert(event_id(a, seq)));
        assert!(seen.insert(event_id(b, seq)));
    }
    assert_eq!(
        stream_arn("local", LABEL),
        format!("arn:aws:dynamodb:local:000000000000:table/expenses/stream/{LABEL}")
    );
}
