//! Ids as people type them: the whole id, or a unique start of it (`expense trash restore 01KC3`,
//! `expense recurring pause 7ZZV3K`). Rule: the text is checked before the store is opened (a
//! typo opens nothing), and a prefix names exactly one of the candidates the command looks
//! among, or the command stops saying how many it matched.

use crate::domain::money::format_grouped;
use crate::domain::text::inert;
use crate::domain::{Expense, ExpenseId, Kind};
use crate::store::Store;
use color_eyre::eyre::{eyre, Result};

/// Where a command looks for an id, in the words of its messages.
pub struct Among {
    /// What no id matched: `expense in the trash`.
    pub none: &'static str,
    /// Where several matched: `ids in the trash`.
    pub many: &'static str,
    /// The command that shows them: `expense trash`.
    pub see: &'static str,
}

/// The id text, upper-cased, if it can be (the start of) an id: Crockford base32, at most 26
/// characters.
pub fn check_prefix(text: &str, among: &Among) -> Result<String> {
    let t = text.trim().to_ascii_uppercase();
    if t.is_empty() {
        return Err(eyre!(
            "give an id or its start (`{}` shows them)",
            among.see
        ));
    }
    if t.len() > 26 {
        return Err(eyre!(
            "'{}' is longer than an id (26 characters)",
            inert(text)
        ));
    }
    if let Some(c) = t
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() || matches!(c, 'I' | 'L' | 'O' | 'U'))
    {
        return Err(eyre!(
            "'{}' is not an id: '{}' does not occur in ids",
            inert(text),
            inert(&c.to_string())
        ));
    }
    Ok(t)
}

/// How `edit`, `rm` and `history` name stored expenses in messages.
pub const EXPENSES: Among = Among {
    none: "expense",
    many: "expenses",
    see: "expense list",
};

/// The fewest characters `expense list` shows of an id (more when needed to tell it apart).
pub const SHORT: usize = 8;

/// How many candidates an ambiguous prefix lists.
const SHOWN: usize = 10;

/// The stored expense whose id is `text` or starts with it (git's rule for short hashes). An
/// ambiguous start lists the candidates (id, date, amount, category) and names none; an unknown
/// one says so. `text` should have passed [`check_prefix`] before the store was opened.
pub fn stored_expense(store: &Store, text: &str) -> Result<Expense> {
    let prefix = check_prefix(text, &EXPENSES)?;
    let found = store.starting_with(&prefix, SHOWN + 1)?;
    one_of(&prefix, found, &EXPENSES)
}

/// The one expense of `found` (those whose id starts with `prefix`, at most `SHOWN` + 1 of
/// them); an error says none matched or lists them.
pub fn one_of(prefix: &str, found: Vec<Expense>, among: &Among) -> Result<Expense> {
    one_listed(prefix, found, among, candidate)
}

/// The one of `found` (those whose id starts with `prefix`); an error says none matched, or
/// lists up to `SHOWN` of them, each as `line` writes it, and that nothing changed.
pub fn one_listed<T>(
    prefix: &str,
    mut found: Vec<T>,
    among: &Among,
    line: impl Fn(&T) -> String,
) -> Result<T> {
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(eyre!(
            "no {} has an id starting with '{prefix}' (see `{}`)",
            among.none,
            among.see
        )),
        n => {
            let more = if n > SHOWN { "more than " } else { "" };
            let mut text = format!(
                "'{prefix}' starts {more}{} {}; give more of the id (nothing changed):",
                n.min(SHOWN),
                among.many
            );
            for t in found.iter().take(SHOWN) {
                text.push_str("\n  ");
                text.push_str(&line(t));
            }
            Err(eyre!(text))
        }
    }
}

/// `01KC3A0B…  2026-01-02  12.50 EUR  food`: one line of an ambiguous prefix's candidates.
fn candidate(e: &Expense) -> String {
    let d = &e.draft;
    let sign = if d.kind == Kind::Income { "+" } else { "" };
    format!(
        "{}  {}  {sign}{} {}  {}",
        e.id,
        d.date.format("%Y-%m-%d"),
        format_grouped(d.amount, d.currency),
        d.currency,
        inert(&d.category)
    )
}

/// The shortest start of each id that tells it from the others in `ids`, at least `min`
/// characters: what a list shows and a person types back.
pub fn short_ids(ids: &[ExpenseId], min: usize) -> Vec<String> {
    let texts: Vec<String> = ids.iter().map(ExpenseId::to_string).collect();
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let shared = texts
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, o)| t.bytes().zip(o.bytes()).take_while(|(a, b)| a == b).count())
                .max()
                .unwrap_or(0);
            t[..(shared + 1).max(min).min(t.len())].to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRASH: Among = Among {
        none: "expense in the trash",
        many: "ids in the trash",
        see: "expense trash",
    };

    #[test]
    fn prefixes_are_checked_before_the_store() {
        assert_eq!(check_prefix(" 01kc ", &TRASH).unwrap(), "01KC");
        assert!(check_prefix("", &TRASH).is_err());
        let e = check_prefix("01-x", &TRASH).unwrap_err().to_string();
        assert!(e.contains("'-'"), "{e}");
        assert!(check_prefix(&"0".repeat(27), &TRASH).is_err());
    }

    #[test]
    fn a_prefix_names_one_or_lists_the_candidates() {
        let a: ExpenseId = "01KC3000000000000000000000".parse().unwrap();
        let b: ExpenseId = "01KC3100000000000000000000".parse().unwrap();
        let starting = |p: &str| -> Vec<ExpenseId> {
            [a, b]
                .into_iter()
                .filter(|id| id.to_string().starts_with(p))
                .collect()
        };
        let line = |id: &ExpenseId| format!("{id}  line");
        assert_eq!(
            one_listed("01KC30", starting("01KC30"), &TRASH, line).unwrap(),
            a
        );
        let e = one_listed("01KC3", starting("01KC3"), &TRASH, line)
            .unwrap_err()
            .to_string();
        assert!(e.contains("starts 2 ids in the trash"), "{e}");
        assert!(e.contains(&format!("\n  {a}  line\n  {b}  line")), "{e}");
        let e = one_listed("02", starting("02"), &TRASH, line)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no expense in the trash"), "{e}");
        assert_eq!(short_ids(&[a, b], 3), ["01KC30", "01KC31"]);
        assert_eq!(short_ids(&[a], 8), ["01KC3000"]);
    }
}
