//! Sync benchmarks (issue 16), in process: the protocol's two sides (`engine::sync::client`
//! and `serve`) on a socket pair, over the demo stores of 10k, 100k and 1M expenses. What a
//! whole `expense sync` adds (two processes, the stores' opens, ssh's connection) is measured
//! from outside and written in benches/README.md next to these.
//!
//! - `first_into_empty`: a new device's store pulls a whole store (10k and 100k; 1M from
//!   outside, as one run takes a minute);
//! - `incremental_100`: 100 expenses added on one side since the last sync;
//! - `nothing_to_do`: two stores already in step.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use expense_tracker::domain::{Currency, Draft, Kind};
use expense_tracker::engine::sync::{client, serve, Report};
use expense_tracker::store::{Origin, Store};
use std::io::BufReader;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

mod common;
use common::{bench_store, copy_store, sizes, today};

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// One sync: `a` runs the client, `b` serves.
fn sync(a: &Store, b: &Store) -> Report {
    let (ca, cb) = UnixStream::pair().expect("socket pair");
    let served = b.clone();
    let server = std::thread::spawn(move || {
        let mut r = BufReader::new(cb.try_clone().expect("clone"));
        let mut w = cb;
        serve(&served, &mut r, &mut w, &now_ms)
    });
    let mut r = BufReader::new(ca.try_clone().expect("clone"));
    let mut w = ca;
    let report =
        client(a, &mut r, &mut w, Default::default(), "bench", &now_ms).expect("client side");
    server.join().expect("server thread").expect("server side");
    report
}

fn scratch(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-data/scratch-sync-{name}"))
}

fn draft(i: usize) -> Draft {
    Draft {
        date: today(),
        amount: 100 + i as i64,
        currency: Currency::EUR,
        category: "food:groceries".into(),
        payee: format!("Bench {i}"),
        note: String::new(),
        tags: Vec::new(),
        kind: Kind::Expense,
    }
}

fn benches(c: &mut Criterion) {
    for (name, count) in sizes() {
        let src = bench_store(name, count);
        let base = scratch(name);
        let _ = std::fs::remove_dir_all(&base);
        // A: a copy of the demo store; B: a new device that pulled all of it once.
        copy_store(&src, &base.join("a"));
        let a = Store::open(&base.join("a")).expect("open A");
        // A copy: a device of its own from here (as `expense sync --new-replica-id`).
        a.new_replica_id().expect("new replica id");
        let b = Store::open(&base.join("b")).expect("open B");
        let first = std::time::Instant::now();
        let r = sync(&b, &a);
        eprintln!(
            "sync/{name}: first sync into an empty store: {} items in {:.2?}",
            r.received,
            first.elapsed()
        );
        let mut g = c.benchmark_group(format!("sync/{name}"));
        g.sample_size(10).measurement_time(Duration::from_secs(20));
        if count <= 100_000 {
            let mut n = 0;
            g.bench_function("first_into_empty", |bch| {
                bch.iter_batched(
                    || {
                        n += 1;
                        let dir = base.join(format!("empty-{n}"));
                        let _ = std::fs::remove_dir_all(&dir);
                        (Store::open(&dir).expect("open empty"), dir)
                    },
                    |(empty, dir)| {
                        sync(&empty, &a);
                        drop(empty);
                        let _ = std::fs::remove_dir_all(&dir);
                        // Its high-water mark beside it too: a new store there must not
                        // look like one that lost its records.
                        let _ = std::fs::remove_file(expense_tracker::store::mark::mark_path(&dir));
                    },
                    BatchSize::PerIteration,
                )
            });
        }
        let mut k = 0;
        g.bench_function("incremental_100", |bch| {
            bch.iter_batched(
                || {
                    for _ in 0..100 {
                        k += 1;
                        a.put(draft(k), Origin::User, now_ms()).expect("put");
                    }
                },
                |()| sync(&b, &a),
                BatchSize::PerIteration,
            )
        });
        g.bench_function("nothing_to_do", |bch| bch.iter(|| sync(&b, &a)));
        g.finish();
    }
}

criterion_group!(sync_benches, benches);
criterion_main!(sync_benches);
