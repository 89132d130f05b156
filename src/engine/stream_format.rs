//! Which record format a reader of the stream gets: [`RecordWriter`] picks the plain format
//! (`stream_json.rs`) or DynamoDB's (`stream_dynamodb.rs`) once per stream and view, for
//! `expense stream` and the triggers alike, so both write byte-identical records. Rule: the
//! formats know only records and their [`StreamSource`]; the store's label is read here.

use super::stream_dynamodb::DynamoDbWriter;
use super::stream_json::{self, images};
use crate::domain::stream::{Format, StreamSource, View};
use crate::domain::trigger::TriggerSpec;
use crate::store::{ChangeRecord, ChangeView, Images, Store, StoreError};

/// Writes the records of one stream in one format and view.
#[derive(Debug, Clone)]
pub struct RecordWriter {
    view: View,
    how: How,
}

#[derive(Debug, Clone)]
enum How {
    Plain { label: String },
    DynamoDb(DynamoDbWriter),
}

impl RecordWriter {
    /// A writer for records of `source`'s stream.
    pub fn new(format: Format, view: View, source: &StreamSource) -> RecordWriter {
        let how = match format {
            Format::Plain => How::Plain {
                label: source.label.clone(),
            },
            Format::DynamoDb => How::DynamoDb(DynamoDbWriter::new(view, source)),
        };
        RecordWriter { view, how }
    }

    /// The images to ask the store for.
    pub fn images(&self) -> Images {
        images(self.view)
    }

    /// Appends one record to `buf` (no newline).
    pub fn write(&self, buf: &mut Vec<u8>, r: &ChangeView<'_>) -> serde_json::Result<()> {
        match &self.how {
            How::Plain { label } => stream_json::write_record(buf, label, r, self.view),
            How::DynamoDb(w) => w.write(buf, r),
        }
    }
}

/// The source of `store`'s stream: `region` (config `[stream] region`) and the store's label.
pub fn source_of(store: &Store, region: &str) -> Result<StreamSource, StoreError> {
    Ok(StreamSource {
        region: region.to_string(),
        label: store.stream_label()?,
    })
}

/// `specs` with the label of `store`'s stream filled in (their region comes from config): what
/// the deliverer is handed, so each trigger's records name the stream they come from.
pub fn for_store(store: &Store, specs: &[TriggerSpec]) -> Result<Vec<TriggerSpec>, StoreError> {
    let label = store.stream_label()?;
    Ok(specs.iter().map(|s| labelled(s, &label)).collect())
}

/// [`for_store`] for one trigger.
pub fn one_for_store(store: &Store, spec: &TriggerSpec) -> Result<TriggerSpec, StoreError> {
    Ok(labelled(spec, &store.stream_label()?))
}

fn labelled(spec: &TriggerSpec, label: &str) -> TriggerSpec {
    let mut spec = spec.clone();
    spec.source.label = label.to_string();
    spec
}

/// One record as trigger `spec` receives it (its format and view), without the newline.
pub fn trigger_record(spec: &TriggerSpec, r: &ChangeRecord) -> serde_json::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(768);
    RecordWriter::new(spec.format, spec.view, &spec.source).write(&mut buf, &r.view())?;
    Ok(buf)
}

/// A batch of records as a Lambda receives it, `{"Records":[...]}` (without the newline), in
/// trigger `spec`'s format and view: what a trigger with a batch size hands its command.
pub fn trigger_batch(spec: &TriggerSpec, records: &[ChangeRecord]) -> serde_json::Result<Vec<u8>> {
    let writer = RecordWriter::new(spec.format, spec.view, &spec.source);
    let mut buf = Vec::with_capacity(16 + 768 * records.len());
    buf.extend_from_slice(b"{\"Records\":[");
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        writer.write(&mut buf, &r.view())?;
    }
    buf.extend_from_slice(b"]}");
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Draft, Expense, ExpenseId};
    use crate::store::{Event, Origin};
    use serde_json::Value;

    fn spec(format: Format) -> TriggerSpec {
        TriggerSpec {
            view: View::NewAndOldImages,
            format,
            source: StreamSource {
                region: "local".into(),
                label: "2026-12-01T10:00:00.000".into(),
            },
            max_attempts: 1,
            timeout: std::time::Duration::from_secs(1),
            ..TriggerSpec::new("t", "cat")
        }
    }

    fn record(seq: u64) -> ChangeRecord {
        let e = Expense {
            id: ExpenseId(u128::from(seq)),
            draft: Draft::sample(
                chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                1250,
                "food",
                "Lidl",
            ),
            created: 0,
            updated: 0,
            version: 1,
        };
        ChangeRecord {
            seq,
            event: Event::Insert,
            at: 0,
            origin: Origin::User,
            id: e.id,
            old: None,
            new: Some(e),
            batch: None,
            old_trash: None,
            new_trash: None,
            budget: None,
            schedule: None,
        }
    }

    #[test]
    fn a_batch_is_the_lambda_event_of_the_single_records() {
        let records = [record(1), record(2), record(3)];
        for format in Format::ALL {
            let spec = spec(format);
            let batch: Value =
                serde_json::from_slice(&trigger_batch(&spec, &records).unwrap()).unwrap();
            let singles: Vec<Value> = records
                .iter()
                .map(|r| serde_json::from_slice(&trigger_record(&spec, r).unwrap()).unwrap())
                .collect();
            assert_eq!(batch, serde_json::json!({ "Records": singles }));
            let want = match format {
                Format::Plain => "expense-tracker",
                Format::DynamoDb => "aws:dynamodb",
            };
            assert_eq!(batch["Records"][2]["eventSource"], want);
        }
        let empty = trigger_batch(&spec(Format::DynamoDb), &[]).unwrap();
        assert_eq!(empty, br#"{"Records":[]}"#);
    }
}
