//! What the benchmark files share: the demo stores of 10k, 100k and 1M expenses (generated
//! once into target/bench-data/ and reused), the sizes to run, the day they are seen from.
#![allow(dead_code)]

use expense_tracker::cli::demo;
use expense_tracker::domain::Currency;
use expense_tracker::store::{Origin, Store};
use std::path::{Path, PathBuf};

/// The day every benchmark is seen from.
pub const TODAY: (i32, u32, u32) = (2026, 11, 21);

/// [`TODAY`] as a date.
pub fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(TODAY.0, TODAY.1, TODAY.2).expect("valid date")
}

/// Sizes to run: all three by default, or the ones named in EXPENSE_BENCH_SIZES ("10k,100k").
pub fn sizes() -> Vec<(&'static str, usize)> {
    let all = [("10k", 10_000), ("100k", 100_000), ("1m", 1_000_000)];
    let wanted = std::env::var("EXPENSE_BENCH_SIZES").unwrap_or_else(|_| "10k,100k,1m".into());
    all.into_iter()
        .filter(|(n, _)| wanted.split(',').any(|w| w == *n))
        .collect()
}

/// The store for `count` demo expenses, generated on first use.
pub fn bench_store(name: &str, count: usize) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-data")
        .join(name);
    let done = dir.join("complete");
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        let store = Store::open(&dir.join("store")).expect("open bench store");
        let drafts = demo::generate(
            count,
            demo::default_months(count),
            7,
            today(),
            Currency::EUR,
        );
        for chunk in drafts.chunks(50_000) {
            store
                .put_batch(chunk.to_vec(), Origin::Demo, 0)
                .expect("fill bench store");
        }
        store.flush().expect("flush");
        drop(store);
        std::fs::write(&done, b"ok").expect("mark complete");
    }
    dir.join("store")
}

/// A copy of the store at `from` and its high-water mark at `to`, replacing what was there.
pub fn copy_store(from: &Path, to: &Path) {
    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("create store copy");
        for entry in std::fs::read_dir(from).expect("read store dir") {
            let entry = entry.expect("store dir entry");
            let target = to.join(entry.file_name());
            if entry.file_type().expect("file type").is_dir() {
                copy_dir(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).expect("copy store file");
            }
        }
    }
    let _ = std::fs::remove_dir_all(to);
    copy_dir(from, to);
    let mark = expense_tracker::store::mark::mark_path(from);
    if mark.exists() {
        std::fs::copy(&mark, expense_tracker::store::mark::mark_path(to)).expect("copy mark");
    }
}
