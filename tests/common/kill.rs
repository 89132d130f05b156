//! The kill-cycle scaffolding of the fault tests (`import_kill`, `rename_kill`,
//! `recurring_kill`): a seeded random source printed for a rerun, a store copied per cycle, a
//! command killed by a signal after a delay, and the signals a process meets when it dies
//! (SIGKILL, SIGTERM, SIGHUP: an SSH connection dropped).

use rand::SeedableRng;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The signals a cycle kills with, in turn.
pub const SIGNALS: [libc::c_int; 3] = [libc::SIGKILL, libc::SIGTERM, libc::SIGHUP];

/// The random source of a test, seeded from `var` when set, else from the clock; the seed is
/// printed (as `name: seed N (VAR reruns it)`) so a failure can be run again.
pub fn rng(var: &str, name: &str) -> (u64, rand::rngs::SmallRng) {
    let seed: u64 = std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    eprintln!("{name}: seed {seed} ({var} reruns it)");
    (seed, rand::rngs::SmallRng::seed_from_u64(seed))
}

/// Copies a directory tree (a data directory no process holds).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Starts `cmd` (output discarded), sends it `signal` after `delay`, and waits for it to end.
pub fn kill_after(mut cmd: Command, delay: Duration, signal: libc::c_int) {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    // SAFETY: kill has no memory effects; the pid is our child's (not yet waited for).
    unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    child.wait().unwrap();
}
