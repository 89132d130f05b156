//! The nouns of the app: money, expenses, months, and the rules their fields obey. Pure: no I/O,
//! no terminal, no store.

pub mod answer;
pub mod budget;
pub mod category;
pub mod change;
pub mod effect;
pub mod expense;
pub mod filter;
pub mod fuzzy;
pub mod import;
pub mod money;
pub mod period;
pub mod quick;
pub mod rates;
pub mod rename;
pub mod review;
pub mod rule_text;
pub mod rules;
pub mod schedule;
pub mod schedule_row;
pub mod stream;
pub mod sync;
pub mod text;
pub mod totals;
pub mod trash;
pub mod trigger;
pub mod ttl;
pub mod validate;

pub use expense::{Draft, Expense, ExpenseId, ExpenseRow, ExpenseView, Kind};
pub use money::{Currency, MoneyError};
pub use period::Month;
