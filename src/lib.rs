//! expense-tracker: a keyboard-driven terminal expense tracker on an embedded sled store.
//!
//! Layers (data flows down, events flow up): `cli`/`tui` drive `app` (the pure reducer), `ui`
//! renders `app` state, `store` is the only module that touches sled, `domain` holds the nouns.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod engine;
pub mod session;
pub mod store;
pub mod tui;
pub mod ui;
