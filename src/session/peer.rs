//! The process at the other end: who holds the store (the pid the socket's peer credentials
//! give, or the one `/proc/locks` names when nobody serves the socket), whether it is stopped
//! (ctrl-z, SIGSTOP: state `T`, or `t` under a debugger, in `/proc/PID/stat`), and a reader that
//! looks at it while it waits, so no caller ever waits on a stopped process.
//!
//! Rule: a stopped holder is found at once and named with its pid, its command line and how to
//! resume it; nothing here waits longer than [`LOOK_EVERY`] without looking again.

use crate::store::StoreError;
use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// How often a caller waiting for the holder looks whether it stopped.
pub const LOOK_EVERY: Duration = Duration::from_millis(100);

/// The longest command line a message quotes.
const COMMAND_MAX: usize = 60;

/// A process as `/proc` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    /// Its id.
    pub pid: u32,
    /// Its command line (program name without its folder, then the arguments), shortened and
    /// made inert for a terminal.
    pub command: String,
    /// Its state letter (`R`, `S`, `T` stopped, `t` stopped by a debugger, ...).
    pub state: char,
}

impl Process {
    /// The process `pid`, where the system tells it.
    pub fn of(pid: u32) -> Option<Process> {
        let state = state_of(pid)?;
        let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        Some(Process {
            pid,
            command: command_text(&raw),
            state,
        })
    }

    /// True when it is stopped: it runs nothing, serves nobody and lets nothing go until it is
    /// resumed.
    pub fn is_stopped(&self) -> bool {
        matches!(self.state, 'T' | 't')
    }

    /// The error that names this holder when it is stopped.
    pub fn stopped_error(&self) -> Option<StoreError> {
        self.is_stopped().then(|| self.stopped())
    }

    /// The error that names this holder as stopped (it was seen so).
    pub fn stopped(&self) -> StoreError {
        StoreError::HolderStopped {
            pid: self.pid,
            command: self.command.clone(),
            traced: self.state == 't',
        }
    }
}

/// The state letter of process `pid` (the field after the parenthesised name, which may itself
/// hold spaces and parentheses).
pub fn state_of(pid: u32) -> Option<char> {
    state_in(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

fn state_in(stat: &str) -> Option<char> {
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .next()?
        .chars()
        .next()
}

/// The parent of process `pid` (the field after the state in `/proc/PID/stat`).
pub fn parent_of(pid: u32) -> Option<u32> {
    parent_in(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

fn parent_in(stat: &str) -> Option<u32> {
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// `expense import big.csv` from a raw `/proc/PID/cmdline` (arguments separated by NUL).
fn command_text(raw: &[u8]) -> String {
    let mut words = raw
        .split(|b| *b == 0)
        .filter(|w| !w.is_empty())
        .map(|w| String::from_utf8_lossy(w).into_owned());
    let Some(program) = words.next() else {
        return "?".into();
    };
    let program = Path::new(&program)
        .file_name()
        .map_or(program.clone(), |n| n.to_string_lossy().into_owned());
    let line = std::iter::once(program)
        .chain(words)
        .collect::<Vec<_>>()
        .join(" ");
    let line = crate::domain::text::inert(&line).into_owned();
    if line.chars().count() <= COMMAND_MAX {
        return line;
    }
    let mut short: String = line.chars().take(COMMAND_MAX - 1).collect();
    short.push('…');
    short
}

/// The holder of the store in `store_dir` as the lock names it, when the system tells.
pub fn lock_holder(store_dir: &Path) -> Option<Process> {
    crate::store::lock_holder(store_dir).and_then(Process::of)
}

/// The uid and (where the OS tells it) pid of the process at the other end of `stream`: for a
/// connection the holder has not accepted yet, the process that listens.
pub fn peer_cred(stream: &UnixStream) -> io::Result<(u32, Option<u32>)> {
    let fd = stream.as_raw_fd();
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let mut cred = libc::ucred {
            pid: 0,
            uid: 0,
            gid: 0,
        };
        let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
        // SAFETY: `cred` and `len` are valid for writes of the sizes given.
        let r = unsafe {
            libc::getsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_PEERCRED,
                (&mut cred as *mut libc::ucred).cast(),
                &mut len,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok((cred.uid, u32::try_from(cred.pid).ok().filter(|p| *p > 0)))
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let mut uid: libc::uid_t = 0;
        let mut gid: libc::gid_t = 0;
        // SAFETY: both pointers are valid for writes.
        if unsafe { libc::getpeereid(fd, &mut uid, &mut gid) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok((uid, None))
    }
}

/// The holder at the other end of `stream`, if it is stopped now.
pub fn stopped_peer(stream: &UnixStream) -> Option<Process> {
    let pid = peer_cred(stream).ok()?.1?;
    if !matches!(state_of(pid)?, 'T' | 't') {
        return None;
    }
    Process::of(pid).filter(Process::is_stopped)
}

/// Why a [`Watched`] read gave up.
#[derive(Debug)]
pub enum GaveUp {
    /// The holder is stopped.
    Stopped(Process),
    /// The deadline passed with the holder running but silent.
    Silent,
}

impl std::fmt::Display for GaveUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GaveUp::Stopped(p) => write!(f, "expense process {} is stopped", p.pid),
            GaveUp::Silent => write!(f, "the holder did not answer in time"),
        }
    }
}

impl std::error::Error for GaveUp {}

/// Why a read from a [`Watched`] connection failed, when it gave up rather than failed.
pub fn gave_up(e: &io::Error) -> Option<&GaveUp> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<GaveUp>())
}

/// A connection to the holder read with a look at the holder every [`LOOK_EVERY`]: a read that
/// would wait on a stopped holder (or past `deadline`) fails with a [`GaveUp`] instead.
pub struct Watched<'a> {
    stream: &'a UnixStream,
    pid: Option<u32>,
    deadline: Option<Instant>,
}

impl<'a> Watched<'a> {
    /// Watches the holder at the other end of `stream`.
    pub fn new(stream: &'a UnixStream) -> Watched<'a> {
        Watched {
            stream,
            pid: peer_cred(stream).ok().and_then(|c| c.1),
            deadline: None,
        }
    }

    /// Gives up at `deadline` too, even with the holder running (`None`: only when it stops).
    pub fn until(mut self, deadline: Option<Instant>) -> Watched<'a> {
        self.deadline = deadline;
        self
    }
}

impl Read for Watched<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let mut pfd = libc::pollfd {
                fd: self.stream.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            let r = unsafe { libc::poll(&mut pfd, 1, LOOK_EVERY.as_millis() as libc::c_int) };
            if r > 0 {
                // Readable, closed or failed: the read does not wait.
                return (&mut &*self.stream).read(buf);
            }
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            if let Some(p) = self.pid.filter(|p| matches!(state_of(*p), Some('T' | 't'))) {
                if let Some(p) = Process::of(p).filter(Process::is_stopped) {
                    // What it wrote just before it stopped is read, not lost: nothing more can
                    // come now.
                    pfd.revents = 0;
                    // SAFETY: one valid pollfd; no wait.
                    if unsafe { libc::poll(&mut pfd, 1, 0) } > 0 {
                        return (&mut &*self.stream).read(buf);
                    }
                    return Err(io::Error::other(GaveUp::Stopped(p)));
                }
            }
            if self.deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(io::Error::new(io::ErrorKind::TimedOut, GaveUp::Silent));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_line_is_short_and_inert() {
        assert_eq!(
            command_text(b"/usr/local/bin/expense\0import\0big.csv\0"),
            "expense import big.csv"
        );
        assert_eq!(
            command_text(b"expense\0add\0x\x1b[31m\0"),
            "expense add x^[[31m"
        );
        let long = format!("expense\0add\0{}\0", "a".repeat(200));
        let shown = command_text(long.as_bytes());
        assert_eq!(shown.chars().count(), COMMAND_MAX);
        assert!(shown.ends_with('…'));
        assert_eq!(command_text(b""), "?");
    }

    #[test]
    fn this_process_runs_and_a_stopped_child_is_seen_stopped() {
        if !Path::new("/proc/self/stat").exists() {
            return;
        }
        let me = Process::of(std::process::id()).unwrap();
        assert!(!me.is_stopped(), "{me:?}");
        assert!(me.stopped_error().is_none());
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id();
        // SAFETY: signalling our own child.
        unsafe { libc::kill(pid as i32, libc::SIGSTOP) };
        let stopped = (0..500).find_map(|_| {
            std::thread::sleep(Duration::from_millis(10));
            Process::of(pid).filter(Process::is_stopped)
        });
        let _ = child.kill();
        let _ = child.wait();
        let p = stopped.expect("the child never showed as stopped");
        assert_eq!(p.command, "sleep 30");
        let text = p.stopped_error().unwrap().to_string();
        assert!(
            text.contains(&format!("process {pid} (`sleep 30`)")),
            "{text}"
        );
        assert!(text.contains(&format!("kill -CONT {pid}")), "{text}");
    }

    #[test]
    fn a_state_after_a_name_with_parentheses() {
        // The name field may hold ") "; the state follows the last ')'.
        assert_eq!(state_in("42 (a) T b) S 1 42"), Some('S'));
        assert_eq!(state_in("42 (expense) T 1 42"), Some('T'));
        assert_eq!(state_in("42 (expense"), None);
        assert_eq!(parent_in("42 (a) T b) S 17 42"), Some(17));
        assert_eq!(
            parent_of(std::process::id()),
            Some(std::os::unix::process::parent_id())
        );
    }
}
