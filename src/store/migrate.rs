//! Numbered migrations: what a store written by an older build gets at open, one function per
//! change of layout, run in order by [`run_migrations`] (iroh-docs `store/fs/migrations.rs`
//! style). Rule: each migration decides for itself whether the store needs it ([`Skip`] or
//! [`Execute`]`(n)`, `n` the entries it wrote or removed), each is idempotent (a crash before the
//! new version is recorded runs it again at the next open, writing the same values), and each
//! has a test that builds the old shape. Tree names, meta keys and `SCHEMA_VERSION` are
//! documented in `store/tables.rs`; adding a layout change means bumping `SCHEMA_VERSION` there
//! and adding the next `migration_00N_*` here.
//!
//! There is no `migration_001`: schema 1 is the first layout, and a new store's first write is
//! its schema version. `migration_005_stream_hash` changes no layout (no version bump): it
//! gives a store last written before marks existed the running hash of its stream.
//!
//! [`Skip`]: MigrateOutcome::Skip
//! [`Execute`]: MigrateOutcome::Execute

use super::codec::{decode_record_head, decode_u32, encode_projection, Code, DateProjection};
use super::error::{corrupt, StoreError};
use super::keys::{self, date_key};
use super::stream::{encode_legacy, Legacy};
use super::tables::DEFAULT_TRASH_TTL_MS;
use super::tables::{
    Trees, ITEMS, META, META_HASH, META_LEGACY_TRASH, META_RESTORING, META_SCHEMA,
    META_STREAM_LABEL, OLD_IDX_CATEGORY, OLD_IDX_PAYEE, SCHEMA_VERSION, STREAM,
};
use crate::domain::change::{Event, Origin};
use std::collections::HashMap;

/// What a migration did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MigrateOutcome {
    /// The store already had what it brings; nothing was written.
    Skip,
    /// It ran, writing or removing this many entries (trees, for a drop).
    Execute(u64),
}

/// What a migration sees: the database, its trees, and the schema version the store held when
/// it was opened (`SCHEMA_VERSION` for a new store).
pub(crate) struct Ctx<'a> {
    pub db: &'a sled::Db,
    pub trees: &'a Trees,
    pub found: u32,
}

/// One migration.
type Migration = fn(&Ctx<'_>) -> Result<MigrateOutcome, StoreError>;

/// Every migration, in the order they run.
const MIGRATIONS: [(&str, Migration); 6] = [
    (
        "migration_002_month_aggregates",
        migration_002_month_aggregates,
    ),
    (
        "migration_003_date_index_projection",
        migration_003_date_index_projection,
    ),
    (
        "migration_004_drop_category_and_payee_indexes",
        migration_004_drop_category_and_payee_indexes,
    ),
    ("migration_005_stream_hash", migration_005_stream_hash),
    ("migration_006_stream_label", migration_006_stream_label),
    ("migration_007_trash_moves", migration_007_trash_moves),
];

/// Brings the store to `SCHEMA_VERSION`: reads the version it holds (refusing a newer one,
/// `StoreError::SchemaTooNew`), runs every migration in order, then records the version (when it
/// was absent or older) and flushes. Returns each migration's name and outcome.
pub(crate) fn run_migrations(
    db: &sled::Db,
    trees: &Trees,
) -> Result<Vec<(&'static str, MigrateOutcome)>, StoreError> {
    let stored = match trees.meta.get(META_SCHEMA)? {
        Some(v) => Some(decode_u32(META, META_SCHEMA, &v)?),
        None => None,
    };
    let found = stored.unwrap_or(SCHEMA_VERSION);
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    let cx = Ctx { db, trees, found };
    let mut done = Vec::with_capacity(MIGRATIONS.len());
    let mut wrote = false;
    for (name, run) in MIGRATIONS {
        let outcome = run(&cx)?;
        wrote |= outcome != MigrateOutcome::Skip;
        done.push((name, outcome));
    }
    if stored != Some(SCHEMA_VERSION) {
        trees
            .meta
            .insert(META_SCHEMA, &SCHEMA_VERSION.to_be_bytes()[..])?;
        wrote = true;
    }
    if wrote {
        db.flush()?;
    }
    Ok(done)
}

/// Schema 2 added `agg_month-1` and `budgets-1` (and `meta` `month_start_day`). A version-1
/// store is valid as it is: both trees open empty (`Trees::open`), no start day is recorded, so
/// `agg_month` is not maintained until `Store::use_month_start_day` builds it from `agg_day`
/// with the configured day (which open does not know). So nothing is written here, the version
/// bump is all: `Execute(0)` for a version-1 store, `Skip` for any later one.
fn migration_002_month_aggregates(cx: &Ctx<'_>) -> Result<MigrateOutcome, StoreError> {
    if cx.found >= 2 {
        return Ok(MigrateOutcome::Skip);
    }
    Ok(MigrateOutcome::Execute(0))
}

/// Schema 3 projected kind, currency, amount and payee into the `idx_date` values (empty
/// before), schema 4 the category too: a store older than 4 gets every entry's value from
/// `items`, one pass of plain inserts (the keys are unchanged). Returns the entries written.
fn migration_003_date_index_projection(cx: &Ctx<'_>) -> Result<MigrateOutcome, StoreError> {
    if cx.found >= 4 {
        return Ok(MigrateOutcome::Skip);
    }
    let t = cx.trees;
    let mut n = 0;
    for kv in t.items.iter() {
        let (k, v) = kv?;
        let id = keys::decode_id(&k).ok_or_else(|| corrupt(ITEMS, &k, "key is not an id"))?;
        let item = super::pointer::read_item(t, id, &k, &v)?;
        let value = encode_projection(&DateProjection::of(&item))?;
        t.idx_date.insert(&date_key(item.date, id)[..], value)?;
        n += 1;
    }
    Ok(MigrateOutcome::Execute(n))
}

/// Schema 4 dropped `idx_category-1` and `idx_payee-1` (the `idx_date` projection answers what
/// they served; see `tables::IDX_DATE`): a store older than 4 loses them. Returns how many of
/// the two trees existed.
fn migration_004_drop_category_and_payee_indexes(
    cx: &Ctx<'_>,
) -> Result<MigrateOutcome, StoreError> {
    if cx.found >= 4 {
        return Ok(MigrateOutcome::Skip);
    }
    let mut n = 0;
    for old in [OLD_IDX_CATEGORY, OLD_IDX_PAYEE] {
        if cx.db.drop_tree(old)? {
            n += 1;
        }
    }
    Ok(MigrateOutcome::Execute(n))
}

/// Marks (`store/mark.rs`) brought `meta` `stream_hash`, the running hash of the stream, written
/// with each record since. A store with records but no hash (last written before marks) gets it
/// once, from the whole stream. A store whose restore did not finish is skipped: `Store::open`
/// refuses it right after, and the restore writes its own hash. Returns the records hashed.
fn migration_005_stream_hash(cx: &Ctx<'_>) -> Result<MigrateOutcome, StoreError> {
    let t = cx.trees;
    if t.last_seq()? == 0
        || t.meta.get(META_HASH)?.is_some()
        || t.meta.get(META_RESTORING)?.is_some()
    {
        return Ok(MigrateOutcome::Skip);
    }
    let h = super::stream::chain_of(&t.stream)?;
    t.meta.insert(META_HASH, &h[..])?;
    Ok(MigrateOutcome::Execute(t.stream.len() as u64))
}

/// Stream labels (`meta` `stream_label`) came after schema 4: a store without one (new, or last
/// opened by an older version) gets one now, from the clock. Returns 1 when it wrote one.
fn migration_006_stream_label(cx: &Ctx<'_>) -> Result<MigrateOutcome, StoreError> {
    if cx.trees.meta.get(META_STREAM_LABEL)?.is_some() {
        return Ok(MigrateOutcome::Skip);
    }
    let label = super::stream::label_after(None);
    cx.trees.meta.insert(META_STREAM_LABEL, label.as_bytes())?;
    Ok(MigrateOutcome::Execute(1))
}

/// Schema 5 stores a move to the trash as its own event code (`codec::TRASH_MOVE`), shown as a
/// MODIFY, and the REMOVE that ends a trashed item as `codec::TRASH_REMOVE`, so every item has
/// one REMOVE in the stream. A store of an older schema stored both as plain REMOVEs, and the
/// stream's bytes are not rewritten (the running hash, the mark and the backups stand on them):
/// instead the moves are listed in `meta` `legacy_trash` (seq and expiry), which
/// `store/stream.rs` reads as moves. A REMOVE was a move when a later record names it as
/// `prev_seq` (a restore, an undo, or the `ttl` REMOVE that ended it: with a time-to-live of 0
/// no REMOVE had a follower but an undo, and a delete and its undo read the same either way)
/// or when a trash row names it. Its expiry: the trash row's, the `ttl` REMOVE's time, or for a
/// restored item its delete time plus the default time-to-live. Returns the moves listed.
fn migration_007_trash_moves(cx: &Ctx<'_>) -> Result<MigrateOutcome, StoreError> {
    if cx.found >= 5 {
        return Ok(MigrateOutcome::Skip);
    }
    let t = cx.trees;
    let remove = Event::Remove.code();
    let ttl = Origin::Ttl.code();
    // REMOVEs by a person (or an undo) not yet followed: seq -> at.
    let mut open: HashMap<u64, i64> = HashMap::new();
    let mut moves = Legacy::new();
    for kv in t.stream.iter() {
        let (k, v) = kv?;
        let seq = keys::decode_seq(&k).ok_or_else(|| corrupt(STREAM, &k, "not a seq"))?;
        let head = decode_record_head(STREAM, &k, &v)?;
        if let Some(at) = head.prev_seq.and_then(|p| open.remove(&p)) {
            let expires = if head.origin == ttl && head.event == remove {
                head.at
            } else {
                at.saturating_add(DEFAULT_TRASH_TTL_MS)
            };
            moves.insert(head.prev_seq.unwrap_or_default(), expires);
        }
        if head.event == remove && head.origin != ttl {
            open.insert(seq, head.at);
        }
    }
    for (remove_seq, expires) in super::trash::moves(t)? {
        if open.contains_key(&remove_seq) {
            moves.insert(remove_seq, expires);
        }
    }
    if !moves.is_empty() {
        t.meta.insert(META_LEGACY_TRASH, encode_legacy(&moves))?;
    }
    Ok(MigrateOutcome::Execute(moves.len() as u64))
}

#[cfg(test)]
mod tests {
    use super::MigrateOutcome::{Execute, Skip};
    use super::*;
    use crate::domain::Draft;
    use crate::store::{Origin, Store};

    fn draft(day: u32, amount: i64, category: &str, payee: &str) -> Draft {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 3, day).unwrap();
        Draft::sample(date, amount, category, payee)
    }

    /// A store with three expenses, as this build writes it.
    fn store() -> Store {
        let s = Store::open_temporary().unwrap();
        for (i, cat) in ["food", "rent", "fun"].iter().enumerate() {
            s.put(draft(i as u32 + 1, 100, cat, "Shop"), Origin::User, 1)
                .unwrap();
        }
        s
    }

    fn ctx(s: &Store, found: u32) -> Ctx<'_> {
        Ctx {
            db: &s.db,
            trees: &s.trees,
            found,
        }
    }

    fn tree_names(s: &Store) -> Vec<String> {
        s.db.tree_names()
            .iter()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect()
    }

    #[test]
    fn a_current_store_skips_every_migration() {
        let s = store();
        let done = run_migrations(&s.db, &s.trees).unwrap();
        assert_eq!(done.len(), MIGRATIONS.len());
        assert!(done.iter().all(|(_, o)| *o == Skip), "{done:?}");
        let names: Vec<&str> = done.iter().map(|(n, _)| *n).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted, "run in numbered order");
    }

    #[test]
    fn migration_006_stream_label_gives_a_store_its_label_once() {
        let s = store();
        let first = s.stream_label().unwrap();
        s.trees.meta.remove(META_STREAM_LABEL).unwrap();
        assert_eq!(
            migration_006_stream_label(&ctx(&s, SCHEMA_VERSION)).unwrap(),
            Execute(1)
        );
        let label = s.stream_label().unwrap();
        assert_eq!(label.len(), first.len(), "{label}");
        assert_eq!(
            migration_006_stream_label(&ctx(&s, SCHEMA_VERSION)).unwrap(),
            Skip
        );
        assert_eq!(s.stream_label().unwrap(), label, "kept");
        // A new label is never the old one, even when the clock has not moved past it.
        let later = super::super::stream::label_after(Some("9999-01-01T00:00:00.000"));
        assert_eq!(later, "9999-01-01T00:00:00.001");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let s = store();
        s.trees
            .meta
            .insert(META_SCHEMA, &(SCHEMA_VERSION + 1).to_be_bytes()[..])
            .unwrap();
        assert!(matches!(
            run_migrations(&s.db, &s.trees),
            Err(StoreError::SchemaTooNew { .. })
        ));
    }

    /// A version-1 store (no month aggregates, no start day) needs nothing written.
    #[test]
    fn migration_002_month_aggregates_bumps_a_version_1_store() {
        let s = store();
        assert!(s.trees.agg_month.is_empty());
        assert_eq!(s.month_start_day().unwrap(), None);
        assert_eq!(
            migration_002_month_aggregates(&ctx(&s, 1)).unwrap(),
            Execute(0)
        );
        assert!(s.trees.agg_month.is_empty());
        for found in 2..=SCHEMA_VERSION {
            assert_eq!(
                migration_002_month_aggregates(&ctx(&s, found)).unwrap(),
                Skip
            );
        }
    }

    /// Version 2 left the date index values empty; version 3 projected everything but the
    /// category. Both get the full projection; a second run writes the same values.
    #[test]
    fn migration_003_date_index_projection_fills_the_values() {
        let s = store();
        let want: Vec<_> = s.trees.idx_date.iter().map(Result::unwrap).collect();
        for found in [2, 3] {
            for k in s.trees.idx_date.iter().keys() {
                s.trees.idx_date.insert(k.unwrap(), &[][..]).unwrap();
            }
            assert!(!s.verify().unwrap().is_empty());
            for _ in 0..2 {
                assert_eq!(
                    migration_003_date_index_projection(&ctx(&s, found)).unwrap(),
                    Execute(3)
                );
                let have: Vec<_> = s.trees.idx_date.iter().map(Result::unwrap).collect();
                assert_eq!(have, want);
            }
            assert_eq!(s.verify().unwrap(), Vec::<String>::new());
        }
        assert_eq!(
            migration_003_date_index_projection(&ctx(&s, 4)).unwrap(),
            Skip
        );
    }

    #[test]
    fn migration_004_drops_the_category_and_payee_indexes() {
        let s = store();
        for old in [OLD_IDX_CATEGORY, OLD_IDX_PAYEE] {
            s.db.open_tree(old).unwrap().insert(b"k", &[][..]).unwrap();
        }
        assert_eq!(
            migration_004_drop_category_and_payee_indexes(&ctx(&s, 3)).unwrap(),
            Execute(2)
        );
        let names = tree_names(&s);
        assert!(
            !names
                .iter()
                .any(|n| n == OLD_IDX_CATEGORY || n == OLD_IDX_PAYEE),
            "{names:?}"
        );
        // Again (a crash before the version was recorded): nothing left to drop.
        assert_eq!(
            migration_004_drop_category_and_payee_indexes(&ctx(&s, 3)).unwrap(),
            Execute(0)
        );
        assert_eq!(
            migration_004_drop_category_and_payee_indexes(&ctx(&s, 4)).unwrap(),
            Skip
        );
        assert_eq!(s.verify().unwrap(), Vec::<String>::new());
    }

    #[test]
    fn migration_005_stream_hash_chains_a_store_written_before_marks() {
        let s = store();
        let chained = s.trees.stream_hash().unwrap();
        s.trees.meta.remove(META_HASH).unwrap();
        s.trees.meta.insert(META_RESTORING, &[][..]).unwrap();
        assert_eq!(migration_005_stream_hash(&ctx(&s, 4)).unwrap(), Skip);
        s.trees.meta.remove(META_RESTORING).unwrap();
        assert_eq!(migration_005_stream_hash(&ctx(&s, 4)).unwrap(), Execute(3));
        assert_eq!(s.trees.stream_hash().unwrap(), chained);
        assert_eq!(migration_005_stream_hash(&ctx(&s, 4)).unwrap(), Skip);
        let empty = Store::open_temporary().unwrap();
        assert_eq!(migration_005_stream_hash(&ctx(&empty, 4)).unwrap(), Skip);
    }

    /// A version-2 store as a version-2 build left it, through `run_migrations`: every schema
    /// migration runs, the version is recorded, and a second run skips them all.
    #[test]
    fn a_version_2_store_is_brought_to_the_current_schema() {
        let s = store();
        for k in s.trees.idx_date.iter().keys() {
            s.trees.idx_date.insert(k.unwrap(), &[][..]).unwrap();
        }
        s.db.open_tree(OLD_IDX_CATEGORY)
            .unwrap()
            .insert(b"k", &[][..])
            .unwrap();
        s.trees
            .meta
            .insert(META_SCHEMA, &2u32.to_be_bytes()[..])
            .unwrap();
        s.trees.meta.remove(META_STREAM_LABEL).unwrap();
        let done = run_migrations(&s.db, &s.trees).unwrap();
        assert_eq!(
            done,
            vec![
                ("migration_002_month_aggregates", Skip),
                ("migration_003_date_index_projection", Execute(3)),
                ("migration_004_drop_category_and_payee_indexes", Execute(1)),
                ("migration_005_stream_hash", Skip),
                ("migration_006_stream_label", Execute(1)),
                ("migration_007_trash_moves", Execute(0)),
            ]
        );
        let v = s.trees.meta.get(META_SCHEMA).unwrap().unwrap();
        assert_eq!(v.as_ref(), &SCHEMA_VERSION.to_be_bytes()[..]);
        assert_eq!(s.verify().unwrap(), Vec::<String>::new());
        let again = run_migrations(&s.db, &s.trees).unwrap();
        assert!(again.iter().all(|(_, o)| *o == Skip), "{again:?}");
    }

    /// A store whose moves to the trash were stored as plain REMOVEs (schema 4) reads, after
    /// migration 007, exactly as the same changes written by this build: a restored item, an
    /// expired one, one still in the trash, and a plain delete.
    #[test]
    fn migration_007_lists_the_moves_to_the_trash_of_an_older_store() {
        use super::super::codec::{decode_record, encode_record, TRASH_MOVE, TRASH_REMOVE};
        let s = store();
        let ids: Vec<_> = s.stream_since(0, 3).unwrap().iter().map(|r| r.id).collect();
        let day = 86_400_000;
        s.trash(ids[0], 1, 10, DEFAULT_TRASH_TTL_MS).unwrap();
        s.restore(ids[0], 20).unwrap();
        s.trash(ids[1], 1, 30, day).unwrap();
        assert_eq!(s.sweep_trash(30 + day).unwrap(), 1);
        s.trash(ids[2], 1, 40, day).unwrap();
        let d = s.put(draft(9, 5, "fun", "X"), Origin::User, 50).unwrap();
        s.delete(d.id, 1, Origin::User, 60).unwrap();
        let want = s.stream_since(0, usize::MAX).unwrap();
        // The same records as a schema-4 build stored them.
        for kv in s.trees.stream.iter() {
            let (k, v) = kv.unwrap();
            let mut rec = decode_record(STREAM, &k, &v).unwrap();
            if rec.event == TRASH_MOVE || rec.event == TRASH_REMOVE {
                rec.event = Event::Remove.code();
                rec.expires = None;
                let seq = u64::from_be_bytes(k.as_ref().try_into().unwrap());
                s.trees
                    .stream
                    .insert(k, encode_record(&rec, seq).unwrap())
                    .unwrap();
            }
        }
        assert_ne!(s.stream_since(0, usize::MAX).unwrap(), want);
        assert_eq!(migration_007_trash_moves(&ctx(&s, 4)).unwrap(), Execute(3));
        assert_eq!(s.stream_since(0, usize::MAX).unwrap(), want);
        let events: Vec<String> = want.iter().map(|r| r.event.to_string()).collect();
        assert_eq!(
            events.join(" "),
            "INSERT INSERT INSERT MODIFY MODIFY MODIFY REMOVE MODIFY INSERT REMOVE"
        );
        // Again (a crash before the version was recorded): the same list.
        assert_eq!(migration_007_trash_moves(&ctx(&s, 4)).unwrap(), Execute(3));
        assert_eq!(migration_007_trash_moves(&ctx(&s, 5)).unwrap(), Skip);
    }
}
