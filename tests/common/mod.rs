//! Shared helpers for the binary-level tests: a PTY harness (`Tui`) that runs `expense` under a
//! pseudo-terminal and waits on parsed screen text, plus small command helpers.
#![allow(dead_code)]

pub mod kill;
pub mod tmux;

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Default deadline for the app to show something.
pub const TIMEOUT: Duration = Duration::from_secs(10);

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_expense")
}

/// A scratch place: `data` (passed as --data-dir) and an empty `config` dir so the user's own
/// config.toml / keymap.toml never leak into a test.
pub struct Sandbox {
    pub tmp: tempfile::TempDir,
    pub data: PathBuf,
    pub config: PathBuf,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let config = tmp.path().join("config");
        std::fs::create_dir(&config).unwrap();
        Sandbox { tmp, data, config }
    }

    /// `expense --data-dir DATA args...` with a clean environment for the app's variables.
    pub fn cmd(&self, args: &[&str]) -> std::process::Command {
        self.cmd_at(&self.data, args)
    }

    /// [`Sandbox::cmd`] on another data directory (a restored store), same config.
    pub fn cmd_at(&self, data: &Path, args: &[&str]) -> std::process::Command {
        let mut c = std::process::Command::new(bin());
        c.arg("--data-dir").arg(data).args(args);
        scrub(&mut c, &self.config);
        c
    }
}

/// Removes every `EXPENSE_*`/`NO_COLOR` variable and points the config dir at `config`.
/// Automatic backups are off (a background `expense backup --auto` would hold the store at
/// moments a test does not choose); the tests of automatic backups turn them on with
/// [`auto_backups`].
pub fn scrub(c: &mut std::process::Command, config: &Path) {
    for (k, _) in std::env::vars() {
        if k.starts_with("EXPENSE_") {
            c.env_remove(k);
        }
    }
    c.env("EXPENSE_CONFIG_DIR", config);
    c.env("EXPENSE_BACKUP_EVERY_DAYS", "0");
    // The store closes when each command ends: a lingering holder would hold it at moments a
    // test does not choose (tests/linger.rs keeps it open).
    c.env("EXPENSE_LINGER_MINUTES", "0");
}

/// `c` with daily automatic backups, as a user's default config has them.
pub fn auto_backups(mut c: std::process::Command) -> std::process::Command {
    c.env("EXPENSE_BACKUP_EVERY_DAYS", "1");
    c
}

/// Waits up to [`TIMEOUT`] for `done`, checking every 20 ms; false if it never held.
pub fn wait_until(mut done: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + TIMEOUT;
    while Instant::now() < end {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

/// The current budgeting month, YYYY-MM (month_start_day is 1 in the test config).
pub fn this_month() -> String {
    chrono::Local::now().format("%Y-%m").to_string()
}

/// `expense list --json` parsed; panics with stderr on failure.
pub fn list_json(sb: &Sandbox, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["list", "--json"];
    args.extend_from_slice(extra);
    let out = sb.cmd(&args).output().unwrap();
    assert!(
        out.status.success(),
        "list failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The binary running under a pseudo-terminal, its output parsed into a screen by a reader
/// thread.
pub struct Tui {
    pub child: Box<dyn Child + Send + Sync>,
    master: Option<Box<dyn MasterPty + Send>>,
    writer: Option<Box<dyn Write + Send>>,
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    stop: Arc<AtomicBool>,
    reader: Option<JoinHandle<()>>,
}

impl Tui {
    /// Starts `expense --data-dir DATA` at `cols` x `rows`.
    pub fn start(sb: &Sandbox, cols: u16, rows: u16) -> Tui {
        Tui::start_with(sb, cols, rows, &[], &[])
    }

    /// Starts `expense --data-dir DATA args...` at `cols` x `rows` (a command whose stderr is a
    /// terminal, e.g. to see its progress bar).
    pub fn start_args(sb: &Sandbox, cols: u16, rows: u16, args: &[&str]) -> Tui {
        Tui::start_with(sb, cols, rows, &[], args)
    }

    /// [`Tui::start`] with environment changes over the harness's own (`None` unsets), e.g.
    /// `("TERM", Some("dumb"))`, and arguments after `--data-dir DATA` (a command run on a
    /// terminal).
    pub fn start_with(
        sb: &Sandbox,
        cols: u16,
        rows: u16,
        env: &[(&str, Option<&str>)],
        args: &[&str],
    ) -> Tui {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(bin());
        cmd.arg("--data-dir");
        cmd.arg(&sb.data);
        cmd.args(args);
        for (k, _) in std::env::vars() {
            if k.starts_with("EXPENSE_") || k == "NO_COLOR" {
                cmd.env_remove(k);
            }
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("EXPENSE_CONFIG_DIR", &sb.config);
        cmd.env("EXPENSE_LINGER_MINUTES", "0");
        for (k, v) in env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            }
        }
        cmd.cwd(sb.tmp.path());
        let child = pair.slave.spawn_command(cmd).unwrap();
        // Only the child holds the slave: its exit gives the reader EOF/EIO.
        drop(pair.slave);
        let master = pair.master;
        let writer = master.take_writer().unwrap();

        // Our own dup of the master fd, read with poll() so the thread can be told to stop and
        // close it: the terminal hangs up only when every master fd is closed.
        let fd = unsafe { libc::dup(master.as_raw_fd().expect("unix pty")) };
        assert!(fd >= 0, "dup failed");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let reader = {
            let (parser, raw, stop) = (parser.clone(), raw.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while !stop.load(Ordering::SeqCst) {
                    let mut pfd = libc::pollfd {
                        fd,
                        events: libc::POLLIN,
                        revents: 0,
                    };
                    let r = unsafe { libc::poll(&mut pfd, 1, 20) };
                    if r == 0 {
                        continue;
                    }
                    if r < 0 {
                        if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
                        {
                            continue;
                        }
                        break;
                    }
                    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
                    if n <= 0 {
                        break; // EOF or EIO: the child side is gone.
                    }
                    let bytes = &buf[..n as usize];
                    raw.lock().unwrap().extend_from_slice(bytes);
                    parser.lock().unwrap().process(bytes);
                }
                unsafe { libc::close(fd) };
            })
        };
        Tui {
            child,
            master: Some(master),
            writer: Some(writer),
            parser,
            raw,
            stop,
            reader: Some(reader),
        }
    }

    /// The parsed screen as text.
    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Everything the app wrote so far.
    pub fn raw(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    /// Polls the screen until it contains `text`; panics with the screen after `timeout`.
    pub fn wait_for(&self, text: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return;
            }
            if Instant::now() > deadline {
                panic!("timed out after {timeout:?} waiting for {text:?}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(15));
        }
    }

    /// Polls until `pred(screen)`; panics with `what` and the screen after `timeout`.
    pub fn wait_until(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return;
            }
            if Instant::now() > deadline {
                panic!("timed out after {timeout:?} waiting for {what}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(15));
        }
    }

    /// Waits until the raw output contains `needle` (e.g. an escape sequence).
    pub fn wait_raw(&self, needle: &[u8], timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.raw().windows(needle.len()).any(|w| w == needle) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(15));
        }
    }

    /// Sends bytes as if typed.
    pub fn send(&mut self, bytes: &[u8]) {
        let w = self.writer.as_mut().expect("writer dropped");
        w.write_all(bytes).unwrap();
        w.flush().unwrap();
    }

    pub fn type_str(&mut self, s: &str) {
        self.send(s.as_bytes());
    }

    pub fn tab(&mut self) {
        self.send(b"\t");
    }

    pub fn enter(&mut self) {
        self.send(b"\r");
    }

    /// `i`, then `line` in the one-line entry, then Enter (waits for the entry line first).
    pub fn quick_entry(&mut self, line: &str) {
        self.type_str("i");
        self.wait_for("Quick entry", TIMEOUT);
        self.type_str(line);
        self.enter();
    }

    /// `d` on the selected row and `y` when asked; waits for the message that it went.
    pub fn delete_selected(&mut self) {
        self.type_str("d");
        self.wait_for("y delete", TIMEOUT);
        self.type_str("y");
        self.wait_for("Moved to trash", TIMEOUT);
    }

    /// Resizes the terminal (the child gets SIGWINCH) and the parsed screen.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        // The parser first, under its lock, so no redraw at the new size is parsed at the old
        // one (that wraps lines and leaves garbage on the parsed screen).
        let mut parser = self.parser.lock().unwrap();
        parser.set_size(rows, cols);
        // Blank the parsed screen, so waits that follow see only what the app redraws.
        parser.process(b"\x1b[H\x1b[2J");
        self.master
            .as_ref()
            .expect("master dropped")
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        drop(parser);
    }

    pub fn pid(&self) -> libc::pid_t {
        self.child.process_id().expect("child pid") as libc::pid_t
    }

    /// Closes every master fd: the terminal hangs up and the child gets SIGHUP.
    pub fn hang_up(&mut self) {
        // Drop the reader's fd first so the writer's drop (which writes "\n" + EOF) and the
        // master's close are the last references.
        self.stop.store(true, Ordering::SeqCst);
        if let Some(r) = self.reader.take() {
            r.join().unwrap();
        }
        self.writer = None;
        self.master = None;
    }

    /// Polls `try_wait` until the child exits or `timeout` passes.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<portable_pty::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Presses `q` on the ledger and expects a successful exit.
    pub fn quit(&mut self) {
        self.type_str("q");
        let status = self.wait_exit(TIMEOUT).unwrap_or_else(|| {
            panic!(
                "no exit within {TIMEOUT:?} after q; screen:\n{}",
                self.screen()
            )
        });
        assert!(
            status.success(),
            "exit status {status:?}; screen:\n{}",
            self.screen()
        );
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        self.stop.store(true, Ordering::SeqCst);
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
    }
}

/// True when running as root, which ignores file permissions.
pub fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The stdout of a command that must succeed (else panics with its output).
pub fn ok(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The stderr of a command that must fail.
pub fn fails(out: std::process::Output) -> String {
    assert!(
        !out.status.success(),
        "should fail: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}
