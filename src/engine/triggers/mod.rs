//! User triggers: `[[trigger]]` entries in config, each a filter over change records and a command
//! that receives the matching records as JSON on stdin (the `expense stream` shape, in the
//! trigger's view): one record per run, or with `batch_size` above 1 `{"Records": [...]}` as a
//! Lambda receives DynamoDB Streams batches. The DynamoDB Streams + Lambda idea: each trigger has
//! a durable checkpoint in the store (`store/checkpoints.rs`), so every record is delivered at
//! least once, also across restarts and crashes; a failing batch is retried with exponential
//! backoff, and after `max_attempts` its records go to the trigger's dead-letter list and the
//! trigger moves on; records older than `max_record_age` go there instead of firing.
//!
//! Who delivers: the process that holds the store ([`Dispatcher`], started next to the session
//! server by the TUI and by a command that opened the store itself), one worker thread per
//! trigger. A trigger first seen starts at the newest record: it gets what is written after it
//! was configured. A command may itself run `expense` against the same store: the holder keeps
//! serving its socket until the triggers are done (`session/holder.rs`).
//!
//! Rooms: `deliver.rs` (one run of the command, the one place records are encoded),
//! `worker.rs` (a trigger's checkpointed pass: batches, age, retries, dead letters),
//! `dispatch.rs` (the threads), `health.rs` (lag and counters; retry and drop of dead letters).
//! Keys are documented in `config/trigger.rs`.

mod deliver;
mod dispatch;
mod health;
mod worker;

pub use crate::domain::trigger::TriggerSpec;
pub use deliver::{deliver, encode_batch};
pub use dispatch::Dispatcher;
pub use health::{drop_dead_letters, health, retry_dead_letter, Health};
