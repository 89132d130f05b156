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
    Ok(specs
        .iter()
        .map(|s| {
            let mut s = s.clone();
            s.source.label = label.clone();
            s
        })
        .collect())
}

/// One record as trigger `spec` receives it (its format and view), without the newline.
pub fn trigger_record(spec: &TriggerSpec, r: &ChangeRecord) -> serde_json::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(768);
    RecordWriter::new(spec.format, spec.view, &spec.source).write(&mut buf, &r.view())?;
    Ok(buf)
}
