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
