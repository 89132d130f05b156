//! User triggers: `[[trigger]]` entries in config, each a filter over change records and a command
//! that receives every matching record as JSON on stdin (the `expense stream` shape, in the
//! trigger's view). The DynamoDB Streams + Lambda idea: each trigger has a durable checkpoint in
//! the store (`store/checkpoints.rs`), so every record is delivered at least once, also across
//! restarts and crashes; a failing command is retried with exponential backoff, and after
//! `max_attempts` the record goes to the trigger's dead-letter list and the trigger moves on.
//!
//! Who delivers: the process that holds the store ([`Dispatcher`], started next to the session
//! server by the TUI and by a command that opened the store itself). A trigger first seen starts
//! at the newest record: it gets what is written after it was configured.
//!
//! ```toml
//! [[trigger]]
//! name = "big-spend"                 # letters, digits, - and _
//! command = "notify-send 'big spend' \"$(jq -r .dynamodb.NewImage.amount)\""
//! events = ["INSERT", "MODIFY"]      # default: all three
//! category = "food"                  # the category or below it (old or new image)
//! min_amount = "50"                  # in the record's own currency
//! origins = ["user", "import"]       # default: all
//! view = "new_image"                 # keys_only | new_image | old_image | new_and_old_images
//! format = "dynamodb"                # plain (default) | dynamodb (as a Lambda gets it)
//! max_attempts = 5                   # then the record is dead-lettered
//! backoff_ms = 1000                  # first retry delay, doubled each time (capped at 5 min)
//! timeout_secs = 30                  # a command running longer is killed (a failure)
//! ```

mod deliver;

pub use crate::domain::trigger::TriggerSpec;
pub use deliver::{deliver, drop_dead_letters, health, retry_dead_letter, Dispatcher, Health};
