//! Fuzzy matching (nucleo's matcher, the one helix uses): pure computation shared by the ledger
//! filter and form completion.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// A compiled pattern plus the matcher's scratch space.
pub struct Fuzzy {
    pattern: Pattern,
    matcher: Matcher,
    buf: Vec<char>,
}

impl Fuzzy {
    /// Compiles `pattern` (smart case: upper case letters must match exactly).
    pub fn new(pattern: &str) -> Fuzzy {
        Fuzzy {
            pattern: Pattern::parse(pattern, CaseMatching::Smart, Normalization::Smart),
            matcher: Matcher::new(Config::DEFAULT),
            buf: Vec::new(),
        }
    }

    /// The match score of `haystack`, higher is better; `None` when it does not match.
    pub fn score(&mut self, haystack: &str) -> Option<u32> {
        self.pattern
            .score(Utf32Str::new(haystack, &mut self.buf), &mut self.matcher)
    }
}

/// The candidates that match `query`, best first; with an empty query, all in their given order.
/// `limit` bounds the result.
pub fn rank<'a>(
    query: &str,
    candidates: impl Iterator<Item = &'a str>,
    limit: usize,
) -> Vec<String> {
    let query = query.trim();
    if query.is_empty() {
        return candidates.take(limit).map(str::to_string).collect();
    }
    let mut fuzzy = Fuzzy::new(query);
    let mut scored: Vec<(u32, usize, &str)> = candidates
        .enumerate()
        .filter_map(|(i, c)| fuzzy.score(c).map(|s| (s, i, c)))
        .collect();
    // Best score first; among equals keep the given order (most used first).
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .take(limit)
        .map(|(_, _, c)| c.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_fuzzy_matches() {
        let cats = ["food:groceries", "food:restaurants", "transport", "fun"];
        assert_eq!(
            rank("groc", cats.iter().copied(), 5),
            vec!["food:groceries"]
        );
        assert_eq!(
            rank("", cats.iter().copied(), 2),
            vec!["food:groceries", "food:restaurants"]
        );
        assert!(rank("fdrest", cats.iter().copied(), 5).contains(&"food:restaurants".to_string()));
        assert!(rank("zzz", cats.iter().copied(), 5).is_empty());
    }
}
