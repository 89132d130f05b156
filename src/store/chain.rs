//! The running hash of the change stream: `h(n) = sha256(h(n-1) ++ seq BE ++ record bytes)`,
//! from [`ZERO`] before the first record. Rule: one definition, used by every writer (the
//! transaction in `tables.rs`, retention, restore), the mark (`mark.rs`), backups and `check`;
//! the hash covers the stored bytes of each record, so any change to a kept record shows.

use sha2::{Digest, Sha256};

/// A stream hash.
pub type Hash = [u8; 32];

/// The hash before any record.
pub const ZERO: Hash = [0; 32];

/// The running hash after record `seq` whose stored bytes are `record`.
pub fn next_hash(prev: &Hash, seq: u64, record: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update(record);
    h.finalize().into()
}
