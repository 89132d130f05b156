//! The ledger's filter (`/` on the ledger): what a typed line means and which expenses it keeps.
//! Pure: no store, no clock.
//!
//! Rule: the line is split at blanks into terms, and an expense is kept when every term matches
//! it. A term with a field prefix narrows by that field: `cat:food` (the category or one below
//! it, or a category containing the text), `@lidl` (payee), `#trip` (a tag), `note:receipt`,
//! `>50`, `>=50`, `<20`, `<=20`, `=12.50` (the amount, in the expense's currency, refunds by
//! their size). Any other term is free text, matched against each field on its own (payee,
//! category, note, each tag, the amount): a term of up to three characters must appear as typed
//! (case-insensitive, accents folded) inside one field, so `cof` keeps "Coffee Lab" and never
//! Spotify or BVG, whose letters only appear scattered across fields; a longer term may also
//! match fuzzily inside one field when it scores at least three quarters of what the term scores
//! against itself (few and short gaps, as `fdrest` in `food:restaurants`), which drops the weak
//! matches that spread a pattern over a whole line.

use super::fuzzy::Fuzzy;
use super::money::{format_plain, parse_amount};
use super::Expense;

/// Shortest free-text term that may match fuzzily (shorter ones must appear as typed).
const FUZZY_FROM: usize = 4;

/// One term of the filter line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    /// Free text (lower-cased, accents folded).
    Text(String),
    /// `cat:` / `category:`.
    Category(String),
    /// `@`.
    Payee(String),
    /// `#`.
    Tag(String),
    /// `note:`.
    Note(String),
    /// `>`, `>=`, `<`, `<=`, `=` and the amount text (read in each expense's currency).
    Amount(Cmp, String),
}

/// How an amount term compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
}

/// A parsed filter line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    terms: Vec<Term>,
}

/// Lower case with accents folded (`Café` -> `cafe`), as the filter compares text.
fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            c => c,
        })
        .collect()
}

impl Filter {
    /// The filter `line` means (blank: keeps everything).
    pub fn parse(line: &str) -> Filter {
        let terms = line
            .split_whitespace()
            .map(|w| {
                let lower = fold(w);
                let after = |p: &str| lower.strip_prefix(p).filter(|r| !r.is_empty());
                if let Some(r) = after("cat:").or_else(|| after("category:")) {
                    return Term::Category(r.to_string());
                }
                if let Some(r) = after("note:") {
                    return Term::Note(r.to_string());
                }
                if let Some(r) = after("@") {
                    return Term::Payee(r.to_string());
                }
                if let Some(r) = after("#") {
                    return Term::Tag(r.to_string());
                }
                for (p, c) in [
                    (">=", Cmp::Ge),
                    ("<=", Cmp::Le),
                    (">", Cmp::Gt),
                    ("<", Cmp::Lt),
                    ("=", Cmp::Eq),
                ] {
                    if let Some(r) = after(p) {
                        return Term::Amount(c, r.to_string());
                    }
                }
                Term::Text(lower)
            })
            .collect();
        Filter { terms }
    }

    /// True when the line had no term.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// A matcher for this filter (it keeps scratch space for the fuzzy terms).
    pub fn matcher(&self) -> FilterMatcher<'_> {
        FilterMatcher {
            filter: self,
            fuzzy: self
                .terms
                .iter()
                .map(|t| match t {
                    Term::Text(s) if s.chars().count() >= FUZZY_FROM => {
                        let mut f = Fuzzy::new(s);
                        let best = f.score(s).unwrap_or(0);
                        Some((f, best * 3 / 4))
                    }
                    _ => None,
                })
                .collect(),
        }
    }
}

/// Tests expenses against a [`Filter`].
pub struct FilterMatcher<'a> {
    filter: &'a Filter,
    /// Per term: its fuzzy matcher and the least score it accepts (free text of 4+ characters).
    fuzzy: Vec<Option<(Fuzzy, u32)>>,
}

impl FilterMatcher<'_> {
    /// True when every term matches `e`.
    pub fn matches(&mut self, e: &Expense) -> bool {
        let d = &e.draft;
        let fields = || {
            [fold(&d.payee), fold(&d.category), fold(&d.note)]
                .into_iter()
                .chain(d.tags.iter().map(|t| fold(t)))
                .chain(std::iter::once(format_plain(d.amount, d.currency)))
        };
        for (term, fuzzy) in self.filter.terms.iter().zip(self.fuzzy.iter_mut()) {
            let ok = match term {
                Term::Category(c) => {
                    let cat = fold(&d.category);
                    cat.contains(c.as_str())
                }
                Term::Payee(p) => fold(&d.payee).contains(p.as_str()),
                Term::Note(n) => fold(&d.note).contains(n.as_str()),
                Term::Tag(t) => d.tags.iter().any(|x| fold(x).starts_with(t.as_str())),
                Term::Amount(cmp, text) => match parse_amount(text, d.currency) {
                    Ok(v) => {
                        let a = d.amount.abs();
                        match cmp {
                            Cmp::Gt => a > v,
                            Cmp::Ge => a >= v,
                            Cmp::Lt => a < v,
                            Cmp::Le => a <= v,
                            Cmp::Eq => a == v,
                        }
                    }
                    Err(_) => false,
                },
                Term::Text(s) => {
                    fields().any(|f| f.contains(s.as_str()))
                        || fuzzy.as_mut().is_some_and(|(f, least)| {
                            fields().any(|x| f.score(&x).is_some_and(|sc| sc >= *least))
                        })
                }
            };
            if !ok {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Currency, Draft, ExpenseId, Kind};

    fn e(payee: &str, category: &str, cents: i64, tags: &[&str]) -> Expense {
        Expense {
            id: ExpenseId(1),
            draft: Draft {
                date: chrono::NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
                amount: cents,
                currency: Currency::EUR,
                category: category.into(),
                payee: payee.into(),
                note: "paid with card".into(),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                kind: Kind::Expense,
            },
            created: 0,
            updated: 0,
            version: 1,
        }
    }

    fn kept<'a>(line: &str, rows: &'a [Expense]) -> Vec<&'a str> {
        let f = Filter::parse(line);
        let mut m = f.matcher();
        rows.iter()
            .filter(|r| m.matches(r))
            .map(|r| r.draft.payee.as_str())
            .collect()
    }

    fn month() -> Vec<Expense> {
        vec![
            e("Coffee Lab", "food:coffee", 380, &["work"]),
            e("Spotify", "fun:subscriptions", 999, &[]),
            e("BVG", "transport:public", 4_900, &["commute"]),
            e("Café Central", "food:coffee", 450, &[]),
            e("Pizza Roma", "food:restaurants", 2_350, &["friends"]),
            e("Shop", "food:groceries", -500, &[]),
        ]
    }

    #[test]
    fn a_short_term_matches_inside_one_field_only() {
        let rows = month();
        // `cof` once kept Spotify and BVG too (letters scattered over the whole line).
        assert_eq!(kept("cof", &rows), ["Coffee Lab", "Café Central"]);
        assert_eq!(kept("caf", &rows), ["Café Central"]);
        assert_eq!(kept("CAFE", &rows), ["Café Central"]);
    }

    #[test]
    fn a_longer_term_matches_fuzzily_inside_one_field() {
        let rows = month();
        assert_eq!(kept("fdrest", &rows), ["Pizza Roma"]);
        assert_eq!(kept("subscr", &rows), ["Spotify"]);
        assert!(kept("xqzw", &rows).is_empty());
    }

    #[test]
    fn field_prefixes_narrow_by_field_and_terms_combine() {
        let rows = month();
        assert_eq!(
            kept("cat:food", &rows),
            ["Coffee Lab", "Café Central", "Pizza Roma", "Shop"]
        );
        assert_eq!(kept("@caf", &rows), ["Café Central"]);
        assert_eq!(kept("#comm", &rows), ["BVG"]);
        assert_eq!(kept(">20", &rows), ["BVG", "Pizza Roma"]);
        assert_eq!(kept("<=4.50", &rows), ["Coffee Lab", "Café Central"]);
        assert_eq!(kept("=5", &rows), ["Shop"], "a refund by its size");
        assert_eq!(
            kept("cat:food >4", &rows),
            ["Café Central", "Pizza Roma", "Shop"]
        );
        assert_eq!(kept("note:card cof", &rows), ["Coffee Lab", "Café Central"]);
        assert!(
            kept(">abc", &rows).is_empty(),
            "an amount that does not read keeps nothing"
        );
        assert_eq!(kept("  ", &rows).len(), rows.len());
    }
}
