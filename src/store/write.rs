//! The floor every write stands on: one flushed sled transaction over all trees per change
//! ([`Store::transact`]), the mark moved after the commit, and the small writes built on it
//! (put, conditional update and delete, batches of puts). Rule: every other store file that
//! writes (trash, import, undo, restore, history) writes through the helpers here, never around
//! them; transaction closures are pure (sled may retry them), so ids and times are made before.

use super::codec::{self, StoredItem};
use super::tables::{abort, Abort, Change, Tx, TxResult};
use super::{stream, ChangeRecord, Event, Origin, Store, StoreError};
use crate::domain::{text, Draft, ExpenseId};
use sled::transaction::TransactionError;
use sled::Transactional;

/// Items written per transaction by [`Store::put_batch`].
pub(super) const BATCH_CHUNK: usize = 10_000;

impl Store {
    /// Stores a new expense with a fresh id, version 1, `created = updated = now_ms`.
    pub fn put(
        &self,
        draft: Draft,
        origin: Origin,
        now_ms: i64,
    ) -> Result<ChangeRecord, StoreError> {
        check_draft(&draft)?;
        self.check_refund(&draft)?;
        let id = ExpenseId::generate();
        self.transact(|tx| insert_new(tx, id, &draft, origin, now_ms))
    }

    /// Conditional update: `StoreError::Conflict` unless the stored version is
    /// `expected_version`. The new version is the old + 1, `updated = now_ms`, `created` kept.
    pub fn update(
        &self,
        id: ExpenseId,
        expected_version: u64,
        draft: Draft,
        origin: Origin,
        now_ms: i64,
    ) -> Result<ChangeRecord, StoreError> {
        check_draft(&draft)?;
        self.check_refund(&draft)?;
        self.transact(|tx| {
            let cur = expect_version(tx, id, expected_version)?;
            let seq = tx.next_seq()?;
            let new = StoredItem::new(&draft, cur.created, now_ms, cur.version + 1, seq);
            write(
                tx,
                Event::Modify,
                origin,
                now_ms,
                id,
                seq,
                Some(cur),
                Some(new),
            )
        })
    }

    /// Conditional delete, with the same conflict rule as [`Store::update`].
    pub fn delete(
        &self,
        id: ExpenseId,
        expected_version: u64,
        origin: Origin,
        now_ms: i64,
    ) -> Result<ChangeRecord, StoreError> {
        self.transact(|tx| {
            let cur = expect_version(tx, id, expected_version)?;
            let seq = tx.next_seq()?;
            write(tx, Event::Remove, origin, now_ms, id, seq, Some(cur), None)
        })
    }

    /// Stores many new expenses, each with its own id and change record, in transactions of
    /// `BATCH_CHUNK` items (each flushed). Returns how many were stored. Chunks are atomic one by
    /// one: on an error the earlier chunks stay stored (`expense demo` fills an empty store with
    /// it); `Store::import` is the whole-or-nothing writer, with its marker (`store/import.rs`).
    pub fn put_batch(
        &self,
        drafts: Vec<Draft>,
        origin: Origin,
        now_ms: i64,
    ) -> Result<usize, StoreError> {
        for d in &drafts {
            check_draft(d)?;
        }
        let items: Vec<(ExpenseId, Draft)> = drafts
            .into_iter()
            .map(|d| (ExpenseId::generate(), d))
            .collect();
        for chunk in items.chunks(BATCH_CHUNK) {
            self.transact(|tx| {
                for (id, draft) in chunk {
                    insert_new(tx, *id, draft, origin, now_ms)?;
                }
                Ok(())
            })?;
        }
        Ok(items.len())
    }

    /// Refuses a refund (a negative expense) in an income category (`is_income_category`, one
    /// that holds income and no expense):
    /// money back belongs to what it was spent on, and a smaller income is an edit of the income.
    fn check_refund(&self, d: &Draft) -> Result<(), StoreError> {
        if d.is_refund() && self.is_income_category(&d.category)? {
            return Err(StoreError::Invalid(format!(
                "'{}' is an income category, so {} there is not a refund (a refund is money back in an expense category: -12.50 food); to record less income, edit the income; nothing was stored",
                text::shown(&d.category),
                crate::domain::money::format_plain(d.amount, d.currency)
            )));
        }
        Ok(())
    }

    /// `Err(StoreError::BehindMark)` when the store opened behind its high-water mark,
    /// `Err(StoreError::MovedAway)` when its folder was deleted or replaced since, and
    /// `Err(StoreError::NoSpace)` when its device is (nearly) full: every write asks this
    /// first, before it touches sled (see `store/space.rs`).
    pub fn check_writable(&self) -> Result<(), StoreError> {
        match (&self.mark, &self.path) {
            (Some(m), Some(p)) => {
                m.check_writable(p)?;
                if self.moved_away() {
                    return Err(StoreError::MovedAway {
                        path: p.to_path_buf(),
                    });
                }
                super::space::check_space(p)
            }
            _ => Ok(()),
        }
    }

    /// `e`, naming this store's folder when it is a full disk.
    pub(super) fn placed(&self, e: StoreError) -> StoreError {
        match (e, &self.path) {
            (StoreError::NoSpace { dir: None }, Some(p)) => super::space::no_space(p),
            (e, _) => e,
        }
    }

    /// Why writes are refused, if they are (see `store/mark.rs`).
    pub fn write_refusal(&self) -> Option<String> {
        match (&self.mark, &self.path) {
            (Some(m), Some(p)) => m.refusal(p),
            _ => None,
        }
    }

    /// Runs `f` as one transaction over every tree, flushed on commit.
    pub(super) fn transact<R>(&self, f: impl Fn(&Tx<'_>) -> TxResult<R>) -> Result<R, StoreError> {
        self.try_transact(f).map_err(|e| match e {
            Abort::Store(e) => e,
            Abort::Retry => StoreError::Sled(RETRY.into()),
        })
    }

    /// Like `transact`, but hands `Abort::Retry` back to a caller that re-plans. Refused when
    /// the store is behind its mark; moves the mark after the flushed commit, then tells the
    /// change feed.
    pub(super) fn try_transact<R>(&self, f: impl Fn(&Tx<'_>) -> TxResult<R>) -> Result<R, Abort> {
        self.check_writable()?;
        let chain = std::cell::Cell::new(None);
        let r = self.transact_unmarked(f, &chain)?;
        if let Some((seq, hash)) = chain.get() {
            let marked = match &self.mark {
                Some(m) => m.advance(seq, &hash),
                None => Ok(()),
            };
            // Subscribers hear the record only now that it is committed and durable, also when
            // the mark could not move: a mark behind the store is the safe side (the next open
            // brings it up), and the change is saved, so it is not reported as failed.
            self.feed.publish(seq);
            drop(marked);
        }
        Ok(r)
    }

    pub(super) fn transact_unmarked<R>(
        &self,
        f: impl Fn(&Tx<'_>) -> TxResult<R>,
        chain: &std::cell::Cell<Option<(u64, super::chain::Hash)>>,
    ) -> Result<R, Abort> {
        let t = &self.trees;
        let trees = (
            &t.items,
            &t.idx_date,
            &t.stream,
            &t.agg_day,
            &t.agg_month,
            &t.counts,
            &t.imports,
            &t.meta,
            &t.trash,
            &t.budgets,
            &t.schedules,
            &t.sync,
            &t.stream_base,
        );
        let r = trees.transaction(
            |(
                items,
                idx_date,
                stream,
                agg_day,
                agg_month,
                counts,
                imports,
                meta,
                trash,
                budgets,
                schedules,
                sync,
                stream_base,
            )| {
                let tx = Tx {
                    items,
                    idx_date,
                    stream,
                    agg_day,
                    agg_month,
                    counts,
                    imports,
                    meta,
                    trash,
                    budgets,
                    schedules,
                    sync,
                    stream_base,
                    remote: Default::default(),
                    clock: Default::default(),
                    deltas: Default::default(),
                    chain: Default::default(),
                };
                let r = f(&tx)?;
                tx.apply_deltas()?;
                chain.set(tx.chain.get());
                // Makes `transaction()` flush (fsync) after commit and before it returns Ok.
                items.flush();
                Ok(r)
            },
        );
        r.map_err(|e| match e {
            TransactionError::Abort(a) => a,
            TransactionError::Storage(e) => Abort::Store(self.placed(e.into())),
        })
    }
}

/// Message of an `Abort::Retry` that reached a caller that does not re-plan (a bug).
pub(super) const RETRY: &str = "the store changed while planning this change; try again";

/// Writes a new item `id` as an INSERT record.
pub(super) fn insert_new(
    tx: &Tx<'_>,
    id: ExpenseId,
    draft: &Draft,
    origin: Origin,
    now_ms: i64,
) -> TxResult<ChangeRecord> {
    if let Some(c) = tx.current(id)? {
        return abort(StoreError::Conflict {
            id,
            expected: 0,
            found: Some(c.version),
        });
    }
    let seq = tx.next_seq()?;
    let new = StoredItem::new(draft, now_ms, now_ms, 1, seq);
    write(tx, Event::Insert, origin, now_ms, id, seq, None, Some(new))
}

/// The current item `id` if its version is `expected`, else a Conflict abort.
pub(super) fn expect_version(tx: &Tx<'_>, id: ExpenseId, expected: u64) -> TxResult<StoredItem> {
    match tx.current(id)? {
        Some(c) if c.version == expected => Ok(c),
        other => abort(StoreError::Conflict {
            id,
            expected,
            found: other.map(|c| c.version),
        }),
    }
}

/// Writes `old -> new` for `id` as record `seq` (prev_seq = the old image's record) and returns
/// the public record.
#[allow(clippy::too_many_arguments)]
pub(super) fn write(
    tx: &Tx<'_>,
    event: Event,
    origin: Origin,
    at: i64,
    id: ExpenseId,
    seq: u64,
    old: Option<StoredItem>,
    new: Option<StoredItem>,
) -> TxResult<ChangeRecord> {
    let c = Change {
        trashing: Default::default(),
        id,
        seq,
        event,
        origin,
        at,
        prev_seq: old.as_ref().map(|o| o.last_seq),
        batch: None,
        old: old.as_ref(),
        new: new.as_ref(),
    };
    let rec = tx.write(&c)?;
    finish(seq, &rec, &stream::Before::live(old))
}

/// The public record of `rec`, just written as `seq`, given the item before it. A record just
/// written is never a legacy move to the trash (see `store/stream.rs`).
pub(super) fn finish(
    seq: u64,
    rec: &codec::StoredRecord,
    before: &stream::Before,
) -> TxResult<ChangeRecord> {
    match stream::to_change_record(seq, rec, before, &stream::Legacy::new()) {
        Ok(r) => Ok(r),
        Err(e) => abort(e),
    }
}

/// Rejects drafts the key layout cannot hold.
pub(super) fn check_draft(d: &Draft) -> Result<(), StoreError> {
    use chrono::Datelike;
    if !(1..=9999).contains(&d.date.year()) {
        return Err(StoreError::Invalid(format!(
            "the date {} is outside years 1-9999",
            d.date
        )));
    }
    if let Some(why) = crate::domain::expense::refused_sign(d.kind, d.amount) {
        return Err(StoreError::Invalid(format!(
            "the amount {} is refused: {why}; nothing was stored",
            d.amount
        )));
    }
    for (what, s) in [("category", &d.category), ("payee", &d.payee)] {
        if s.len() > usize::from(u16::MAX) {
            return Err(StoreError::Invalid(format!(
                "the {what} is longer than 65535 bytes"
            )));
        }
    }
    // The last line behind `domain::validate` and import's cleaning: stored text never holds
    // a control or bidi-override character, whichever path wrote it.
    let tags = d.tags.iter().map(|t| ("tag", t.as_str()));
    let fields = [
        ("category", d.category.as_str()),
        ("payee", &d.payee),
        ("note", &d.note),
    ];
    for (what, s) in fields.into_iter().chain(tags) {
        if let Some(c) = text::refused(s) {
            return Err(StoreError::Invalid(format!(
                "the {what} '{}' holds {}; nothing was stored",
                text::shown(s),
                text::describe(c)
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_draft;
    use crate::domain::{Currency, Draft, Kind};

    fn draft() -> Draft {
        Draft {
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 4).unwrap(),
            amount: 300,
            currency: Currency::parse("EUR").unwrap(),
            category: "food".into(),
            payee: "Cafe".into(),
            note: String::new(),
            tags: vec!["a".into()],
            kind: Kind::Expense,
        }
    }

    #[test]
    fn the_store_refuses_control_characters_naming_the_field() {
        assert!(check_draft(&draft()).is_ok());
        type Change = fn(&mut Draft);
        let cases: [(&str, Change); 4] = [
            ("payee 'nul^@'", |d| d.payee = "nul\0".into()),
            ("note 'a^Jb'", |d| d.note = "a\nb".into()),
            ("category 'x<U+202E>'", |d| d.category = "x\u{202E}".into()),
            ("tag '^[]0;t^G'", |d| {
                d.tags = vec!["\u{1b}]0;t\u{7}".into()]
            }),
        ];
        for (named, change) in cases {
            let mut d = draft();
            change(&mut d);
            let e = check_draft(&d).unwrap_err().to_string();
            assert!(e.contains(named) && e.contains("nothing was stored"), "{e}");
        }
    }
}
