//! `expense check`: recompute every derived tree (indexes, day and month aggregates, counters)
//! from `items`, check the stream against `items`, report each difference, and optionally repair
//! the derived trees by applying exactly those differences. Rule: `items` and `stream` are the
//! truth and are never changed here (only `meta` seq may be set to the last stream record); so
//! are `budgets-1` and `schedules-1`, the tables of budget and schedule items, which the replay
//! is held against like `items` (a difference there is reported, never repaired: the way back
//! is a backup, as for a lost expense).
//!
//! Speed (the bare sled scans are the floor; two sled scans on two threads run only ~1.3x faster
//! than one after the other on the 2-core dev machine): exactly one worker thread per core takes
//! key ranges of `items` from a queue (ids need not spread evenly), decoding items without
//! copying their text and numbering categories, payees and tags, while another thread replays
//! `stream`. Then the expected date index entries are sorted as numbers, and the workers take
//! ranges of them, each merged in key order against the same key range of the tree (no copy of a
//! tree in memory); aggregates and counters are two more jobs. Schema 4 dropped the category and
//! payee indexes, which were 2 of the ~4M entries read at 1M (see `tables::IDX_DATE`).
//!
//! Rooms: `scan.rs` (the worker pool over `items` and what it implies), `replay.rs` (the
//! stream), `compare.rs` (each derived tree against what `items` implies, and `imports`); this
//! file runs them and holds the report and the repair.

mod compare;
mod replay;
mod scan;

pub(super) use compare::describe;

use super::error::StoreError;
use super::tables::{AGG_DAY, AGG_MONTH, COUNTS, IDX_DATE, META, META_SEQ, STREAM};
use super::Store;
use crate::domain::ExpenseId;
use compare::{check_imports, compare_aggs, compare_counts, compare_date_index};
use replay::{last_record, replay_stream};
use scan::{chunks, image_hash, merge, pool, scan_items, split, Partial};
use std::collections::BTreeMap;

/// One change that makes a derived tree agree with `items`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fix {
    tree: &'static str,
    key: Vec<u8>,
    /// `Some`: insert this value; `None`: remove the key.
    value: Option<Vec<u8>>,
}

/// What `Store::check` found.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    /// Items read.
    pub items: u64,
    /// Stream records read.
    pub records: u64,
    /// One line per difference, for a person.
    pub problems: Vec<String>,
    /// Differences `Store::repair` can fix (derived trees and the `meta` seq).
    fixes: Vec<Fix>,
    /// Expenses the replayed stream holds that `items` lacks (known only with the replay): lost
    /// items, which a repair of the derived trees must not wipe from every total.
    pub missing: Vec<ExpenseId>,
}

impl CheckReport {
    /// True when nothing differs.
    pub fn is_consistent(&self) -> bool {
        self.problems.is_empty()
    }

    /// How many of the problems `Store::repair` fixes (the rest are in `items` or `stream`).
    pub fn repairable(&self) -> usize {
        self.fixes.len()
    }
}

type Outcome = Result<(Vec<String>, Vec<Fix>), StoreError>;

impl Store {
    /// Recomputes the derived trees from `items` and replays the stream against them, using
    /// every core. See the module docs; `verify` is this without the repair plan.
    pub fn check(&self) -> Result<CheckReport, StoreError> {
        self.check_scope(true)
    }

    /// [`Store::check`]; with `replay` false the stream is not replayed (its last record is
    /// still compared with the `meta` seq): the derived trees only, about 30 % less to read.
    pub fn check_scope(&self, replay: bool) -> Result<CheckReport, StoreError> {
        self.check_inner(replay, false)
    }

    /// Makes every derived tree (indexes, aggregates, counters) agree with `items` through
    /// [`Store::check_scope`] without the replay and without a message per difference (a store
    /// whose derived trees are empty differs in every entry: 4M+ lines at 1M items), then
    /// [`Store::repair`]. For `restore_snapshot`, which fills `items` and `stream` and leaves
    /// the rest to this. A difference repair cannot fix (an unreadable item, a total that
    /// overflows) is an error naming the first few.
    pub(crate) fn rebuild_derived(&self) -> Result<usize, StoreError> {
        let report = self.check_inner(false, true)?;
        if !report.problems.is_empty() {
            let n = report.problems.len();
            let first: Vec<&str> = report.problems.iter().take(3).map(String::as_str).collect();
            return Err(StoreError::Invalid(format!(
                "{n} problem{} the derived trees cannot be built past: {}",
                if n == 1 { "" } else { "s" },
                first.join("; ")
            )));
        }
        self.repair(&report)
    }

    /// [`Store::check_scope`]; `quiet`: differences that `repair` fixes get their `Fix` but no
    /// message (the report then lists only what repair cannot fix).
    fn check_inner(&self, replay: bool, quiet: bool) -> Result<CheckReport, StoreError> {
        let with_stream = replay;
        let t = &self.trees;
        let start_day = self.month_start_day()?;
        // Exactly one thread per core (the stream replay, one sequential scan, is the one more).
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 8));
        // Many more ranges than threads: ids need not be spread evenly (bulk imports, demo
        // data), and a thread that finishes early takes the next range.
        let ranges = split(&t.items, workers * 16)?;
        let (want, replay, results) = std::thread::scope(|s| {
            let stream = s.spawn(move || {
                if with_stream {
                    replay_stream(t)
                } else {
                    last_record(t)
                }
            });
            let parts = pool(workers, ranges.len(), |i, p: &mut Partial| {
                scan_items(t, &ranges[i], i, start_day, with_stream, p)
            })?;
            let want = merge(parts);
            let results = {
                // Phase 2: the date index in ranges of its expected keys, then the aggregates
                // and counters; results joined in that order below.
                let jobs = chunks(want.idx_date.len(), workers * 4);
                let small = jobs.len();
                let want = &want;
                let done = pool(workers, small + 2, |i, out: &mut Vec<(usize, Outcome)>| {
                    let r = match i {
                        i if i < small => {
                            compare_date_index(&t.idx_date, &want.idx_date, jobs[i], quiet)
                        }
                        i if i == small => compare_aggs(&t.agg_day, AGG_DAY, &want.agg_day, quiet)
                            .and_then(|(mut o, mut f)| {
                                let (o2, f2) =
                                    compare_aggs(&t.agg_month, AGG_MONTH, &want.agg_month, quiet)?;
                                o.extend(o2);
                                f.extend(f2);
                                Ok((o, f))
                            }),
                        _ => compare_counts(t, want, quiet),
                    };
                    out.push((i, r));
                    Ok(())
                })?;
                let mut results: Vec<(usize, Outcome)> = done.into_iter().flatten().collect();
                // Report order: idx_date (in key order), aggregates, counters.
                results.sort_by_key(|(i, _)| *i);
                results
            };
            Ok::<_, StoreError>((want, join(stream)??, results))
        })?;
        let mut report = CheckReport {
            items: want.items,
            records: replay.records,
            problems: want.problems.clone(),
            fixes: Vec::new(),
            missing: Vec::new(),
        };
        // A store the open refuses to write (it lost changes) is never consistent.
        report.problems.extend(self.write_refusal());
        report.problems.extend(replay.problems.iter().cloned());
        for (_, r) in results {
            let (out, fixes) = r?;
            report.problems.extend(out);
            report.fixes.extend(fixes);
        }
        // The stream's replay must give exactly `items`, and `budgets-1` for budget items.
        let mut images: Vec<(u128, u64, u64)> = Vec::new();
        if with_stream {
            images.extend_from_slice(&want.images);
            for kv in t.budgets.iter() {
                let (k, v) = kv?;
                match super::budget::decode_image(&k, &v) {
                    // An older store's budget that no record wrote yet (see `budget.rs`).
                    Ok(img) if img.version == 0 => {}
                    Ok(img) => images.push((
                        super::budget::budget_id(&img.category).0,
                        img.last_seq,
                        image_hash(&img),
                    )),
                    Err(e) => report.problems.push(e.to_string()),
                }
            }
            // Schedules likewise from `schedules-1` (`store/schedule.rs`).
            for kv in t.schedules.iter() {
                let (k, v) = kv?;
                let id = <[u8; 16]>::try_from(&k[..]).map(u128::from_be_bytes);
                match (
                    id,
                    super::codec::decode_item(super::tables::SCHEDULES, &k, &v),
                ) {
                    (Ok(id), Ok(img)) => images.push((id, img.last_seq, image_hash(&img))),
                    (Err(_), _) => report.problems.push(format!(
                        "{}: a key of {} bytes is not an id",
                        super::tables::SCHEDULES,
                        k.len()
                    )),
                    (_, Err(e)) => report.problems.push(e.to_string()),
                }
            }
        }
        let images = &images[..];
        let mut wrong: Vec<(u128, String)> = Vec::new();
        for &(id, last_seq, hash) in images {
            let (what, table) = held_in(id);
            match replay.live.get(&id) {
                None | Some((_, None)) => wrong.push((
                    id,
                    format!("{STREAM}: replay lacks {what} {} ({table} holds it)", ExpenseId(id)),
                )),
                Some((seq, Some(h))) if *h != hash || *seq != last_seq => wrong.push((
                    id,
                    format!(
                        "{STREAM}: replay of {} gives the image of record {seq}, {table} has the one of record {last_seq}",
                        ExpenseId(id)
                    ),
                )),
                Some(_) => {}
            }
        }
        wrong.sort_unstable();
        report.problems.extend(wrong.into_iter().map(|(_, m)| m));
        if with_stream
            && replay
                .live
                .values()
                .filter(|(_, img)| img.is_some())
                .count()
                != images.len()
        {
            let have: std::collections::HashSet<u128> = images.iter().map(|i| i.0).collect();
            let mut extra: Vec<u128> = replay
                .live
                .iter()
                .filter(|(id, (_, img))| img.is_some() && !have.contains(id))
                .map(|(id, _)| *id)
                .collect();
            extra.sort_unstable();
            for id in extra {
                let (what, table) = held_in(id);
                report.problems.push(format!(
                    "{STREAM}: replay has {what} {}, which {table} lacks",
                    ExpenseId(id)
                ));
                // A lost budget or schedule is reported; it is in no derived tree, so it does
                // not stop a repair of them (a lost expense would: every total would drop it).
                if what == "item" {
                    report.missing.push(ExpenseId(id));
                }
            }
        }
        report
            .problems
            .extend(check_imports(t, replay.last, with_stream)?);
        let live = |id: u128| replay.live.get(&id).copied();
        let live: &super::trash::LiveLookup<'_> = &live;
        report.problems.extend(super::trash::check(
            t,
            with_stream.then_some(live),
            image_hash,
        )?);
        if with_stream && t.stream_hash()? != replay.chain {
            // Reported, not repaired: the high-water mark file holds the stored hash too.
            report.problems.push(format!(
                "{META}: stream_hash differs from the running hash of the replayed stream"
            ));
        }
        let meta_seq = t.last_seq()?;
        if meta_seq != replay.last {
            if !quiet {
                report.problems.push(format!(
                    "{META}: seq is {meta_seq}, the last stream record is {}",
                    replay.last
                ));
            }
            report.fixes.push(Fix {
                tree: META,
                key: META_SEQ.to_vec(),
                value: Some(replay.last.to_be_bytes().to_vec()),
            });
        }
        Ok(report)
    }

    /// Applies the fixes of `report` (from [`Store::check`] just before, with no write in
    /// between) to the derived trees, one thread per tree, then flushes. Returns how many
    /// entries it changed. A crash half-way leaves a store that `check` reports and `repair`
    /// finishes: every fix is recomputed from `items`, which this never touches.
    ///
    /// Plain inserts, not `sled::Batch`es: nothing here needs one atomic write, and for the
    /// ~4M entries of a rebuild from nothing (`rebuild_derived` after a restore of 1M items)
    /// batches were slower and held every entry twice (measured, 142k items: 462k fixes in
    /// 5-6 s with 1k-100k batches, 0.7-2.1 GB peak).
    ///
    /// Refused, changing nothing, when the store lost changes (its high-water mark is ahead) or
    /// `report` found items missing that the stream holds: rebuilding the derived trees from
    /// what is left would only hide the loss (every total would drop them). The way back is the
    /// newest backup, which the error names.
    pub fn repair(&self, report: &CheckReport) -> Result<usize, StoreError> {
        self.check_writable()?;
        if let Some(first) = report.missing.first() {
            return Err(StoreError::ItemsMissing {
                count: report.missing.len(),
                first: *first,
            });
        }
        let t = &self.trees;
        let mut by_tree: BTreeMap<&'static str, Vec<&Fix>> = BTreeMap::new();
        for f in &report.fixes {
            by_tree.entry(f.tree).or_default().push(f);
        }
        let mut jobs = Vec::new();
        for (name, fixes) in by_tree {
            let tree = match name {
                IDX_DATE => &t.idx_date,
                AGG_DAY => &t.agg_day,
                AGG_MONTH => &t.agg_month,
                COUNTS => &t.counts,
                META => &t.meta,
                other => return Err(StoreError::Sled(format!("no repair for tree {other}"))),
            };
            jobs.push((tree, fixes));
        }
        std::thread::scope(|s| {
            let handles: Vec<_> = jobs
                .into_iter()
                .map(|(tree, fixes)| {
                    s.spawn(move || {
                        for f in fixes {
                            match &f.value {
                                Some(v) => drop(tree.insert(&f.key[..], &v[..])?),
                                None => drop(tree.remove(&f.key[..])?),
                            }
                        }
                        Ok::<_, StoreError>(())
                    })
                })
                .collect();
            handles.into_iter().try_for_each(|h| join(h)?)
        })?;
        self.db.flush()?;
        if report.fixes.iter().any(|f| f.tree == META) {
            // The last seq may have moved back: the change feed follows it, or later commits
            // below its old value would go unheard.
            self.feed.reset(t.last_seq()?);
        }
        Ok(report.fixes.len())
    }
}

/// What an id names and the table that holds it: an expense in `items`, a budget in
/// `budgets-1`, a schedule in `schedules-1` (ids of their own key spaces).
fn held_in(id: u128) -> (&'static str, &'static str) {
    if super::budget::is_budget_id(id) {
        ("budget", super::tables::BUDGETS)
    } else if super::schedule::is_schedule_id(id) {
        ("schedule", super::tables::SCHEDULES)
    } else {
        ("item", super::tables::ITEMS)
    }
}

/// Joins a scoped thread, turning a panic into an error.
fn join<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> Result<T, StoreError> {
    h.join()
        .map_err(|_| StoreError::Sled("a check thread panicked".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Draft;
    use crate::store::keys::{count_key, date_key, COUNT_CATEGORY, COUNT_PAYEE};
    use crate::store::Origin;

    fn draft(day: u32, amount: i64, cat: &str, payee: &str) -> Draft {
        Draft {
            tags: vec!["t".into()],
            ..Draft::sample(
                chrono::NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
                amount,
                cat,
                payee,
            )
        }
    }

    #[test]
    fn finds_and_repairs_every_derived_tree() {
        let s = Store::open_temporary().unwrap();
        s.use_month_start_day(25).unwrap();
        for i in 0..50u32 {
            let cat = ["food", "food:x", "rent"][i as usize % 3];
            s.put(
                draft(1 + i % 28, 100 + i64::from(i), cat, "Shop"),
                Origin::User,
                1,
            )
            .unwrap();
        }
        let clean = s.check().unwrap();
        assert!(clean.is_consistent(), "{:?}", clean.problems);
        assert_eq!((clean.items, clean.records), (50, 50));
        // Damage one entry of each derived tree.
        let t = &s.trees;
        s.damage_aggregate_for_tests(7).unwrap();
        let (k, _) = t.agg_month.first().unwrap().unwrap();
        t.agg_month.remove(k).unwrap();
        let (k, _) = t.idx_date.first().unwrap().unwrap();
        t.idx_date.remove(k).unwrap();
        // A date index entry whose projection no longer matches its item.
        let (k, _) = t.idx_date.last().unwrap().unwrap();
        t.idx_date.insert(k, &[][..]).unwrap();
        // An entry for an item that does not exist.
        t.idx_date
            .insert(date_key(20261105, ExpenseId(999)), &[][..])
            .unwrap();
        t.counts
            .insert(count_key(COUNT_CATEGORY, "rent"), &99u64.to_be_bytes()[..])
            .unwrap();
        t.counts.remove(count_key(COUNT_PAYEE, "Shop")).unwrap();
        t.meta.insert(META_SEQ, &77u64.to_be_bytes()[..]).unwrap();
        let r = s.check().unwrap();
        assert_eq!(r.problems.len(), 8, "{:#?}", r.problems);
        assert_eq!(r.repairable(), 8);
        assert!(r
            .problems
            .iter()
            .any(|p| p.contains("idx_date-1") && p.contains("does not hold its item's fields")));
        assert!(r
            .problems
            .iter()
            .any(|p| p.contains("agg_day-1") && p.contains("2026-11-01 EUR expense")));
        assert_eq!(s.repair(&r).unwrap(), 8);
        let after = s.check().unwrap();
        assert!(after.is_consistent(), "{:?}", after.problems);
        // The payee counter came back with its category.
        assert_eq!(s.payees().unwrap()[0].2, "food:x");
    }

    /// Items lost from `items` while the stream still holds them: repair must not rebuild the
    /// totals without them (the interrupted restore of issue 12 "repaired" a store to 0 items).
    #[test]
    fn repair_refuses_when_items_the_stream_holds_are_missing() {
        let s = Store::open_temporary().unwrap();
        for i in 0..6u32 {
            s.put(draft(1 + i, 100, "food", "Shop"), Origin::User, 1)
                .unwrap();
        }
        let (k, _) = s.trees.items.first().unwrap().unwrap();
        s.trees.items.remove(k).unwrap();
        let r = s.check().unwrap();
        assert_eq!(r.missing.len(), 1, "{:?}", r.problems);
        let agg_before: Vec<_> = s.trees.agg_day.iter().collect::<Result<_, _>>().unwrap();
        let e = s.repair(&r).unwrap_err().to_string();
        assert!(
            e.contains("1 expense the change stream holds is missing")
                && e.contains("nothing was changed")
                && e.contains("expense restore --latest"),
            "{e}"
        );
        let agg_after: Vec<_> = s.trees.agg_day.iter().collect::<Result<_, _>>().unwrap();
        assert_eq!(agg_before, agg_after);
        // Without the replay nothing is known missing: derived trees only.
        assert!(s.check_scope(false).unwrap().missing.is_empty());
    }
}
