//! No panic from any input: property tests that feed the four readers of outside text hostile
//! input and check that each answers `Ok` with a value that holds its invariants, or `Err` with
//! a message that names where the problem is. One module per reader:
//!
//! - `money`: the amount parser (`parse_amount`, `eval_amount`, `Currency::parse`);
//! - `quick`: the quick-entry grammar (`split`, `from_args`, `parse`);
//! - `import`: `expense import` end to end (the CSV/JSON reader, column mapping, row
//!   conversion), driven through the CLI's public `run`, plus `domain::import::convert`;
//! - `config`: `Config::load` over a `config.toml` and `EXPENSE_*` variables.
//!
//! Inputs come from `hostile`: control characters, non-ASCII digits, signs, separators, huge
//! numbers, `i64::MAX` +- 1 minor units, currency codes and symbols, quotes, `@ # ! --`, and
//! plain arbitrary strings and bytes. Each property runs [`hostile::cases`] cases (2000 unless
//! `EXPENSE_FUZZ_CASES` says otherwise), so the whole file stays bounded in time; a case that
//! ever fails is kept by proptest in a `*.proptest-regressions` file beside its module and
//! replayed first, and each crash found so far is also a named test in its module.

mod config;
mod hostile;
mod import;
mod money;
mod quick;
