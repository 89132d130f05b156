//! A one-line progress bar on the caller's stderr, drawn only when it is a terminal and only
//! once the work has taken longer than a moment; quiet in pipes and for quick jobs.

use std::io::Write;
use std::time::{Duration, Instant};

/// Work shorter than this never shows a bar.
const DELAY: Duration = Duration::from_millis(300);
/// Least time between two redraws.
const EVERY: Duration = Duration::from_millis(100);
/// Width of the bar in cells.
const WIDTH: usize = 30;

/// A progress bar for `total` units of `label`.
pub struct Progress {
    enabled: bool,
    label: &'static str,
    total: usize,
    started: Instant,
    last: Option<Instant>,
}

impl Progress {
    /// A bar that draws only when `tty` is true.
    pub fn new(tty: bool, label: &'static str, total: usize) -> Progress {
        Progress {
            enabled: tty,
            label,
            total,
            started: Instant::now(),
            last: None,
        }
    }

    /// Shows `done` of the total, if the bar is due.
    pub fn set(&mut self, err: &mut dyn Write, done: usize) {
        if !self.enabled || self.started.elapsed() < DELAY {
            return;
        }
        if self.last.is_some_and(|t| t.elapsed() < EVERY) && done < self.total {
            return;
        }
        self.last = Some(Instant::now());
        let frac = if self.total == 0 {
            1.0
        } else {
            done.min(self.total) as f64 / self.total as f64
        };
        let filled = (frac * WIDTH as f64).round() as usize;
        // A failed progress write is not worth failing the import for.
        let _ = write!(
            err,
            "\r\x1b[2K{} [{}{}] {:>3}% {done}/{}",
            self.label,
            "#".repeat(filled),
            "-".repeat(WIDTH - filled),
            (frac * 100.0).round() as u32,
            self.total
        );
        let _ = err.flush();
    }

    /// Clears the bar if one was drawn.
    pub fn finish(&mut self, err: &mut dyn Write) {
        if self.last.take().is_some() {
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_off_a_terminal_and_for_quick_work() {
        let mut out = Vec::new();
        let mut p = Progress::new(false, "importing", 10);
        p.set(&mut out, 5);
        p.finish(&mut out);
        let mut q = Progress::new(true, "importing", 10);
        q.set(&mut out, 5);
        q.finish(&mut out);
        assert!(out.is_empty());
        let mut r = Progress::new(true, "importing", 10);
        r.started -= DELAY * 2;
        r.set(&mut out, 5);
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(
            text.contains("importing [###############---------------]  50% 5/10"),
            "{text:?}"
        );
        r.finish(&mut out);
        assert!(out.ends_with(b"\r\x1b[2K"));
    }
}
