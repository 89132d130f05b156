//! Names from the store for the shell's completion: categories, payees and tags for the options
//! and words that take them (clap_complete's dynamic completion: `source <(COMPLETE=bash
//! expense)` registers `expense` itself as the completer; `main` answers it before anything
//! else runs).
//!
//! Rule: a completion reads only through the session that holds the store (a TUI, or a command
//! running), asked as a second TUI asks it, within `WAIT` (800 ms). It never opens the store: that
//! would take the store from a TUI starting at that moment, run the open's repairs and
//! migrations (and swallow what they say) on a key press, and create a store in a mistyped
//! `--data-dir`. With no session, a stopped or slow holder, or no store at all, it offers
//! nothing and prints nothing: the shell falls back to its own completion.
//!
//! Names are offered as stored; bash's quoting of them (a payee with a space, `H&M`) is done in
//! `complete/bash.rs`, which `main` registers in place of clap_complete's own bash adapter.

mod bash;

pub use bash::Bash;

use crate::config::{process_env, Places};
use crate::domain::answer::Completions;
use crate::session::client::served_completions;
use clap_complete::engine::CompletionCandidate;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

/// The longest a key press waits for the session's answer.
const WAIT: Duration = Duration::from_millis(800);

/// Category names starting with what is typed (`--category`, `budget set CATEGORY`, ...).
pub fn category(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(typed) = current.to_str() else {
        return Vec::new();
    };
    let names = known();
    starting(names.categories.iter().map(|c| c.0.as_str()), typed, "")
}

/// Payee names starting with what is typed (`--payee`).
pub fn payee(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(typed) = current.to_str() else {
        return Vec::new();
    };
    let names = known();
    starting(names.payees.iter().map(|p| p.0.as_str()), typed, "")
}

/// Tags for `--tags a,b`: the last one of the list is completed, those before it kept.
pub fn tags(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(typed) = current.to_str() else {
        return Vec::new();
    };
    let cut = typed.rfind([',', ' ']).map_or(0, |i| i + 1);
    let (before, last) = typed.split_at(cut);
    let names = known();
    starting(names.tags.iter().map(|t| t.0.as_str()), last, before)
}

/// A word of quick entry (`expense add 12.50 gro @Li #we`): `@` starts a payee, `#` a tag, a
/// digit, sign or currency symbol an amount or a date (nothing to offer), anything else a
/// category.
pub fn word(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(typed) = current.to_str() else {
        return Vec::new();
    };
    if let Some(rest) = typed.strip_prefix('@') {
        let names = known();
        return starting(names.payees.iter().map(|p| p.0.as_str()), rest, "@");
    }
    if let Some(rest) = typed.strip_prefix('#') {
        let names = known();
        return starting(names.tags.iter().map(|t| t.0.as_str()), rest, "#");
    }
    if typed
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || "+-.,€$£¥".contains(c))
    {
        return Vec::new();
    }
    let names = known();
    starting(names.categories.iter().map(|c| c.0.as_str()), typed, "")
}

/// `names` (most used first, the order kept) that start with `typed`, ignoring case, each
/// written after `prefix`.
fn starting<'a>(
    names: impl Iterator<Item = &'a str>,
    typed: &str,
    prefix: &str,
) -> Vec<CompletionCandidate> {
    let typed = typed.to_lowercase();
    names
        .filter(|n| n.to_lowercase().starts_with(&typed))
        .map(|n| CompletionCandidate::new(format!("{prefix}{n}")))
        .collect()
}

/// The line being completed as the shell will parse it (set by the bash adapter, whose
/// arguments are bash's pieces of words); else the process's own arguments are.
static WORDS: OnceLock<Vec<OsString>> = OnceLock::new();

/// Tells [`known`] the words of the line being completed (the program's name first), as the
/// shell will parse them.
fn use_words(words: &[String]) {
    let mut args = vec![OsString::from("expense"), OsString::from("--")];
    args.extend(words.iter().map(OsString::from));
    let _ = WORDS.set(args);
}

/// The store the line being completed names: in the words [`use_words`] was told, or in the
/// process's arguments.
fn line_store_dir() -> Option<PathBuf> {
    match WORDS.get() {
        Some(words) => store_dir(words.iter().cloned(), &process_env),
        None => store_dir(std::env::args_os(), &process_env),
    }
}

/// What the session knows, asked once per completion (several arguments may ask).
fn known() -> &'static Completions {
    static KNOWN: OnceLock<Completions> = OnceLock::new();
    KNOWN.get_or_init(|| {
        line_store_dir()
            .filter(|dir| dir.exists())
            .and_then(|dir| served_completions(&dir, WAIT))
            .unwrap_or_default()
    })
}

/// The store the command line being completed names. The shell runs `expense -- expense
/// WORDS...`: the words after the first `--`, the program's name first, with `--data-dir` and
/// `--demo` where the person typed them (else `EXPENSE_DATA_DIR`, else the platform's place).
fn store_dir(
    args: impl IntoIterator<Item = OsString>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<PathBuf> {
    let args: Vec<OsString> = args.into_iter().collect();
    let start = args.iter().position(|a| a == "--")? + 1;
    let mut data_dir = None;
    let mut demo = false;
    let mut words = args.get(start + 1..).unwrap_or_default().iter();
    while let Some(w) = words.next() {
        match w.to_str() {
            // Words of the expense from here on.
            Some("--") => break,
            Some("--data-dir") => data_dir = words.next().map(PathBuf::from),
            Some("--demo") => demo = true,
            Some(t) => {
                if let Some(v) = t.strip_prefix("--data-dir=") {
                    data_dir = Some(PathBuf::from(v));
                }
            }
            None => {}
        }
    }
    let data_dir = data_dir.or_else(|| {
        env("EXPENSE_DATA_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    let places = Places::resolve(data_dir, env).ok()?;
    Some(places.data_dir.join(if demo { "demo" } else { "store" }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_store_is_the_one_the_completed_line_names() {
        let none = |_: &str| None;
        let dir = |w: &[&str]| store_dir(args(w), &none);
        assert_eq!(
            dir(&["expense", "--", "expense", "--data-dir", "/d", "add", "gr"]),
            Some(PathBuf::from("/d/store"))
        );
        assert_eq!(
            dir(&[
                "/bin/expense",
                "--",
                "expense",
                "--demo",
                "--data-dir=/e",
                "list"
            ]),
            Some(PathBuf::from("/e/demo"))
        );
        // After the line's own `--`, `--data-dir` is a word of the expense.
        assert_eq!(
            dir(&[
                "expense",
                "--",
                "expense",
                "--data-dir",
                "/d",
                "add",
                "--",
                "--demo"
            ]),
            Some(PathBuf::from("/d/store"))
        );
        assert_eq!(dir(&["expense", "list"]), None, "not a completion");
        let env = |k: &str| (k == "EXPENSE_DATA_DIR").then(|| "/env".to_string());
        assert_eq!(
            store_dir(args(&["expense", "--", "expense", "add"]), &env),
            Some(PathBuf::from("/env/store"))
        );
    }

    #[test]
    fn names_start_with_what_is_typed_in_their_order() {
        let names = ["groceries", "gifts", "Garden", "rent"];
        let values = |typed: &str, prefix: &str| -> Vec<String> {
            starting(names.into_iter(), typed, prefix)
                .iter()
                .map(|c| c.get_value().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(values("gr", ""), ["groceries"]);
        assert_eq!(values("G", "@"), ["@groceries", "@gifts", "@Garden"]);
        assert_eq!(
            values("", "a,"),
            ["a,groceries", "a,gifts", "a,Garden", "a,rent"]
        );
        assert!(values("x", "").is_empty());
    }
}
