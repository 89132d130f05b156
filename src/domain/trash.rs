//! The trash as screens and commands see it: an expense that was deleted, and when it goes for
//! good. Pure data; the trash itself (rows, expiry index, sweeper) lives in `store/trash.rs`.

use super::Expense;
use serde::{Deserialize, Serialize};

/// One expense in the trash, for screens and commands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trashed {
    /// The expense as it was when deleted.
    pub expense: Expense,
    /// Unix ms of the delete.
    pub deleted_at: i64,
    /// Unix ms when it expires (the sweeper removes it at the first sweep after this).
    pub expires_at: i64,
}

/// The mark an image carries while its item waits in the trash, as DynamoDB's time-to-live
/// attribute marks an item: it was deleted at `deleted_at` and goes for good at `expires_at`.
/// A record whose new image carries one moved the item into the trash (a MODIFY); a record whose
/// old image carries one took it out again (restore: MODIFY) or for good (expiry or purge: the
/// item's one REMOVE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TrashMark {
    /// Unix ms of the delete.
    pub deleted_at: i64,
    /// Unix ms when it expires.
    pub expires_at: i64,
}
