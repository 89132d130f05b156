//! Benchmarks on generated demo data at 10k, 100k and 1M expenses (`cargo bench`).
//! Stores are generated once into target/bench-data/ and reused across runs.
//! Figures go into benches/README.md; tests never assert timings.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use expense_tracker::app::{update, Action, Effect, State};
use expense_tracker::cli::{self, demo, Cli};
use expense_tracker::config::Config;
use expense_tracker::domain::review::ReviewQuery;
use expense_tracker::domain::{Currency, Draft, Kind, Month};
use expense_tracker::engine::review;
use expense_tracker::engine::Engine;
use expense_tracker::session::server::Server;
use expense_tracker::store::mark::mark_path;
use expense_tracker::store::{ImportRow, Origin, Store, Undone};
use expense_tracker::tui::keymap::Keymap;
use expense_tracker::ui::theme::Theme;
use expense_tracker::ui::{self, Chrome};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod common;
use common::{bench_store, copy_store, sizes, today};

/// Whether the group function `name` runs: all by default, or the ones named in
/// EXPENSE_BENCH_GROUPS ("benches,history"). criterion's filter picks benchmarks, but every
/// group's setup (stores copied, generated, restored) runs before it is asked, which at 1M takes
/// minutes and gigabytes.
fn group_wanted(name: &str) -> bool {
    std::env::var("EXPENSE_BENCH_GROUPS").map_or(true, |w| w.split(',').any(|g| g == name))
}

fn draw(
    state: &State,
    term: &mut Terminal<TestBackend>,
    help: &[ui::HelpEntry],
    hints: &ui::Hints,
) {
    let chrome = Chrome {
        theme: &Theme::DEFAULT,
        help,
        hints,
    };
    term.draw(|f| ui::render(state, &chrome, f)).expect("draw");
}

/// Runs `action` and every effect it causes, like the event loop does.
fn step(state: &mut State, rt: &mut Engine, action: Action) {
    let mut queue = vec![action];
    while let Some(a) = queue.pop() {
        for fx in update(state, a) {
            if !matches!(fx, Effect::Quit | Effect::Suspend) {
                queue.extend(rt.execute(fx, 0).into_iter().map(Action::Answer));
            }
        }
    }
}

fn start(store: Store) -> (State, Engine) {
    let mut state = State::new(today(), 1, Currency::EUR);
    let mut rt = Engine::new(store);
    step(
        &mut state,
        &mut rt,
        Action::Resize {
            width: 100,
            height: 30,
        },
    );
    step(&mut state, &mut rt, Action::ThisMonth);
    (state, rt)
}

fn benches(c: &mut Criterion) {
    if !group_wanted("benches") {
        return;
    }
    let help = Keymap::load(None).expect("keymap").help();
    let hints = Keymap::load(None).expect("keymap").hints();
    for (name, count) in sizes() {
        let path = bench_store(name, count);
        let mut g = c.benchmark_group(name);
        g.sample_size(10)
            .measurement_time(Duration::from_secs(5))
            .warm_up_time(Duration::from_secs(1));

        // Each iteration opens the store from disk as a new process would (sled keeps no state
        // between opens); the lock of the previous handle is released asynchronously, so waiting
        // for it happens outside the timed part.
        g.bench_function("sled_open_only", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let db = loop {
                        let t = Instant::now();
                        match sled::Config::new()
                            .path(&path)
                            .cache_capacity(32 << 20)
                            .open()
                        {
                            Ok(db) => {
                                total += t.elapsed();
                                break db;
                            }
                            Err(_) => std::thread::sleep(Duration::from_millis(5)),
                        }
                    };
                    drop(db);
                }
                total
            })
        });
        g.bench_function("open_and_first_frame", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let t = Instant::now();
                    let store = Store::open(&path).expect("open");
                    let (state, rt) = start(store);
                    let mut term = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
                    draw(&state, &mut term, &help, &hints);
                    total += t.elapsed();
                    drop(rt);
                    std::thread::sleep(Duration::from_millis(50));
                }
                total
            })
        });

        // `expense add` as a whole process when no session holds the store: it opens the store
        // itself (and serves others while it does).
        let config_dir = tempfile_dir();
        g.bench_function("add_process_fresh", |b| {
            b.iter(|| add_process(&path, &config_dir))
        });

        let store = Store::open(&path).expect("open");
        let (mut state, mut rt) = start(store.clone());
        let mut term = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
        g.bench_function("key_select_next_to_frame", |b| {
            b.iter(|| {
                step(&mut state, &mut rt, Action::SelectNext);
                draw(&state, &mut term, &help, &hints);
            })
        });
        g.bench_function("key_page_down_to_frame", |b| {
            b.iter(|| {
                step(&mut state, &mut rt, Action::PageDown);
                draw(&state, &mut term, &help, &hints);
            })
        });
        let mut forward = false;
        g.bench_function("key_switch_month_to_frame", |b| {
            b.iter(|| {
                forward = !forward;
                let a = if forward {
                    Action::PrevMonth
                } else {
                    Action::NextMonth
                };
                step(&mut state, &mut rt, a);
                draw(&state, &mut term, &help, &hints);
            })
        });
        g.bench_function("cycle_sort_to_frame", |b| {
            b.iter(|| {
                step(&mut state, &mut rt, Action::CycleSort);
                draw(&state, &mut term, &help, &hints);
            })
        });
        // `[` into months not visited yet (walking back through 48 of them, then over again),
        // as a fresh session meets them: read when asked for, or read ahead while the person
        // looks at the month before (`app::prefetch`, `engine::prefetch`; 60 ms of looking,
        // 400 ms with a cold cache, not timed). Each walks its own months (the demo spans 120), so neither finds the
        // other's pages in sled's cache. With EXPENSE_BENCH_COLD=1 (as root) the system's page
        // cache is dropped before each key, as after hours of other work on the machine.
        let cold = std::env::var("EXPENSE_BENCH_COLD").is_ok_and(|v| v == "1");
        let look = Duration::from_millis(if cold { 400 } else { 60 });
        for ahead in [false, true] {
            let (name, first) = if ahead {
                ("key_month_not_visited_read_ahead_to_frame", 60)
            } else {
                ("key_month_not_visited_to_frame", 0)
            };
            let (mut state, mut rt) = start(store.clone());
            let mut back = 48;
            g.bench_function(name, |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        if back == 48 {
                            back = 0;
                            step(&mut state, &mut rt, Action::ThisMonth);
                            for _ in 0..first {
                                step(&mut state, &mut rt, Action::PrevMonth);
                            }
                        }
                        if cold {
                            drop_page_cache();
                        }
                        if ahead {
                            let last = Some(&Action::PrevMonth);
                            let reads = expense_tracker::app::prefetch::next_reads(&state, last);
                            rt.execute(Effect::Prefetch(reads), 0);
                            std::thread::sleep(look);
                        }
                        let t = Instant::now();
                        step(&mut state, &mut rt, Action::PrevMonth);
                        draw(&state, &mut term, &help, &hints);
                        total += t.elapsed();
                        back += 1;
                    }
                    total
                })
            });
        }
        step(&mut state, &mut rt, Action::ThisMonth);
        // Far from the months the other benchmarks read, so repeated runs do not grow them.
        let draft = Draft {
            date: chrono::NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date"),
            amount: 1250,
            currency: Currency::EUR,
            category: "bench:add".into(),
            payee: "Bench".into(),
            note: String::new(),
            tags: vec![],
            kind: Kind::Expense,
        };
        g.bench_function("confirmed_add_with_flush", |b| {
            b.iter_batched(
                || draft.clone(),
                |d| store.put(d, Origin::User, 0).expect("put"),
                BatchSize::SmallInput,
            )
        });

        // The review of the last full month, as the screen and `expense report` compute it.
        store.use_month_start_day(1).expect("month aggregates");
        let month = Month::containing(today(), 1).prev();
        let q = ReviewQuery {
            month,
            currency: Currency::EUR,
            rates: Default::default(),
        };
        g.bench_function("review_state_from_aggregates", |b| {
            b.iter(|| review::compute(&store, &q, 1).expect("review"))
        });
        // The same numbers summed from day aggregates (what a store without the month tree, or
        // with another start day, pays).
        g.bench_function("review_state_from_day_aggregates_only", |b| {
            b.iter(|| review::compute(&store, &q, 25).expect("review"))
        });
        g.bench_function("review_details_from_date_index", |b| {
            b.iter(|| review::details(&store, month, 1, review::DETAIL_LIMIT).expect("details"))
        });
        g.bench_function("review_key_to_frame", |b| {
            let mut state = State::new(today(), 1, Currency::EUR);
            step(
                &mut state,
                &mut rt,
                Action::Resize {
                    width: 120,
                    height: 40,
                },
            );
            step(&mut state, &mut rt, Action::PrevMonth);
            step(&mut state, &mut rt, Action::OpenReview);
            let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
            let mut forward = false;
            b.iter(|| {
                forward = !forward;
                let a = if forward {
                    Action::PrevMonth
                } else {
                    Action::NextMonth
                };
                step(&mut state, &mut rt, a);
                draw(&state, &mut term, &help, &hints);
            })
        });

        // `expense add` as a whole process while this process holds the store and serves it,
        // as a TUI left open in tmux would.
        let sock = expense_tracker::session::socket_path(&path);
        let server = Server::start(store.clone(), &sock, cli::launch::runner()).expect("serve");
        g.bench_function("add_process_through_session", |b| {
            b.iter(|| add_process(&path, &config_dir))
        });
        // From a write's return to its notice at a subscribed session (what makes another TUI
        // reload): the store's change feed wakes the notifier (it polled every 50 ms before).
        let notices = server.subscribe();
        g.bench_function("write_to_session_notice", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    while notices.try_recv().is_ok() {}
                    let seq = store.put(draft.clone(), Origin::User, 0).expect("put").seq;
                    let written = Instant::now();
                    while notices.recv().expect("notice") < seq {}
                    total += written.elapsed();
                }
                total
            })
        });
        server.shutdown(Duration::from_secs(5));
        g.finish();

        // `expense check`: one full recomputation per sample.
        let mut g = c.benchmark_group(format!("{name}_check"));
        g.sample_size(10)
            .measurement_time(Duration::from_secs(1))
            .warm_up_time(Duration::from_millis(1));
        g.bench_function("check_derived_trees", |b| {
            b.iter(|| {
                let r = store.check_scope(false).expect("check");
                assert!(r.is_consistent(), "{:?}", r.problems);
            })
        });
        g.bench_function("check_with_stream_replay", |b| {
            b.iter(|| {
                let r = store.check().expect("check");
                assert!(r.is_consistent(), "{:?}", r.problems);
            })
        });
        g.finish();

        // `expense report --month` as a whole process (fresh sled open included). The binary
        // is built by `cargo bench` into target/release.
        drop(rt);
        drop(store);
        let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/expense");
        if bin.exists() {
            let data_dir = path.parent().expect("bench dir").to_path_buf();
            let month = month.to_string();
            let mut g = c.benchmark_group(format!("{name}_process"));
            g.sample_size(10)
                .measurement_time(Duration::from_secs(3))
                .warm_up_time(Duration::from_millis(200));
            g.bench_function("report_month_fresh_process", |b| {
                b.iter(|| {
                    let out = std::process::Command::new(&bin)
                        .arg("--data-dir")
                        .arg(&data_dir)
                        .args(["report", "--month", &month])
                        .env("EXPENSE_CONFIG_DIR", &data_dir)
                        // A due automatic backup would run in a process of its own and serve
                        // the next samples through its session; it is measured on its own.
                        .env("EXPENSE_BACKUP_EVERY_DAYS", "0")
                        // A fresh process each run: no holder lingers between them.
                        .env("EXPENSE_LINGER_MINUTES", "0")
                        .output()
                        .expect("run expense report");
                    assert!(
                        out.status.success(),
                        "{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                })
            });
            g.finish();
        }
    }
}

/// An empty config directory, so the user's own config never changes the figures.
/// Empties the system's page cache (`EXPENSE_BENCH_COLD=1`; needs root): the next reads of
/// the store come from the disk.
fn drop_page_cache() {
    let _ = std::process::Command::new("sync").status();
    std::fs::write("/proc/sys/vm/drop_caches", b"1").expect("drop_caches needs root");
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("expense-bench-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("config dir");
    dir
}

/// Runs `expense add` on the store at `store_dir` (`<data>/store`) and checks it succeeded.
fn add_process(store_dir: &std::path::Path, config_dir: &std::path::Path) {
    let data = store_dir.parent().expect("data dir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_expense"))
        .arg("--data-dir")
        .arg(data)
        .args(["add", "12.50", "bench:add!", "2000-01-01", "@Bench"])
        .env("EXPENSE_CONFIG_DIR", config_dir)
        // The daily automatic backup would land in one sample; it is measured on its own.
        .env("EXPENSE_BACKUP_EVERY_DAYS", "0")
        // A fresh process each run: no holder lingers between them.
        .env("EXPENSE_LINGER_MINUTES", "0")
        .output()
        .expect("run expense");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A bank-style CSV of `count` generated expenses (signed amounts, payee, note), cached.
fn bench_csv(name: &str, count: usize) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-data")
        .join(format!("import-{name}.csv"));
    if !path.exists() {
        // Run alone (`EXPENSE_BENCH_GROUPS=import_export`), no other group has made the folder.
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("bench data folder");
        }
        let drafts = demo::generate(
            count,
            demo::default_months(count),
            11,
            today(),
            Currency::EUR,
        );
        let mut w = csv::Writer::from_path(&path).expect("write bench csv");
        w.write_record(["date", "amount", "payee", "note", "category"])
            .expect("write");
        for d in &drafts {
            let sign = if d.kind == Kind::Income { "" } else { "-" };
            let amount = format!(
                "{sign}{}",
                expense_tracker::domain::money::format_plain(d.amount, d.currency)
            );
            w.write_record([
                d.date.to_string(),
                amount,
                d.payee.clone(),
                d.note.clone(),
                d.category.clone(),
            ])
            .expect("write");
        }
        w.flush().expect("flush");
    }
    path
}

/// Runs `expense ARGS` as the binary would, against the store at `store_dir`, output dropped.
fn run_cli(args: &[&str], store_dir: &std::path::Path) {
    use clap::Parser;
    let cli = Cli::try_parse_from(args).expect("bench arguments");
    let command = cli.command.expect("a subcommand");
    let (mut out, mut err) = (std::io::sink(), std::io::sink());
    let open = || -> color_eyre::Result<Store> { Ok(Store::open(store_dir)?) };
    let cwd = std::env::current_dir().expect("cwd");
    let mut ctx = cli::Ctx::new(
        Config::default(),
        today(),
        cwd,
        &mut out,
        &mut err,
        false,
        open,
    );
    cli::run(&command, &mut ctx).expect("command");
}

/// `expense import` of a whole file into an empty store (parse, check, hash, batched writes)
/// and `expense export` of a whole store, in rows per second.
fn import_export(c: &mut Criterion) {
    if !group_wanted("import_export") {
        return;
    }
    for (name, count) in sizes() {
        let mut g = c.benchmark_group(name);
        g.sample_size(10)
            .measurement_time(Duration::from_secs(5))
            .warm_up_time(Duration::from_millis(1))
            .throughput(Throughput::Elements(count as u64));
        if count <= 100_000 {
            let csv = bench_csv(name, count);
            let file = csv.to_str().expect("utf-8 path").to_string();
            let scratch =
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/scratch");
            g.bench_function("import_csv_into_empty_store", |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        // The store and its high-water mark: a mark left behind from the last
                        // iteration says the new, empty store lost changes, and it refuses writes.
                        let _ = std::fs::remove_dir_all(&scratch);
                        let _ = std::fs::remove_file(mark_path(&scratch));
                        let t = Instant::now();
                        run_cli(&["expense", "import", &file], &scratch);
                        total += t.elapsed();
                        // sled frees its lock asynchronously; let it go outside the timing.
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    total
                })
            });
            let _ = std::fs::remove_dir_all(&scratch);
            let _ = std::fs::remove_file(mark_path(&scratch));
        }
        let path = bench_store(name, count);
        for format in ["csv", "json"] {
            g.bench_function(format!("export_{format}_whole_store"), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let t = Instant::now();
                        run_cli(&["expense", "export", "--format", format], &path);
                        total += t.elapsed();
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    total
                })
            });
        }
        g.finish();
        // `expense stream` of the whole stream, in records per second.
        let records = {
            let store = Store::open(&path).expect("bench store");
            let n = store.last_seq().expect("last seq");
            drop(store);
            std::thread::sleep(Duration::from_millis(200));
            n
        };
        let mut g = c.benchmark_group(name);
        g.sample_size(10)
            .measurement_time(Duration::from_secs(5))
            .warm_up_time(Duration::from_millis(1))
            .throughput(Throughput::Elements(records));
        for (format, view) in [
            ("plain", "keys_only"),
            ("plain", "new_and_old_images"),
            ("dynamodb", "new_and_old_images"),
        ] {
            // The plain cases keep their old names, so figures stay comparable across commits.
            let name = match format {
                "plain" => format!("stream_{view}_whole_stream"),
                _ => format!("stream_{format}_{view}_whole_stream"),
            };
            g.bench_function(name, |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let t = Instant::now();
                        run_cli(
                            &["expense", "stream", "--format", format, "--view", view],
                            &path,
                        );
                        total += t.elapsed();
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    total
                })
            });
        }
        g.finish();
    }
}

/// A temporary store with `n` expenses, all moved to the trash at t=0 with a 1 ms time-to-live
/// (so all are expired at t=1).
fn trashed_store(n: usize) -> Store {
    let store = Store::open_temporary().expect("temporary store");
    let drafts = demo::generate(n, 3, 7, today(), Currency::EUR);
    store
        .put_batch(drafts, Origin::Demo, 0)
        .expect("fill trash bench store");
    let (from, to) = (
        chrono::NaiveDate::from_ymd_opt(1, 1, 1).expect("date"),
        chrono::NaiveDate::from_ymd_opt(9999, 12, 31).expect("date"),
    );
    for e in store.range(from, to, false, 0, usize::MAX).expect("range") {
        store.trash(e.id, e.version, 0, 1).expect("trash");
    }
    store
}

/// The trash sweeper: removing 10k expired items (ttl REMOVE records, 10,000 per flushed
/// transaction, found by a range scan of the expiry index), listing a 10k trash, and moving one
/// expense to the trash (one flushed transaction).
fn trash(c: &mut Criterion) {
    if !group_wanted("trash") {
        return;
    }
    let n = 10_000;
    let mut g = c.benchmark_group("trash_10k");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_millis(1));
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("sweep_10k_expired", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let store = trashed_store(n);
                let t = Instant::now();
                let swept = store.sweep_trash(1).expect("sweep");
                total += t.elapsed();
                assert_eq!(swept, n);
            }
            total
        })
    });
    let store = trashed_store(n);
    g.bench_function("list_10k", |b| {
        b.iter(|| store.trashed().expect("list").len())
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("sweep_nothing_due", |b| {
        b.iter(|| store.sweep_trash(-1).expect("sweep"))
    });
    let live = Store::open_temporary().expect("temporary store");
    g.bench_function("move_one_to_trash_flushed", |b| {
        b.iter_batched(
            || {
                live.put(
                    Draft {
                        date: today(),
                        amount: 1250,
                        currency: Currency::EUR,
                        category: "food".into(),
                        payee: "Lidl".into(),
                        note: String::new(),
                        tags: Vec::new(),
                        kind: Kind::Expense,
                    },
                    Origin::User,
                    0,
                )
                .expect("put")
                .id
            },
            |id| live.trash(id, 1, 0, 30 * 86_400_000).expect("trash"),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

/// The history screen's reads: one window of the stream (newest, and from the middle), one
/// expense's records (its `prev_seq` chain), and `H` through the reducer and runtime plus the
/// frame, on the demo stores (read only).
fn history(c: &mut Criterion) {
    if !group_wanted("history") {
        return;
    }
    let help = Keymap::load(None).expect("keymap").help();
    let hints = Keymap::load(None).expect("keymap").hints();
    for (name, count) in sizes() {
        let path = bench_store(name, count);
        let store = Store::open(&path).expect("open");
        let mut g = c.benchmark_group(format!("history_{name}"));
        g.sample_size(20)
            .measurement_time(Duration::from_secs(3))
            .warm_up_time(Duration::from_secs(1));
        // 27 visible rows at 100x30, three pages loaded.
        g.bench_function("window_newest", |b| {
            b.iter(|| store.history_window(0, 81).expect("window"))
        });
        g.bench_function("window_middle", |b| {
            b.iter(|| store.history_window(count / 2, 81).expect("window"))
        });
        let id = store
            .range(today() - chrono::Days::new(40), today(), true, 0, 1)
            .expect("range")
            .first()
            .expect("an item")
            .id;
        g.bench_function("item_history", |b| {
            b.iter(|| store.item_history(id, 0, 81).expect("item history"))
        });
        let (mut state, mut rt) = start(store.clone());
        let mut term = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
        g.bench_function("open_screen_and_frame", |b| {
            b.iter(|| {
                step(&mut state, &mut rt, Action::OpenHistory);
                draw(&state, &mut term, &help, &hints);
                step(&mut state, &mut rt, Action::Cancel);
            })
        });
        g.bench_function("page_down_and_frame", |b| {
            step(&mut state, &mut rt, Action::OpenHistory);
            b.iter(|| {
                step(&mut state, &mut rt, Action::PageDown);
                draw(&state, &mut term, &help, &hints);
            })
        });
        g.finish();
        drop((state, rt));
        drop(store);
        // sled frees its lock asynchronously; the next size opens another store anyway.
    }
}

/// `backup_<size>`: a consistent backup of the whole store to a file, and a restore of that
/// file into a new store (10k only: restores write ~10k rows/s, so larger sizes are timed once
/// with the binary, see benches/README.md). `pitr_10k`: the store as it was at a moment, replayed from the
/// stream into a new store. Items per second.
fn backup_restore(c: &mut Criterion) {
    if !group_wanted("backup_restore") {
        return;
    }
    let scratch =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/scratch-backup");
    for (name, count) in sizes() {
        let path = bench_store(name, count);
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).expect("scratch dir");
        let file = scratch.join("b.jsonl");
        let mut g = c.benchmark_group(format!("backup_{name}"));
        g.sample_size(10)
            .measurement_time(Duration::from_secs(5))
            .warm_up_time(Duration::from_millis(1))
            .throughput(Throughput::Elements(count as u64));
        {
            let store = Store::open(&path).expect("open bench store");
            g.bench_function("backup_whole_store", |b| {
                b.iter(|| store.backup_to(&file, chrono::Utc::now()).expect("backup"))
            });
        }
        if count <= 10_000 {
            g.bench_function("restore_into_new_store", |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let to = scratch.join("restored");
                        let _ = std::fs::remove_dir_all(&to);
                        let _ = std::fs::remove_file(scratch.join("restored.hwm"));
                        let t = Instant::now();
                        let snap =
                            expense_tracker::store::backup::read_backup(&file).expect("read");
                        let s = Store::open(&to).expect("open");
                        s.restore_snapshot(&snap).expect("restore");
                        total += t.elapsed();
                        drop(s);
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    total
                })
            });
        }
        g.finish();
        if count == 10_000 {
            let mut g = c.benchmark_group(format!("pitr_{name}"));
            g.sample_size(10)
                .measurement_time(Duration::from_secs(5))
                .warm_up_time(Duration::from_millis(1))
                .throughput(Throughput::Elements(count as u64));
            let store = Store::open(&path).expect("open bench store");
            g.bench_function("replay_stream_into_new_store", |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let to = scratch.join("pitr");
                        let _ = std::fs::remove_dir_all(&to);
                        let _ = std::fs::remove_file(scratch.join("pitr.hwm"));
                        let t = Instant::now();
                        let snap = store.snapshot_at(i64::MAX).expect("replay");
                        let s = Store::open(&to).expect("open");
                        s.restore_snapshot(&snap).expect("restore");
                        total += t.elapsed();
                        drop(s);
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    total
                })
            });
            g.finish();
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

/// Now as Unix ms (the stores' write times).
fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Opens the closed store at `path` with sled itself (as `Store` cannot write what an older
/// build wrote), waiting for the lock the last handle releases asynchronously.
fn sled_open(path: &Path) -> sled::Db {
    loop {
        match sled::open(path) {
            Ok(db) => break db,
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Tree names and meta keys of `store/tables.rs` (private to the store).
const STREAM_TREE: &str = "stream-1";
const META_TREE: &str = "meta";
const META_SCHEMA: &[u8] = b"schema_version";
const META_LEGACY_TRASH: &[u8] = b"legacy_trash";

/// The `name` demo store after 2% of its expenses were moved to the trash, a quarter of those
/// restored and a quarter expired (swept), stored as a schema-4 build stored them: every move
/// to the trash and every REMOVE of a trashed item a plain REMOVE (event code 3; the code is a
/// record's first byte, and `migration_007_trash_moves` reads only record heads). Generated
/// once into target/bench-data/migrate-<name>/ and reused. Returns the store dir and the moves.
fn trash_moves_store(name: &str, count: usize) -> (PathBuf, usize) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-data")
        .join(format!("migrate-{name}"));
    let path = dir.join("store");
    let done = dir.join("complete");
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        copy_store(&bench_store(name, count), &path);
        let store = Store::open(&path).expect("open migration store");
        let (from, to) = (
            chrono::NaiveDate::from_ymd_opt(1, 1, 1).expect("date"),
            chrono::NaiveDate::from_ymd_opt(9999, 12, 31).expect("date"),
        );
        let picked: Vec<_> = store
            .range(from, to, false, 0, usize::MAX)
            .expect("range")
            .into_iter()
            .step_by(50)
            .map(|e| (e.id, e.version))
            .collect();
        let (now, ttl) = (now_ms(), 30 * 86_400_000);
        for (i, (id, version)) in picked.iter().enumerate() {
            // A quarter expires at once (swept below), a quarter comes back, half stay.
            let expires_in = if i % 4 == 0 { 1 } else { ttl };
            store.trash(*id, *version, now, expires_in).expect("trash");
            if i % 4 == 1 {
                store.restore(*id, now).expect("restore");
            }
        }
        store.sweep_trash(now + 1).expect("sweep");
        drop(store);
        let db = sled_open(&path);
        let stream = db.open_tree(STREAM_TREE).expect("stream tree");
        for kv in stream.iter() {
            let (k, v) = kv.expect("stream record");
            // `codec::TRASH_MOVE` and `codec::TRASH_REMOVE` were REMOVEs before schema 5.
            if matches!(v.first(), Some(4 | 5)) {
                let mut old = v.to_vec();
                old[0] = 3;
                stream.insert(k, old).expect("rewrite record");
            }
        }
        db.flush().expect("flush");
        drop(db);
        std::fs::write(&done, picked.len().to_string()).expect("mark complete");
    }
    let moves = std::fs::read_to_string(&done)
        .expect("read marker")
        .parse()
        .expect("moves");
    (path, moves)
}

/// Sets the closed store's `meta` `schema_version` (u32 BE); at 4, also drops the list of moves
/// that `migration_007_trash_moves` writes, as a schema-4 store has none.
fn set_schema_version(path: &Path, version: u32) {
    let db = sled_open(path);
    let meta = db.open_tree(META_TREE).expect("meta tree");
    meta.insert(META_SCHEMA, &version.to_be_bytes()[..])
        .expect("write schema version");
    if version < 5 {
        meta.remove(META_LEGACY_TRASH).expect("drop legacy trash");
    }
    db.flush().expect("flush");
    drop(db);
    // sled frees its lock asynchronously; let it go before the timed open.
    std::thread::sleep(Duration::from_millis(100));
}

/// `migrate_<size>`: `Store::open` of a schema-4 store with 2% of its expenses moved to the
/// trash (half of those restored or expired), which runs `migration_007_trash_moves` (one scan
/// of the stream's record heads, then the list of moves written to `meta`), against
/// `Store::open` of the same store at schema 5. The schema is set back outside the timing.
fn migration(c: &mut Criterion) {
    if !group_wanted("migration") {
        return;
    }
    for (name, count) in sizes() {
        let (path, moves) = trash_moves_store(name, count);
        let mut g = c.benchmark_group(format!("migrate_{name}"));
        g.sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .measurement_time(Duration::from_secs(5))
            .warm_up_time(Duration::from_millis(1));
        // A run filtered to other benches never opens the store: nothing to check then.
        let mut ran = false;
        for version in [4, 5] {
            g.bench_function(format!("open_schema_{version}"), |b| {
                ran = true;
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        set_schema_version(&path, version);
                        let t = Instant::now();
                        let store = Store::open(&path).expect("open");
                        total += t.elapsed();
                        drop(store);
                    }
                    total
                })
            });
        }
        g.finish();
        if !ran {
            continue;
        }
        // The migration found every move: 16 bytes (seq, expiry) each.
        let db = sled_open(&path);
        let listed = db
            .open_tree(META_TREE)
            .expect("meta tree")
            .get(META_LEGACY_TRASH)
            .expect("read legacy trash")
            .map_or(0, |v| v.len() / 16);
        assert_eq!(listed, moves, "moves listed by migration_007");
    }
}

/// `undo_import_<size>`: one `undo_step` taking back an import of 10,000 rows (the whole batch,
/// one REMOVE each) in a copy of the demo store of that size; each sample imports the rows
/// first, untimed, with hashes of its own so none is a duplicate.
fn import_undo(c: &mut Criterion) {
    if !group_wanted("import_undo") {
        return;
    }
    let rows = 10_000;
    let drafts = demo::generate(rows, 3, 13, today(), Currency::EUR);
    let scratch = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/scratch-undo");
    for (name, count) in sizes() {
        let path = scratch.join(name);
        copy_store(&bench_store(name, count), &path);
        let store = Store::open(&path).expect("open undo store");
        let mut round = 0u64;
        let mut g = c.benchmark_group(format!("undo_import_{name}"));
        g.sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .measurement_time(Duration::from_secs(5))
            .warm_up_time(Duration::from_millis(1))
            .throughput(Throughput::Elements(rows as u64));
        g.bench_function("undo_step_10k_row_import", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    round += 1;
                    let batch: Vec<ImportRow> = drafts
                        .iter()
                        .enumerate()
                        .map(|(i, d)| {
                            let mut hash = [0u8; 16];
                            hash[..8].copy_from_slice(&round.to_be_bytes());
                            hash[8..].copy_from_slice(&(i as u64).to_be_bytes());
                            ImportRow {
                                draft: d.clone(),
                                hash: Some(hash),
                                id: None,
                                version: None,
                            }
                        })
                        .collect();
                    let imported = store.import(&batch, now_ms(), &mut |_| {}).expect("import");
                    assert_eq!(imported.added, rows);
                    let t = Instant::now();
                    let undone = store.undo_step(now_ms()).expect("undo");
                    total += t.elapsed();
                    assert!(
                        matches!(undone, Some(Undone::Batch(ref b)) if b.undone == rows),
                        "{undone:?}"
                    );
                }
                total
            })
        });
        g.finish();
        drop(store);
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

/// The top-level category whose tree (it and everything below it) holds the number of
/// expenses nearest to `want`, with that number.
fn tree_near(store: &Store, want: u64) -> (String, u64) {
    let mut trees: std::collections::BTreeMap<String, u64> = Default::default();
    for (c, n) in store.categories().expect("categories") {
        let top = c.split(':').next().unwrap_or(&c).to_string();
        *trees.entry(top).or_default() += n;
    }
    trees
        .into_iter()
        .min_by_key(|(_, n)| n.abs_diff(want))
        .expect("a category")
}

/// `rename_<size>`: `Store::rename_category` of the top-level category nearest to a tenth of
/// the store (~100k expenses at 1M: the goal, 10 s, one batch), and the `undo_step`
/// that takes it back. Each sample starts from a fresh copy of the demo store, opened as a
/// command opens it (copying and opening untimed), so samples do not pile records onto one
/// store.
fn rename(c: &mut Criterion) {
    if !group_wanted("rename") {
        return;
    }
    use expense_tracker::domain::rename::BudgetMerge;
    let scratch =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/scratch-rename");
    for (name, count) in sizes() {
        let base = bench_store(name, count);
        let path = scratch.join(name);
        let fresh = || {
            copy_store(&base, &path);
            loop {
                match Store::open(&path) {
                    Ok(s) => break s,
                    // The previous sample's handle releases sled's lock asynchronously.
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        };
        let (from, n) = tree_near(&fresh(), count as u64 / 10);
        eprintln!("rename_{name}: renaming {from} ({n} expenses) and back");
        let mut g = c.benchmark_group(format!("rename_{name}"));
        g.sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .measurement_time(Duration::from_secs(5))
            .warm_up_time(Duration::from_millis(1))
            .throughput(Throughput::Elements(n));
        let rename_in = |store: &Store| {
            let done = store
                .rename_category(&from, "renamed", BudgetMerge::Sum, now_ms(), &mut |_, _| {})
                .expect("rename");
            assert_eq!(done.note.expenses, n);
        };
        let undo_in = |store: &Store| {
            let undone = store.undo_step(now_ms()).expect("undo");
            assert!(
                matches!(undone, Some(Undone::Batch(ref b)) if b.kept == 0),
                "{undone:?}"
            );
        };
        g.bench_function("rename_category_tenth_of_the_store", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let store = fresh();
                    let t = Instant::now();
                    rename_in(&store);
                    total += t.elapsed();
                }
                total
            })
        });
        g.bench_function("undo_of_that_rename", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let store = fresh();
                    rename_in(&store);
                    let t = Instant::now();
                    undo_in(&store);
                    total += t.elapsed();
                }
                total
            })
        });
        g.finish();
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

/// The 50 schedules of the recurring benches (the mix of `tests/recurring_kill.rs`): 35
/// monthly (on days up to the 31st, and on the last day), 5 weekly, 5 fortnightly, 2 daily (or,
/// without `daily`, 2 more weekly) and 3 yearly, each from `start`.
fn fifty_schedules(
    start: chrono::NaiveDate,
    daily: bool,
) -> Vec<expense_tracker::domain::schedule::Schedule> {
    use expense_tracker::domain::schedule::{End, Every, MonthDay, Rule, Schedule};
    (0..50u32)
        .map(|i| {
            let every = match i % 10 {
                0..=5 => Every::Months(1, MonthDay::Day(((i * 7) % 31 + 1) as u8)),
                6 => Every::Months(1, MonthDay::Last),
                7 => Every::Weeks(1),
                8 => Every::Weeks(2),
                _ if i < 20 && daily => Every::Days(1),
                _ if i < 20 => Every::Weeks(1),
                _ => Every::Years(1),
            };
            let rule = Rule::new(start, every, End::Never).expect("rule");
            let draft = Draft {
                date: start,
                amount: i64::from(i + 1) * 100 + 25,
                currency: Currency::EUR,
                category: format!("bills:cat{}", i % 7),
                payee: format!("Payee {i}"),
                note: String::new(),
                tags: Vec::new(),
                kind: Kind::Expense,
            };
            Schedule::new(
                expense_tracker::store::new_schedule_id(),
                draft,
                rule,
                false,
            )
        })
        .collect()
}

/// Opens the closed store at `path`, waiting for the lock an earlier handle releases
/// asynchronously.
fn open_when_free(path: &Path) -> Store {
    loop {
        match Store::open(path) {
            Ok(s) => break s,
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Recurring expenses at open (issue 13): the demo store plus 50 schedules left for two years
/// (3,100 occurrences due) is opened and the posting pass of `Holder::take` runs (goal: under
/// 200 ms); and, with nothing due, what schedules add to every open: the posting pass finding
/// nothing, plus the count of what waits for a confirmation that a command prints (goal: under
/// 1 ms). Each posting sample starts from a fresh copy (copying and opening untimed).
fn schedules(c: &mut Criterion) {
    if !group_wanted("schedules") {
        return;
    }
    use expense_tracker::engine::schedules::post_at_open;
    let scratch =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/scratch-schedules");
    let two_years_ago = today() - chrono::Days::new(730);
    for (name, count) in sizes() {
        let base = bench_store(name, count);
        let mut g = c.benchmark_group(format!("schedules_{name}"));
        g.sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .measurement_time(Duration::from_secs(5))
            .warm_up_time(Duration::from_millis(1));
        let path = scratch.join(name);
        // The demo store with the schedules, nothing posted: made once per mix.
        let missed = scratch.join(format!("{name}-missed"));
        let fresh = || {
            copy_store(&missed, &path);
            open_when_free(&path)
        };
        for (mix, daily) in [("", true), ("_none_daily", false)] {
            copy_store(&base, &missed);
            {
                let store = open_when_free(&missed);
                for s in fifty_schedules(two_years_ago, daily) {
                    store
                        .save_schedule(&s, Origin::User, now_ms())
                        .expect("schedule");
                }
                store.flush().expect("flush");
            }
            let due = {
                let store = fresh();
                store
                    .post_due(today(), now_ms())
                    .expect("post")
                    .records
                    .len() as u64
            };
            eprintln!("schedules_{name}{mix}: 50 schedules, {due} occurrences due");
            g.throughput(Throughput::Elements(due));
            g.bench_function(format!("post_two_years_of_50_schedules{mix}"), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let store = fresh();
                        let t = Instant::now();
                        let posted = post_at_open(&store, today(), now_ms()).expect("post");
                        total += t.elapsed();
                        assert_eq!(posted.records.len() as u64, due);
                    }
                    total
                })
            });
            g.bench_function(
                format!("open_and_post_two_years_of_50_schedules{mix}"),
                |b| {
                    b.iter_custom(|iters| {
                        let mut total = Duration::ZERO;
                        for _ in 0..iters {
                            drop(fresh());
                            std::thread::sleep(Duration::from_millis(50));
                            let t = Instant::now();
                            let store = Store::open(&path).expect("open");
                            post_at_open(&store, today(), now_ms()).expect("post");
                            total += t.elapsed();
                        }
                        total
                    })
                },
            );
        }
        // Everything posted: what every later open pays for the schedules.
        let store = fresh();
        store.post_due(today(), now_ms()).expect("post");
        g.throughput(Throughput::Elements(50));
        g.bench_function("open_addition_nothing_due", |b| {
            b.iter(|| {
                let posted = post_at_open(&store, today(), now_ms()).expect("post");
                assert!(posted.records.is_empty());
                store.due(today()).expect("due").len()
            })
        });
        g.finish();
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

criterion_group!(
    core,
    benches,
    import_export,
    trash,
    history,
    backup_restore,
    migration,
    import_undo,
    rename,
    schedules
);
criterion_main!(core);
