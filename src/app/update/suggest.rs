//! Completion candidates from what the store knows (`State::completions`): the one matcher of
//! the add/edit form's suggestions and of the quick-entry line's completions, so a name is
//! offered the same way in both.

use crate::app::action::Completions;
use crate::app::fuzzy::rank;

/// Which names a word is completed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Categories, most used first.
    Category,
    /// Payees, most used first.
    Payee,
    /// Tags, most used first.
    Tag,
}

/// Up to `limit` names of `source` matching `query`, best first (fuzzy; with an empty query the
/// most used), leaving out `skip` (tags already given) and the query itself (it adds nothing).
pub fn candidates(
    c: &Completions,
    source: Source,
    query: &str,
    skip: &[&str],
    limit: usize,
) -> Vec<String> {
    let names: Vec<&str> = match source {
        Source::Category => c.categories.iter().map(|(n, _)| n.as_str()).collect(),
        Source::Payee => c.payees.iter().map(|(n, _, _)| n.as_str()).collect(),
        Source::Tag => c.tags.iter().map(|(n, _)| n.as_str()).collect(),
    };
    let query = query.trim();
    let free = names
        .into_iter()
        .filter(|n| *n != query && !skip.contains(n));
    rank(query, free, limit)
}
