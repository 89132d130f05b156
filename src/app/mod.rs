//! The Elm core: state, actions, the pure reducer and the effects it asks for. No terminal, no
//! I/O, no sled: everything here is testable with a `State` and a list of `Action`s.

pub mod action;
pub mod list;
pub mod prefetch;
pub mod state;
pub mod update;

/// Fuzzy matching lives in `domain` (the quick-entry grammar uses it too).
pub use crate::domain::fuzzy;
/// The effect and answer vocabulary is data that the engine shares: it lives in `domain`, so the
/// engine never imports `app` (see the layer map in `lib.rs`).
pub use crate::domain::{answer, answer::Answer, effect, effect::Effect};
pub use action::Action;
pub use state::State;
pub use update::update;
