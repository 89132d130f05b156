//! expense-tracker: a keyboard-driven terminal expense tracker on an embedded sled store that
//! behaves like a small DynamoDB (typed items, a date index with projections, conditional writes,
//! a change stream with old and new images).
//!
//! # The map (kept true in the same commit that changes a room)
//!
//! Data flows down, events flow up: `main -> {tui, cli} -> session -> engine -> store -> domain`,
//! and `tui -> app -> ui`. No module imports one above it; `tests/layers.rs` fails when one does.
//!
//! ```text
//! main.rs     clap parsing and dispatch; hands cli's command runner to the TUI and the server
//! cli/        one file per subcommand, headless, run against a Ctx; launch.rs: where a command
//!             runs (in the holder's session, or here as the holder)
//! tui/        terminal lifetime, the event loop, keymap (key -> Action), backend (local
//!             engine + holder, or a remote session, or away; lets the store go on ctrl-z)
//! app/        the Elm core: State, Action, update (one reducer file per screen), list.rs (one
//!             Cursor); no terminal, no IO, no store
//! ui/         pure render from &State: one file (or folder) per screen, widgets/ (one table)
//! session/    many processes, one store: the wire (Request/Reply::Answers), client, server,
//!             holder.rs (take and release the store, written once), peer.rs (who holds it and
//!             whether it is stopped: no wait on a stopped holder), syncer.rs (a holder's
//!             background sync)
//! engine/     runs against an open Store, knows no terminal, socket or clap: Engine::execute
//!             (Effect -> Answers), the ledger's pages, the review query, budget alerts, the
//!             stream's record formats (plain, DynamoDB's), user triggers, feed.rs (one change
//!             feed after commit), sync.rs (the sync protocol between two stores)
//! store/      sled and nothing above it touches sled: open, lock (who holds it), write (the
//!             floor), undo, query, tables.rs (the schema document), migrate.rs, stream, feed,
//!             trash, backup/, check/, swap.rs (the live store replaced by a restore in one rename),
//!             space.rs (a full disk), rename.rs (a category renamed or merged in one batch),
//!             fold.rs (a batch as one history line), sync/ (replicas: stamps, what a peer has
//!             not seen, its items applied last writer wins)
//! domain/     the nouns every layer shares: money, expense, period, quick grammar, validation,
//!             change records and their text, budgets and alerts, categories and their renames,
//!             schedules (when a recurring expense falls due), review data, trash, totals, and
//!             the effect/answer vocabulary the reducer and the engine exchange
//! config/     directories, config.toml over the embedded defaults, EXPENSE_* overrides, [[trigger]]
//! clock.rs    the one clock (today, now, local time), injectable for tests
//! ```
//!
//! Rules of the layers: `domain` imports only itself and the clock; `store` only `domain`;
//! `engine` only `store` and `domain` (the `Effect` and `Answer` it exchanges with the reducer are
//! domain data, so the engine never names `app`); `session` never `tui` or `cli` (commands reach
//! it as a `CommandRunner` that `main` hands in); `app` and `ui` never `store`, `engine`, `cli` or
//! `session` (`app` reads one function of `ui::layout`, so reducer and render agree on page
//! sizes).
//!
//! The design, the store's internals and the full rules of every command and screen follow
//! (`src/internals.md`); performance figures are in `benches/README.md`.
#![doc = include_str!("internals.md")]
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
