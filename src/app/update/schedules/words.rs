//! What the status line says after a schedule write, read from the change itself (the
//! schedule before and after, the expense posted), so every session words a write the same
//! whoever asked for it. Pure.

use crate::domain::answer::ScheduleSaved;
use crate::domain::change::short;
use crate::domain::schedule::Schedule;

/// The next occurrence in words: `next 2026-12-01`, `nothing left`.
pub fn next_text(s: &Schedule) -> String {
    match s.next_occurrence() {
        Some(o) => format!("next {}", o.date.format("%Y-%m-%d")),
        None => "nothing left to post".into(),
    }
}

/// The status line after `saved`; `posting`: what fell due is being posted, and the posting's
/// words follow (so no `next` that is about to change, and one `undo` note, the posting's).
pub fn saved_text(saved: &ScheduleSaved, posting: bool) -> String {
    let c = &saved.change;
    let what = short(&c.schedule().template);
    let text = match (&c.old, &c.new, &saved.posted, saved.handled) {
        (_, None, _, _) => format!("Removed recurring {what}; what it posted stays"),
        (None, Some(_), _, _) if posting => format!("Added recurring {what}"),
        (None, Some(n), _, _) => format!("Added recurring {what}: {}", next_text(n)),
        (_, Some(_), Some(e), _) => format!(
            "Posted {} on {}",
            short(&e.draft),
            e.draft.date.format("%Y-%m-%d")
        ),
        (_, Some(n), None, Some(day)) => format!(
            "Skipped {what} of {}; {}",
            day.format("%Y-%m-%d"),
            next_text(n)
        ),
        (Some(o), Some(n), None, None) if o.paused != n.paused => {
            if n.paused {
                format!("Paused {what}: nothing falls due until p resumes it")
            } else {
                format!("Resumed {what}: {}", next_text(n))
            }
        }
        (Some(o), Some(n), None, None) if o.moved != n.moved && o.rule == n.rule => {
            format!("Moved an occurrence of {what}: {}", next_text(n))
        }
        (Some(o), Some(n), None, None) if o.rule.end != n.rule.end && o.template == n.template => {
            format!("Ended {what}: {}", next_text(n))
        }
        (Some(_), Some(n), None, None) => format!("Saved recurring {what}: {}", next_text(n)),
    };
    if posting {
        text
    } else {
        format!("{text} · u undoes")
    }
}
