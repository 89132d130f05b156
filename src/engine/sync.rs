//! The sync protocol: two stores exchange, in both directions, the items each has not seen from
//! the other, over a byte stream (ssh's stdin and stdout, or a pipe to a local
//! `expense sync --serve`). The store decides what wins (`store::sync`); this file only talks.
//!
//! Wire: each side first writes the line `expense-sync <version>\n` (so a peer that is not an
//! expense store, or speaks another version, is named plainly), then frames: a little-endian
//! `u32` length and a postcard [`Msg`]. The client (the side that ran ssh) pulls first, then
//! pushes:
//!
//! ```text
//! client                                  server (`expense sync --serve`)
//!   Hello{replica, label, have: 0}   ->
//!                                    <-   Hello{replica, label, have: what it has of ours}
//!   Pull{after, full, dry_run}       ->
//!                                    <-   Page{items, upto} ... End{upto}    (or Fail)
//!                                    <-   Pull{after, full, dry_run}
//!   Page{items, upto} ... End{upto}  ->
//!                                    <-   Done{applied, conflicts, rejected}
//! ```
//!
//! Each page is applied in one flushed transaction that also moves the checkpoint for that
//! peer, so a sync cut anywhere resumes where it stopped.

use crate::store::sync::{FullCursor, PeerState, SyncItem, SyncPage};
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use std::io::{self, BufRead, Read, Write};

/// The protocol version this build speaks.
pub const PROTOCOL: u32 = 1;

/// The start of the first line each side writes.
const GREETING: &str = "expense-sync ";

/// Records per page (each page is one transaction on the receiving side).
pub const PAGE_RECORDS: usize = 2_000;

/// Largest frame accepted (a page of 2,000 items with long notes is a few MB).
const MAX_FRAME: usize = 256 * 1024 * 1024;

/// One message of the protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Msg {
    /// Who is talking: replica id, stream label, and the seq of the other side's stream up to
    /// which the sender has applied it (0 in the client's hello, which does not know the peer
    /// yet).
    Hello {
        /// The sender's replica id.
        replica: u128,
        /// The sender's stream label.
        label: String,
        /// What the sender has of the receiver's changes.
        have: u64,
    },
    /// Send me your changes after seq `after` (all items when `full`).
    Pull {
        /// The last seq of the receiver's stream already applied here.
        after: u64,
        /// Compare item by item instead.
        full: bool,
        /// Only say what would change: neither side writes anything.
        dry_run: bool,
    },
    /// Items, covering the sender's stream up to `upto`.
    Page {
        /// The items.
        items: Vec<SyncItem>,
        /// The sender's seq they cover.
        upto: u64,
    },
    /// No more pages; the sender's stream is covered up to `upto`.
    End {
        /// The sender's seq.
        upto: u64,
    },
    /// The server applied the client's pages.
    Done {
        /// Items written.
        applied: u64,
        /// Conflicts found.
        conflicts: u64,
        /// Items refused, with why.
        rejected: Vec<String>,
    },
    /// The pull asks for changes the stream no longer holds: a full sync is needed.
    FullNeeded {
        /// The first seq the stream holds.
        start: u64,
    },
    /// The sender stops: why.
    Fail(String),
}

/// A sync failure, said as a sentence.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The connection broke or the peer said something unreadable.
    #[error("{0}")]
    Wire(String),
    /// The peer refused, or this side did.
    #[error("{0}")]
    Refused(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<io::Error> for SyncError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::UnexpectedEof | io::ErrorKind::BrokenPipe => SyncError::Wire(
                "the connection to the peer closed in the middle of the sync (what was applied \
                 stays; the next sync goes on from there)"
                    .into(),
            ),
            _ => SyncError::Wire(format!("the connection to the peer failed: {e}")),
        }
    }
}

/// Writes one frame.
pub fn send(w: &mut dyn Write, msg: &Msg) -> Result<(), SyncError> {
    let body = postcard::to_stdvec(msg)
        .map_err(|e| SyncError::Wire(format!("cannot encode a message: {e}")))?;
    let len =
        u32::try_from(body.len()).map_err(|_| SyncError::Wire("a message over 4 GB".into()))?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(&body)?;
    w.flush()?;
    Ok(())
}

/// Reads one frame.
pub fn receive(r: &mut dyn Read) -> Result<Msg, SyncError> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(SyncError::Wire(format!(
            "the peer sent a frame of {len} bytes, more than the {MAX_FRAME} allowed"
        )));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)?;
    postcard::from_bytes(&body).map_err(|e| {
        SyncError::Wire(format!(
            "the peer sent a message this version cannot read: {e}"
        ))
    })
}

/// Writes this side's greeting line.
pub fn greet(w: &mut dyn Write) -> Result<(), SyncError> {
    w.write_all(format!("{GREETING}{PROTOCOL}\n").as_bytes())?;
    w.flush()?;
    Ok(())
}

/// Refuses a store that is a copy of another (see `Store::copied_from_elsewhere`).
pub fn check_own_replica(store: &Store) -> Result<(), SyncError> {
    match store.copied_from_elsewhere()? {
        Some(why) => Err(SyncError::Refused(why)),
        None => Ok(()),
    }
}

/// What the client adds when the peer said nothing at all.
const SILENT_SERVER: &str = ": is `expense` installed there (and on the PATH of ssh's \
                             commands, or named by [sync] remote in config.toml)?";

/// Reads the peer's greeting line and checks its version; `silent` is said after "the peer
/// closed the connection without a word" (the client's hint at a missing program).
pub fn expect_greeting(r: &mut dyn BufRead, silent: &str) -> Result<(), SyncError> {
    let mut line = Vec::new();
    // At most a short line: a peer that is a shell printing a banner is not read to its end.
    (&mut *r).take(128).read_until(b'\n', &mut line)?;
    let text = String::from_utf8_lossy(&line);
    let shown = crate::domain::text::inert(text.trim_end());
    if line.is_empty() {
        return Err(SyncError::Wire(format!(
            "the peer closed the connection without a word{silent}"
        )));
    }
    let Some(version) = text.trim_end().strip_prefix(GREETING) else {
        return Err(SyncError::Refused(format!(
            "the peer is not an expense store that syncs: it said '{shown}'"
        )));
    };
    match version.parse::<u32>() {
        Ok(PROTOCOL) => Ok(()),
        Ok(v) => Err(SyncError::Refused(format!(
            "the peer speaks sync protocol {v} and this expense speaks {PROTOCOL}: install the \
             same version of expense on both devices"
        ))),
        Err(_) => Err(SyncError::Refused(format!(
            "the peer is not an expense store that syncs: it said '{shown}'"
        ))),
    }
}

/// What one sync did, for the person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The peer's replica id.
    pub peer: u128,
    /// Items sent.
    pub sent: u64,
    /// Items received and written here (with `--dry-run`: that would be).
    pub received: u64,
    /// Items the peer wrote (would write) of those sent.
    pub peer_applied: u64,
    /// Items received that this store already had as new or newer.
    pub unchanged: u64,
    /// Conflicts found here.
    pub conflicts: u64,
    /// Conflicts the peer found.
    pub peer_conflicts: u64,
    /// Items refused (here or there), with why.
    pub rejected: Vec<String>,
}

/// Refuses a peer that is this very store, or a copy with the same replica id.
fn check_peer(store: &Store, peer: u128) -> Result<(), SyncError> {
    if peer == store.replica_id()? {
        return Err(SyncError::Refused(format!(
            "both stores have the replica id {}: either this is the same store, or one was \
             copied from the other; run `expense sync --new-replica-id` on the copy",
            crate::domain::ExpenseId(peer)
        )));
    }
    Ok(())
}

/// Reads the next message, turning the peer's `Fail` into an error.
fn next(r: &mut dyn Read) -> Result<Msg, SyncError> {
    match receive(r)? {
        Msg::Fail(why) => Err(SyncError::Refused(format!(
            "the peer refused: {}",
            crate::domain::text::inert(&why)
        ))),
        m => Ok(m),
    }
}

fn unexpected(what: &str, m: &Msg) -> SyncError {
    let name = format!("{m:?}");
    let name = name
        .split(['{', '(', ' '])
        .next()
        .unwrap_or("?")
        .to_string();
    SyncError::Wire(format!("the peer sent {name} where {what} was expected"))
}

/// Sends this store's changes after `after` (everything when `full`) as pages, then `End`;
/// how many items were sent.
fn send_changes(
    store: &Store,
    w: &mut dyn Write,
    peer: u128,
    after: u64,
    full: bool,
) -> Result<u64, SyncError> {
    let start = store.sync_stream_start()?;
    if !full && after.saturating_add(1) < start {
        send(w, &Msg::FullNeeded { start })?;
        return Err(SyncError::Refused(format!(
            "the peer last synced before seq {start}, which this store's stream no longer \
             holds; run `expense sync PEER --full`"
        )));
    }
    let mut sent = 0;
    if full {
        let upto = store.last_seq()?;
        let mut cursor = FullCursor::default();
        loop {
            let (items, next) = store.sync_full_page(&cursor, PAGE_RECORDS)?;
            let items: Vec<SyncItem> = items
                .into_iter()
                .filter(|i| i.stamp.replica != peer)
                .collect();
            sent += items.len() as u64;
            if !items.is_empty() {
                // The checkpoint moves only at the end: a full sync cut after some pages must
                // be taken up again from the same place, not from `upto`.
                send(w, &Msg::Page { items, upto: after })?;
            }
            if next.table >= 5 {
                break;
            }
            cursor = next;
        }
        send(w, &Msg::End { upto })?;
        return Ok(sent);
    }
    let mut from = after;
    loop {
        let SyncPage { items, upto, done } = store.sync_changes(from, PAGE_RECORDS, peer)?;
        sent += items.len() as u64;
        send(w, &Msg::Page { items, upto })?;
        from = upto;
        if done {
            break;
        }
    }
    send(w, &Msg::End { upto: from })?;
    Ok(sent)
}

/// Applies pages from the peer until `End` (with `dry_run`, only counts what would change);
/// (applied, unchanged, conflicts, rejected).
fn receive_changes(
    store: &Store,
    r: &mut dyn Read,
    peer: u128,
    have: u64,
    dry_run: bool,
    now_ms: &dyn Fn() -> i64,
) -> Result<(u64, u64, u64, Vec<String>), SyncError> {
    let (mut applied, mut unchanged, mut conflicts, mut rejected) = (0, 0, 0, Vec::new());
    loop {
        match next(r)? {
            Msg::Page { items, upto } => {
                let a = if dry_run {
                    store.sync_preview(&items)?
                } else {
                    store.sync_apply(peer, have, &items, upto, now_ms())?
                };
                applied += a.applied as u64;
                unchanged += a.skipped as u64;
                conflicts += a.conflicts as u64;
                rejected.extend(a.rejected);
            }
            Msg::End { upto } => {
                if !dry_run {
                    store.sync_apply(peer, have, &[], upto, now_ms())?;
                }
                return Ok((applied, unchanged, conflicts, rejected));
            }
            Msg::FullNeeded { start } => {
                return Err(SyncError::Refused(format!(
                    "the peer's stream no longer holds the changes since the last sync with it \
                     (it starts at seq {start}); run `expense sync PEER --full`"
                )))
            }
            m => return Err(unexpected("a page", &m)),
        }
    }
}

/// Records the end of a sync with `peer` in its state.
fn finish(
    store: &Store,
    peer: u128,
    label: &str,
    address: &str,
    sent: u64,
    sent_upto: u64,
    now_ms: i64,
) -> Result<PeerState, SyncError> {
    let mut state = store.sync_peer(peer)?;
    state.sent += sent;
    state.sent_upto = state.sent_upto.max(sent_upto);
    state.last_sync = now_ms;
    state.label = label.to_string();
    if !address.is_empty() {
        state.address = address.to_string();
    }
    store.set_sync_peer(peer, &state)?;
    Ok(state)
}

/// How a sync runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Compare every item instead of the changes since the last sync.
    pub full: bool,
    /// Only say what would move: nothing is written on either side.
    pub dry_run: bool,
}

/// The client's side of one sync over `r`/`w` (ssh's stdout/stdin); `address` is how the
/// person named the peer.
pub fn client(
    store: &Store,
    r: &mut dyn BufRead,
    w: &mut dyn Write,
    opts: Options,
    address: &str,
    now_ms: &dyn Fn() -> i64,
) -> Result<Report, SyncError> {
    let Options { full, dry_run } = opts;
    check_own_replica(store)?;
    let me = store.replica_id()?;
    let hello = Msg::Hello {
        replica: me,
        label: store.stream_label()?,
        have: 0,
    };
    // A peer that is no expense store may be gone before our hello arrives: what it said is
    // the news, so its first line is read before a failed write is reported.
    let said_hello = greet(w).and_then(|()| send(w, &hello));
    expect_greeting(r, SILENT_SERVER)?;
    said_hello?;
    let (peer, label, have) = match next(r)? {
        Msg::Hello {
            replica,
            label,
            have,
        } => (replica, label, have),
        m => return Err(unexpected("a hello", &m)),
    };
    check_peer(store, peer)?;
    let after = store.sync_peer(peer)?.received_upto;
    send(
        w,
        &Msg::Pull {
            after,
            full,
            dry_run,
        },
    )?;
    let (received, unchanged, conflicts, mut rejected) =
        receive_changes(store, r, peer, have, dry_run, now_ms)?;
    let (their_after, their_full) = match next(r)? {
        Msg::Pull { after, full, .. } => (after, full),
        m => return Err(unexpected("a pull", &m)),
    };
    let sent = send_changes(store, w, peer, their_after, their_full)?;
    let (peer_applied, peer_conflicts, their_rejected) = match next(r)? {
        Msg::Done {
            applied,
            conflicts,
            rejected,
        } => (applied, conflicts, rejected),
        m => return Err(unexpected("the end of the sync", &m)),
    };
    rejected.extend(
        their_rejected
            .into_iter()
            .map(|r| format!("refused by the peer: {}", crate::domain::text::inert(&r))),
    );
    if !dry_run {
        let upto = store.last_seq()?;
        finish(store, peer, &label, address, sent, upto, now_ms())?;
    }
    Ok(Report {
        peer,
        sent,
        received,
        peer_applied,
        unchanged,
        conflicts,
        peer_conflicts,
        rejected,
    })
}

/// The server's side (`expense sync --serve`): answers one client on `r`/`w`.
pub fn serve(
    store: &Store,
    r: &mut dyn BufRead,
    w: &mut dyn Write,
    now_ms: &dyn Fn() -> i64,
) -> Result<Report, SyncError> {
    expect_greeting(r, " (it stopped before the sync began)")?;
    greet(w)?;
    let refuse = |w: &mut dyn Write, e: SyncError| -> SyncError {
        let _ = send(w, &Msg::Fail(e.to_string()));
        e
    };
    let (peer, label) = match receive(r)? {
        Msg::Hello { replica, label, .. } => (replica, label),
        m => return Err(refuse(w, unexpected("a hello", &m))),
    };
    if let Err(e) = check_own_replica(store) {
        return Err(refuse(w, e));
    }
    if let Err(e) = check_peer(store, peer) {
        return Err(refuse(w, e));
    }
    let state = store.sync_peer(peer)?;
    send(
        w,
        &Msg::Hello {
            replica: store.replica_id()?,
            label: store.stream_label()?,
            have: state.received_upto,
        },
    )?;
    let (after, full, dry_run) = match next(r)? {
        Msg::Pull {
            after,
            full,
            dry_run,
        } => (after, full, dry_run),
        m => return Err(refuse(w, unexpected("a pull", &m))),
    };
    let sent = send_changes(store, w, peer, after, full)?;
    let mine = store.sync_peer(peer)?.received_upto;
    send(
        w,
        &Msg::Pull {
            after: mine,
            full,
            dry_run,
        },
    )?;
    let (received, unchanged, conflicts, rejected) =
        match receive_changes(store, r, peer, after, dry_run, now_ms) {
            Ok(x) => x,
            Err(e) => return Err(refuse(w, e)),
        };
    send(
        w,
        &Msg::Done {
            applied: received,
            conflicts,
            rejected: rejected.clone(),
        },
    )?;
    // Both sides now hold what the other held when it sent: nothing of ours waits.
    if !dry_run {
        finish(store, peer, &label, "", sent, store.last_seq()?, now_ms())?;
    }
    Ok(Report {
        peer,
        sent,
        received,
        peer_applied: 0,
        unchanged,
        conflicts,
        peer_conflicts: 0,
        rejected,
    })
}
