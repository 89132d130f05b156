//! One run of a trigger's command: the records of a batch encoded in ONE place
//! ([`encode_batch`]), handed to `sh -c` on stdin, with a timeout per run. Knows nothing of
//! checkpoints; `worker.rs` decides what to hand over and what the answer means.

use super::TriggerSpec;
use crate::store::ChangeRecord;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Bytes of a failing command's stderr kept in its error message.
const STDERR_TAIL: usize = 300;

/// The bytes `spec`'s command reads on stdin for `records`: with `batch_size` 1 the one record
/// as `expense stream` prints it (what triggers always received), above 1
/// `{"Records": [...]}` as a Lambda receives a DynamoDB Streams batch. One line either way.
pub fn encode_batch(spec: &TriggerSpec, records: &[ChangeRecord]) -> Result<Vec<u8>, String> {
    use crate::engine::stream_format::{trigger_batch, trigger_record};
    let mut out = match records {
        [one] if spec.batch_size == 1 => trigger_record(spec, one)
            .map_err(|e| format!("cannot encode record {}: {e}", one.seq))?,
        _ => trigger_batch(spec, records).map_err(|e| {
            let first = records.first().map_or(0, |r| r.seq);
            format!("cannot encode the batch from record {first}: {e}")
        })?,
    };
    out.push(b'\n');
    Ok(out)
}

/// Runs `spec`'s command with `records` (in order, at least one) on stdin. `Err` says why it
/// failed (exit status and the tail of its stderr, a timeout, or a failure to start).
///
/// The command sees `EXPENSE_TRIGGER`, `EXPENSE_SEQ` (the first record's seq),
/// `EXPENSE_LAST_SEQ`, `EXPENSE_RECORDS` (how many), `EXPENSE_ATTEMPT` and `EXPENSE_REDELIVERY`
/// (1 when the batch may have been handed over before, by a process that died).
pub fn deliver(
    spec: &TriggerSpec,
    records: &[ChangeRecord],
    attempt: u32,
    redelivery: bool,
) -> Result<(), String> {
    let (Some(first), Some(last)) = (records.first(), records.last()) else {
        return Ok(());
    };
    let input = encode_batch(spec, records)?;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(&spec.command)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .env("EXPENSE_TRIGGER", &spec.name)
        .env("EXPENSE_SEQ", first.seq.to_string())
        .env("EXPENSE_LAST_SEQ", last.seq.to_string())
        .env("EXPENSE_RECORDS", records.len().to_string())
        .env("EXPENSE_ATTEMPT", attempt.to_string())
        .env("EXPENSE_REDELIVERY", if redelivery { "1" } else { "0" })
        .spawn()
        .map_err(|e| format!("cannot start sh: {e}"))?;
    // Separate threads, so a command that reads nothing or writes a lot cannot block us.
    let writer = child.stdin.take().map(|mut stdin| {
        std::thread::spawn(move || {
            // A command that exits without reading its input is its own business.
            let _ = stdin.write_all(&input);
        })
    });
    let reader = child.stderr.take().map(|mut stderr| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stderr.read_to_end(&mut buf);
            buf
        })
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if started.elapsed() >= spec.timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!(
                    "timed out after {} s and was killed",
                    spec.timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => break Err(format!("waiting for the command: {e}")),
        }
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    // A command that left a background child holding stderr open must not hold us: after a
    // timeout the reader is left to finish on its own.
    let stderr = match (&status, reader) {
        (Ok(_), Some(r)) => r.join().unwrap_or_default(),
        _ => Vec::new(),
    };
    let status = status?;
    if status.success() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&stderr);
    let text = text.trim();
    let tail: String = {
        let start = text
            .char_indices()
            .rev()
            .nth(STDERR_TAIL)
            .map_or(0, |(i, _)| i);
        crate::domain::text::inert(&text[start..]).replace('\n', " ")
    };
    let how = match status.code() {
        Some(code) => format!("exit status {code}"),
        None => "killed by a signal".to_string(),
    };
    Err(if tail.is_empty() {
        how
    } else {
        format!("{how}: {tail}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Draft;
    use crate::store::Origin;
    use crate::store::Store;

    fn records(n: usize) -> Vec<ChangeRecord> {
        let store = Store::open_temporary().expect("store");
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).expect("date");
        (0..n)
            .map(|i| {
                let d = Draft::sample(day, 100 + i as i64, "food", "Lidl");
                store.put(d, Origin::User, 1).expect("put")
            })
            .collect()
    }

    #[test]
    fn one_record_alone_and_batches_as_lambda_records() {
        let rs = records(3);
        let one = TriggerSpec::new("a", "cat");
        let text = encode_batch(&one, &rs[..1]).expect("encode");
        let v: serde_json::Value = serde_json::from_slice(&text).expect("json");
        assert_eq!(v["eventName"], "INSERT", "{v}");
        assert_eq!(text.last(), Some(&b'\n'));
        let many = TriggerSpec {
            batch_size: 10,
            ..one
        };
        let v: serde_json::Value =
            serde_json::from_slice(&encode_batch(&many, &rs).expect("encode")).expect("json");
        let seqs: Vec<u64> = v["Records"]
            .as_array()
            .expect("Records")
            .iter()
            .map(|r| {
                r["dynamodb"]["SequenceNumber"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
            })
            .collect::<Option<_>>()
            .expect("seqs");
        assert_eq!(seqs, [1, 2, 3]);
        // A batch of one of a batching trigger keeps the batch shape.
        let v: serde_json::Value =
            serde_json::from_slice(&encode_batch(&many, &rs[..1]).expect("encode")).expect("json");
        assert_eq!(v["Records"].as_array().map(Vec::len), Some(1));
    }
}
