//! Issue 12, finding 2: a suspended or stopped holder never blocks others. Ctrl-z (and a
//! SIGTSTP from outside) makes a TUI hand the store over before it stops and take it back on
//! `fg`; a holder stopped without that chance (SIGSTOP, a command suspended in its shell) is
//! named at once, with its pid and how to resume it, by every process that meets it: a command,
//! a command already waiting on it, a second TUI. A stopped client holds nobody up.
//!
//! Ctrl-z needs a shell with job control, so those tests type into bash in a private tmux
//! server; the rest run the binary under the PTY harness. Durations are printed for the report;
//! the asserts are generous deadlines that only tell a hang from an answer.

mod common;

use common::tmux::{state, wait_state, Shell};
use common::{list_json, Sandbox, Tui, TIMEOUT};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// What "at once" is checked against: a process that did not answer within this hung.
const HANG: Duration = Duration::from_secs(30);

/// Runs `c` to its end, failing the test if it is still running after [`HANG`]; returns its
/// output and how long it took.
fn timed(mut c: Command) -> (Output, Duration) {
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // A failure prints at once (with a backtrace it would be resolved first).
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE");
    let started = Instant::now();
    let mut child = c.spawn().expect("spawn expense");
    while child.try_wait().expect("try_wait").is_none() {
        if started.elapsed() > HANG {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "still waiting after {HANG:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let took = started.elapsed();
    (child.wait_with_output().expect("output"), took)
}

fn add(sb: &Sandbox, words: &[&str]) -> (Output, Duration) {
    let mut args = vec!["add"];
    args.extend_from_slice(words);
    timed(sb.cmd(&args))
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn err(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "should have failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn signal(pid: libc::pid_t, sig: libc::c_int) {
    // SAFETY: signalling a process this test started.
    assert_eq!(unsafe { libc::kill(pid, sig) }, 0, "kill {sig} {pid}");
}

/// The pid holding sled's lock on the sandbox's store, as `/proc/locks` says.
fn lock_holder(sb: &Sandbox) -> Option<u32> {
    expense_tracker::store::lock_holder(&sb.data.join("store"))
}

/// Asserts `e` names the stopped holder `pid` and both ways to resume it.
fn names_stopped(e: &str, pid: libc::pid_t) {
    assert!(
        e.contains(&format!("held by expense process {pid} (`expense"))
            && e.contains("which is stopped (ctrl-z)")
            && e.contains("`fg` in its shell")
            && e.contains(&format!("`kill -CONT {pid}`")),
        "{e}"
    );
}

#[test]
fn ctrl_z_hands_the_store_over_and_fg_takes_it_back() {
    let sb = Sandbox::new();
    let sh = Shell::start(&sb, 100, 30);
    sh.expense(&sb, "");
    sh.wait_for("No expenses", TIMEOUT);
    let tui = sh.job_pid();
    assert_eq!(
        lock_holder(&sb),
        Some(tui as u32),
        "the TUI holds the store"
    );

    sh.keys(&["C-z"]);
    sh.wait_for("Stopped", TIMEOUT);
    wait_state(tui, 'T', TIMEOUT);
    assert_eq!(lock_holder(&sb), None, "a stopped TUI holds nothing");
    assert!(!sb.data.join("store.sock").exists(), "and serves nothing");

    // Another process adds: the store is free, so it opens it itself.
    for round in 0..3 {
        let (out, took) = add(&sb, &[&format!("{}.50", round + 3), "coffee!", "@Kiosk"]);
        ok(&out);
        eprintln!("add {round} with the TUI suspended by ctrl-z: {took:?}");
    }
    // And in the same shell, as the finding had it.
    sh.expense(&sb, "add 7.25 lunch! @Deli");
    sh.wait_for("added:", TIMEOUT);

    sh.run("fg");
    sh.wait_for("Deli", TIMEOUT);
    sh.wait_until("the three coffees", TIMEOUT, |s| {
        s.matches("Kiosk").count() == 3
    });
    assert_eq!(state(tui), Some('S'), "running again");
    assert!(
        common::wait_until(|| lock_holder(&sb) == Some(tui as u32)),
        "the TUI holds the store again"
    );
    // And serves it: a command now runs in its session and shows up live.
    let (out, _) = add(&sb, &["1", "tea!", "@Stall"]);
    ok(&out);
    sh.wait_for("Stall", TIMEOUT);
    sh.keys(&["q"]);
    sh.wait_until("the TUI to quit", TIMEOUT, |_| state(tui).is_none());
    assert_eq!(list_json(&sb, &[]).len(), 5);
}

#[test]
fn after_fg_a_tui_joins_whoever_took_the_store_meanwhile() {
    let sb = Sandbox::new();
    let sh = Shell::start(&sb, 100, 30);
    sh.expense(&sb, "");
    sh.wait_for("No expenses", TIMEOUT);
    let first = sh.job_pid();
    sh.keys(&["C-z"]);
    sh.wait_for("Stopped", TIMEOUT);
    wait_state(first, 'T', TIMEOUT);

    // Resumed in the background (kill -CONT, no fg), it stops again at the terminal before it
    // takes the store.
    signal(first, libc::SIGCONT);
    let deadline = Instant::now() + TIMEOUT;
    while !sh.screen().contains("Stopped (tty output)") {
        assert!(
            Instant::now() < deadline,
            "never stopped at the terminal:\n{}",
            sh.screen()
        );
        sh.run("jobs -l");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(lock_holder(&sb), None);
    sh.run("clear");

    // A second TUI takes the store while the first is stopped.
    let mut second = Tui::start(&sb, 100, 30);
    second.wait_for("No expenses", TIMEOUT);
    second.quick_entry("8.80 cinema! @Odeon");
    second.wait_for("Odeon", TIMEOUT);

    // fg: the first joins the second's session and shows what changed.
    sh.run("fg");
    sh.wait_for("Odeon", TIMEOUT);
    assert_eq!(lock_holder(&sb), Some(second.pid() as u32));
    let (out, _) = add(&sb, &["2", "snack!", "@Both"]);
    ok(&out);
    sh.wait_for("Both", TIMEOUT);
    // When the second quits, the first takes the store over.
    second.quit();
    assert!(
        common::wait_until(|| lock_holder(&sb) == Some(first as u32)),
        "the first TUI did not take the store over"
    );
    sh.keys(&["q"]);
    sh.wait_until("the TUI to quit", TIMEOUT, |_| state(first).is_none());
}

#[test]
fn sigtstp_from_outside_suspends_like_ctrl_z() {
    let sb = Sandbox::new();
    let sh = Shell::start(&sb, 100, 30);
    sh.expense(&sb, "");
    sh.wait_for("No expenses", TIMEOUT);
    let tui = sh.job_pid();

    signal(tui, libc::SIGTSTP);
    sh.wait_for("Stopped", TIMEOUT);
    wait_state(tui, 'T', TIMEOUT);
    let (out, took) = add(&sb, &["2.40", "bus!", "@Line9"]);
    ok(&out);
    eprintln!("add with the TUI suspended by kill -TSTP: {took:?}");

    sh.run("fg");
    sh.wait_for("Line9", TIMEOUT);
    sh.keys(&["q"]);
    sh.wait_until("the TUI to quit", TIMEOUT, |_| state(tui).is_none());
}

#[test]
fn a_tui_stopped_with_sigstop_is_named_at_once_and_serves_again_after_cont() {
    let sb = Sandbox::new();
    let mut t = Tui::start(&sb, 100, 30);
    t.wait_for("No expenses", TIMEOUT);
    signal(t.pid(), libc::SIGSTOP);
    wait_state(t.pid(), 'T', TIMEOUT);

    let (out, took) = add(&sb, &["3", "snack!", "@Bakery"]);
    let e = err(&out);
    names_stopped(&e, t.pid());
    assert!(e.contains("nothing was done"), "{e}");
    eprintln!("add against a TUI stopped by SIGSTOP: refused in {took:?}");
    for args in [&["list"][..], &["report"], &["backup", "b.json"]] {
        let (out, took) = timed(sb.cmd(args));
        names_stopped(&err(&out), t.pid());
        eprintln!("{args:?} against it: refused in {took:?}");
    }

    // A second TUI says so and exits; it never shows a blank screen.
    let mut second = Tui::start(&sb, 100, 30);
    let status = second
        .wait_exit(HANG)
        .unwrap_or_else(|| panic!("the second TUI kept waiting; screen:\n{}", second.screen()));
    assert!(!status.success());
    let said = String::from_utf8_lossy(&second.raw()).into_owned();
    assert!(said.contains("which is stopped (ctrl-z)"), "{said}");
    assert!(said.contains(&format!("kill -CONT {}", t.pid())), "{said}");

    // Resumed, it serves again: nothing ran meanwhile, and the add goes through now.
    signal(t.pid(), libc::SIGCONT);
    let (out, _) = add(&sb, &["3", "snack!", "@Bakery"]);
    ok(&out);
    t.wait_for("Bakery", TIMEOUT);
    t.quit();
    assert_eq!(list_json(&sb, &[]).len(), 1, "the refused add never ran");
}

#[test]
fn a_stopped_command_holder_is_named_at_once() {
    let sb = Sandbox::new();
    ok(&add(&sb, &["1", "misc!"]).0);
    // `stream --follow` holds the store as long as it runs, like a long import does.
    let mut holder = sb
        .cmd(&["stream", "--follow"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = holder.id() as libc::pid_t;
    assert!(
        common::wait_until(
            || lock_holder(&sb) == Some(pid as u32) && sb.data.join("store.sock").exists()
        ),
        "the command never held the store"
    );
    signal(pid, libc::SIGSTOP);
    wait_state(pid, 'T', TIMEOUT);

    let (out, took) = add(&sb, &["2", "misc"]);
    let e = err(&out);
    names_stopped(&e, pid);
    assert!(e.contains("(`expense --data-dir"), "{e}");
    assert!(e.contains("stream --follow`)"), "{e}");
    eprintln!("add against a stopped `expense stream --follow`: refused in {took:?}");

    // Its socket gone too (locked, nobody serving): the lock names it just as fast.
    std::fs::remove_file(sb.data.join("store.sock")).unwrap();
    let (out, took) = add(&sb, &["2", "misc"]);
    let e = err(&out);
    names_stopped(&e, pid);
    assert!(e.contains("nothing was done"), "{e}");
    eprintln!("add against it without its socket: refused in {took:?}");

    // Running but not serving: the wait is bounded, and the message says who and what to do.
    signal(pid, libc::SIGCONT);
    let (out, took) = add(&sb, &["2", "misc"]);
    let e = err(&out);
    assert!(
        e.contains(&format!("in use by expense process {pid}"))
            && e.contains("does not serve other processes now")
            && e.contains(&format!("kill {pid}")),
        "{e}"
    );
    // And it said what it waited for while it waited.
    assert!(
        e.contains(&format!(
            "expense: waiting for the store: expense process {pid} (`expense"
        )) && e.contains("giving up in"),
        "{e}"
    );
    eprintln!("add against a running holder without a socket: gave up after {took:?}");
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(list_json(&sb, &[]).len(), 1);
}

#[test]
fn a_command_waiting_on_a_holder_that_stops_is_told_at_once() {
    let sb = Sandbox::new();
    let mut t = Tui::start(&sb, 100, 30);
    t.wait_for("No expenses", TIMEOUT);
    // A command running in the TUI's session: it follows the stream until stopped.
    let mut follower = sb
        .cmd(&["stream", "--follow"])
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = follower.stdout.take().unwrap();
    ok(&add(&sb, &["4", "misc!", "@Seen"]).0);
    // The follower printed the record: it runs in the holder and waits on it.
    let mut line = [0u8; 64];
    let n = std::io::Read::read(&mut out, &mut line).unwrap();
    assert!(n > 0, "the follower printed nothing");

    signal(t.pid(), libc::SIGSTOP);
    let started = Instant::now();
    let status = loop {
        if let Some(s) = follower.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < HANG,
            "the follower kept waiting on a stopped holder"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    eprintln!(
        "a command in flight learned that its holder stopped in {:?}",
        started.elapsed()
    );
    assert!(!status.success());
    let mut e = String::new();
    std::io::Read::read_to_string(&mut follower.stderr.take().unwrap(), &mut e).unwrap();
    names_stopped(&e, t.pid());
    assert!(
        e.contains("the command had started there and goes on when that process resumes"),
        "{e}"
    );
    signal(t.pid(), libc::SIGCONT);
    t.quit();
}

#[test]
fn a_stopped_client_tui_holds_nobody_up() {
    let sb = Sandbox::new();
    let mut holder = Tui::start(&sb, 100, 30);
    holder.wait_for("No expenses", TIMEOUT);
    let mut client = Tui::start(&sb, 100, 30);
    client.wait_for("No expenses", TIMEOUT);
    signal(client.pid(), libc::SIGSTOP);
    wait_state(client.pid(), 'T', TIMEOUT);

    let started = Instant::now();
    for i in 0..40 {
        ok(&add(&sb, &[&format!("{i}.10"), "misc!", "@Corner"]).0);
    }
    eprintln!("40 adds with a stopped client TUI: {:?}", started.elapsed());
    holder.wait_for("40 items", TIMEOUT);
    // The holder lets go without waiting for the stopped client.
    let started = Instant::now();
    holder.type_str("q");
    let status = holder.wait_exit(HANG).expect("the holder hung on quitting");
    assert!(status.success());
    eprintln!(
        "the holder quit in {:?} with a stopped client",
        started.elapsed()
    );

    // Resumed, the client takes the store over and sees everything.
    signal(client.pid(), libc::SIGCONT);
    client.wait_for("40 items", TIMEOUT);
    assert!(common::wait_until(
        || lock_holder(&sb) == Some(client.pid() as u32)
    ));
    ok(&add(&sb, &["9", "misc", "@Late"]).0);
    client.wait_for("41 items", TIMEOUT);
    client.quit();
}

#[test]
fn a_tui_whose_holder_stops_says_so_and_comes_back() {
    let sb = Sandbox::new();
    let mut holder = Tui::start(&sb, 100, 30);
    holder.wait_for("No expenses", TIMEOUT);
    let mut client = Tui::start(&sb, 100, 30);
    client.wait_for("No expenses", TIMEOUT);
    signal(holder.pid(), libc::SIGSTOP);
    wait_state(holder.pid(), 'T', TIMEOUT);

    // The client's next request meets the stopped holder: the status line says who and how.
    client.type_str("i");
    client.wait_for("Quick entry", TIMEOUT);
    client.type_str("5 misc! @Nope");
    client.enter();
    client.wait_for(
        &format!("held by stopped process {}", holder.pid()),
        TIMEOUT,
    );
    client.wait_for(&format!("kill -CONT {}", holder.pid()), TIMEOUT);
    // It still answers keys meanwhile.
    client.type_str("?");
    client.wait_for("next row", TIMEOUT);
    client.type_str("?");
    client.wait_until("help to close", TIMEOUT, |s| !s.contains("next row"));
    // It still answers keys, and q quits... after the holder is back, it is back too.
    signal(holder.pid(), libc::SIGCONT);
    client.wait_until("the notice to go", TIMEOUT, |s| {
        !s.contains("stopped process")
    });
    ok(&add(&sb, &["6", "misc!", "@Yes"]).0);
    client.wait_for("Yes", TIMEOUT);
    holder.wait_for("Yes", TIMEOUT);
    client.quit();
    holder.quit();
    let items = list_json(&sb, &[]);
    assert!(
        items.iter().all(|i| i["payee"] != "Nope"),
        "a change refused while the holder was stopped was not saved later: {items:?}"
    );
}

#[test]
fn term_dumb_or_unset_gets_the_commands_not_a_broken_screen() {
    for term in [Some("dumb"), None] {
        let sb = Sandbox::new();
        let mut t = Tui::start_with(&sb, 100, 30, &[("TERM", term)], &[]);
        let status = t.wait_exit(HANG).expect("a dumb terminal TUI kept running");
        assert!(!status.success());
        let raw = t.raw();
        let said = String::from_utf8_lossy(&raw);
        assert!(
            said.contains("cannot show the interactive ledger")
                && said.contains("`expense list`")
                && said.contains("`expense add"),
            "{said}"
        );
        assert!(
            !raw.windows(2).any(|w| w == b"\x1b["),
            "escape codes on a dumb terminal: {said:?}"
        );
        assert!(!sb.data.join("store").exists(), "it touched the store");
    }
}

#[test]
fn commands_on_a_dumb_terminal_print_no_escape_codes() {
    // An import long enough for its progress bar (drawn once the writing has taken 300 ms, on a
    // terminal): about 2 s here, far past that even on a fast machine.
    let mut csv = String::from("date,amount,payee,note\n");
    for i in 0..12000 {
        csv.push_str(&format!(
            "2026-{:02}-{:02},-{}.{:02},P{},n{i}\n",
            1 + i % 11,
            1 + i % 28,
            1 + i % 500,
            i % 100,
            i % 97
        ));
    }
    let run = |term: &str| {
        let sb = Sandbox::new();
        std::fs::write(sb.tmp.path().join("big.csv"), &csv).unwrap();
        let mut t = Tui::start_with(
            &sb,
            100,
            30,
            &[("TERM", Some(term))],
            &["import", "big.csv"],
        );
        let status = t
            .wait_exit(Duration::from_secs(120))
            .expect("the import hung");
        let raw = t.raw();
        assert!(status.success(), "{}", String::from_utf8_lossy(&raw));
        assert!(String::from_utf8_lossy(&raw).contains("imported 12000 new expenses"));
        raw
    };
    let drawn = run("xterm-256color");
    assert!(
        drawn.windows(4).any(|w| w == b"\x1b[2K"),
        "the control run drew no progress bar, so this test shows nothing"
    );
    let dumb = run("dumb");
    assert!(
        !dumb.contains(&0x1b),
        "escape codes on TERM=dumb: {:?}",
        String::from_utf8_lossy(&dumb)
    );
}

/// The holder's side, in this process: a caller that stopped reading never holds up the holder.
mod holder_side {
    use super::HANG;
    use expense_tracker::domain::{Currency, Draft, Kind};
    use expense_tracker::session::server::Server;
    use expense_tracker::session::{socket_path, write_frame, CommandRunner, Request, RunRequest};
    use expense_tracker::store::{Origin, Store};
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    fn draft(i: i64) -> Draft {
        Draft {
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            amount: 100 + i,
            currency: Currency::EUR,
            category: "food".into(),
            payee: format!("P{i}"),
            note: String::new(),
            tags: Vec::new(),
            kind: Kind::Expense,
        }
    }

    /// Waits until the holder closed its end of `conn` (without reading what it holds).
    fn closed_by_holder(conn: &UnixStream) -> Option<Duration> {
        let started = Instant::now();
        while started.elapsed() < HANG {
            let mut pfd = libc::pollfd {
                fd: conn.as_raw_fd(),
                events: libc::POLLRDHUP,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            if unsafe { libc::poll(&mut pfd, 1, 50) } > 0 && pfd.revents & libc::POLLRDHUP != 0 {
                return Some(started.elapsed());
            }
        }
        None
    }

    #[test]
    fn a_subscriber_that_stopped_reading_is_dropped_not_waited_for() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("store");
        let store = Store::open(&dir).unwrap();
        let runner: CommandRunner = Arc::new(|_, _, _, _, _| Ok(()));
        let server = Server::start(store.clone(), &socket_path(&dir), runner).unwrap();
        // A TUI's notice relay, stopped (SIGSTOP): it subscribed and never reads again.
        let mut stopped = UnixStream::connect(socket_path(&dir)).unwrap();
        write_frame(&mut stopped, &Request::Subscribe).unwrap();
        // Enough commits, one notice each, to fill its socket many times over.
        let started = Instant::now();
        for i in 0..3000 {
            store.put(draft(i), Origin::User, 1).unwrap();
        }
        eprintln!(
            "3000 writes with a subscriber that never reads: {:?}",
            started.elapsed()
        );
        let closed = closed_by_holder(&stopped).expect("the holder kept waiting on it");
        eprintln!("the holder dropped it {closed:?} after the last write");
        assert_eq!(server.shutdown(Duration::from_secs(1)), 0);
    }

    #[test]
    fn a_command_blocked_on_a_stopped_caller_ends_when_the_holder_lets_go() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("store");
        let store = Store::open(&dir).unwrap();
        let ended = Arc::new(AtomicBool::new(false));
        let flag = ended.clone();
        // A command whose output is far more than a socket holds (`expense list` of a big store).
        let runner: CommandRunner = Arc::new(move |_, _, out, _, _| {
            let chunk = vec![b'x'; 64 * 1024];
            let result =
                (0..1000).try_for_each(|_| out.write_all(&chunk).and_then(|()| out.flush()));
            flag.store(true, Ordering::SeqCst);
            result.map_err(|e| e.to_string())
        });
        let server = Server::start(store.clone(), &socket_path(&dir), runner).unwrap();
        // Its caller stopped (ctrl-z in its shell) after sending the command.
        let mut caller = UnixStream::connect(socket_path(&dir)).unwrap();
        let request = RunRequest {
            argv: vec!["expense".into(), "list".into()],
            cwd: tmp.path().to_path_buf(),
            config_dir: None,
            env: Vec::new(),
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            err_is_tty: false,
        };
        write_frame(&mut caller, &Request::Run(request)).unwrap();
        // It runs once the holder said `Started` (readable here; never read).
        let mut pfd = libc::pollfd {
            fd: caller.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let r = unsafe { libc::poll(&mut pfd, 1, HANG.as_millis() as i32) };
        assert_eq!(r, 1, "the command never started");
        // The holder lets go: it waits its (here short) drain, then ends the command.
        let started = Instant::now();
        let left = server.shutdown(Duration::from_millis(300));
        assert_eq!(
            left, 1,
            "the command was still blocked when the wait ran out"
        );
        while !ended.load(Ordering::SeqCst) {
            assert!(
                started.elapsed() < HANG,
                "the command stayed blocked on its caller"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        eprintln!(
            "a command blocked on a stopped caller ended {:?} into the let-go",
            started.elapsed()
        );
        drop(store);
        // And nothing in this process keeps the store: the next holder can take it.
        let released = (0..600).any(|_| {
            std::thread::sleep(Duration::from_millis(5));
            expense_tracker::store::lock_holder(&dir).is_none()
        });
        assert!(released, "the store stayed locked after the holder let go");
    }
}
