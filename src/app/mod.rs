//! The Elm core: state, actions, the pure reducer and the effects it asks for. No terminal, no
//! I/O, no sled: everything here is testable with a `State` and a list of `Action`s.

pub mod action;
pub mod answer;
pub mod effect;
pub mod list;
pub mod state;
pub mod update;

/// Fuzzy matching lives in `domain` (the quick-entry grammar uses it too).
pub use crate::domain::fuzzy;
pub use action::Action;
pub use answer::Answer;
pub use effect::Effect;
pub use state::State;
pub use update::update;
