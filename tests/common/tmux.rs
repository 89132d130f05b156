//! An interactive shell with job control in a private tmux server, for what a pseudo-terminal
//! harness cannot show: ctrl-z and `fg`. A process started straight under a PTY leads its own
//! session, so its process group is orphaned and the kernel (and `expense`) ignore ctrl-z; a
//! shell in tmux runs it as a job, as a person's shell does.
//!
//! Each `Shell` has its own tmux server (`-S` socket in the sandbox), so tests never meet each
//! other's or a person's sessions, and dropping it ends the server and what runs in it.

use super::{bin, Sandbox};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// A bash in a tmux pane, with the sandbox's config and no `EXPENSE_*` of ours.
pub struct Shell {
    socket: PathBuf,
}

impl Shell {
    /// Starts `bash` (no rc files, prompt `$ `) in a `cols` x `rows` pane, in the sandbox.
    pub fn start(sb: &Sandbox, cols: u16, rows: u16) -> Shell {
        let socket = sb.tmp.path().join("tmux.sock");
        let mut c = Command::new("tmux");
        c.arg("-S")
            .arg(&socket)
            .args(["-f", "/dev/null", "new-session", "-d", "-s", "t"])
            .args(["-x", &cols.to_string(), "-y", &rows.to_string()])
            // bash sets its own prompt unless told on its command line's environment.
            .arg("PS1='$ ' exec bash --norc --noprofile")
            .current_dir(sb.tmp.path())
            .env("TERM", "xterm-256color")
            .env("HISTFILE", "/dev/null")
            .env("EXPENSE_CONFIG_DIR", &sb.config)
            .env("EXPENSE_BACKUP_EVERY_DAYS", "0")
            // The store closes when each command ends (tests/linger.rs keeps it open).
            .env("EXPENSE_LINGER_MINUTES", "0")
            // Errors print at once (a backtrace would be resolved first).
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .env_remove("TMUX");
        for (k, _) in std::env::vars() {
            if k.starts_with("EXPENSE_")
                && k != "EXPENSE_CONFIG_DIR"
                && k != "EXPENSE_BACKUP_EVERY_DAYS"
                && k != "EXPENSE_LINGER_MINUTES"
            {
                c.env_remove(k);
            }
        }
        let out = c.output().expect("tmux runs");
        assert!(
            out.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let shell = Shell { socket };
        // The pane is captured without trailing blanks: the prompt is a line "$".
        shell.wait_until("the prompt", super::TIMEOUT, |s| {
            s.lines().any(|l| l.trim_end() == "$")
        });
        shell
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// Types `line` and Enter.
    pub fn run(&self, line: &str) {
        self.tmux(&["send-keys", "-t", "t", "-l", line]);
        self.tmux(&["send-keys", "-t", "t", "Enter"]);
    }

    /// `expense --data-dir DATA args` typed into the shell.
    pub fn expense(&self, sb: &Sandbox, args: &str) {
        self.run(&format!(
            "'{}' --data-dir '{}' {args}",
            bin(),
            sb.data.display()
        ));
    }

    /// Presses keys by tmux name (`C-z`, `q`, `Enter`).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// The pane as text.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    /// Polls the pane until it contains `text`; panics with the pane after `timeout`.
    pub fn wait_for(&self, text: &str, timeout: Duration) {
        self.wait_until(&format!("{text:?}"), timeout, |s| s.contains(text));
    }

    /// Polls the pane until `pred(pane)`; panics with `what` and the pane after `timeout`.
    pub fn wait_until(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return;
            }
            if Instant::now() > deadline {
                panic!("timed out after {timeout:?} waiting for {what}; pane:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The pid of the shell's foreground job (the child of the shell), once there is one.
    pub fn job_pid(&self) -> libc::pid_t {
        let out = self.tmux(&["display-message", "-p", "-t", "t", "#{pane_pid}"]);
        let shell: u32 = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("pane pid");
        let children = format!("/proc/{shell}/task/{shell}/children");
        let deadline = Instant::now() + super::TIMEOUT;
        loop {
            let text = std::fs::read_to_string(&children).unwrap_or_default();
            if let Some(pid) = text.split_whitespace().next() {
                return pid.parse().expect("child pid");
            }
            assert!(Instant::now() < deadline, "the shell started no job");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// The state letter of process `pid` (`T`: stopped), `None` once it is gone.
pub fn state(pid: libc::pid_t) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .next()?
        .chars()
        .next()
}

/// Waits until process `pid` is in state `want` (e.g. `T`); panics after `timeout`.
pub fn wait_state(pid: libc::pid_t, want: char, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while state(pid) != Some(want) {
        assert!(
            Instant::now() < deadline,
            "process {pid} is {:?}, not {want:?}, after {timeout:?}",
            state(pid)
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
