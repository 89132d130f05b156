//! Holding the derived trees against what `items` implies: the date index (in key ranges, on
//! the worker pool), the day and month aggregates, the counters, and the `imports` rows against
//! the stream. Rule: each comparison merges in key order without copying a tree, and yields a
//! message per difference (none with `quiet`) plus the [`Fix`] that repairs it, except for
//! `imports`, which is not derived and is only reported.

use super::super::codec::Code;
use super::super::codec::{decode_payee, encode_payee, Agg, PayeeCount};
use super::super::error::{hex, StoreError};
use super::super::keys::{
    date_from_u32, decode_count_key, decode_date_key, AggKey, COUNT_CATEGORY, COUNT_PAYEE,
};
use super::super::tables::{Trees, AGG_DAY, AGG_MONTH, COUNTS, IDX_DATE, IMPORTS, STREAM};
use super::scan::{DateKeys, Expected};
use super::{Fix, Outcome};
use crate::domain::money::format_plain;
use crate::domain::Currency;
use std::collections::HashMap;
use std::ops::Bound;

/// A derived-tree key in words, for messages.
pub(in crate::store) fn describe(tree: &str, key: &[u8]) -> String {
    let date = |d: u32| date_from_u32(d).map_or(d.to_string(), |d| d.to_string());
    let shown = match tree {
        IDX_DATE => decode_date_key(key).map(|(d, id)| format!("{} {id}", date(d))),
        AGG_DAY | AGG_MONTH => AggKey::decode(key).map(|k| {
            let when = if tree == AGG_MONTH {
                format!("{:04}-{:02}", k.date / 100, k.date % 100)
            } else {
                date(k.date)
            };
            format!("{when} {} {} '{}'", k.currency, k.kind.as_str(), k.category)
        }),
        COUNTS => decode_count_key(key).map(|(p, name)| {
            let what = match p {
                COUNT_CATEGORY => "category",
                COUNT_PAYEE => "payee",
                _ => "tag",
            };
            format!("{what} '{name}'")
        }),
        _ => None,
    };
    let shown = shown.unwrap_or_else(|| format!("key {}", hex(key)));
    crate::domain::text::inert(&shown).into_owned()
}

/// Merges entries `a..b` of `want` against the same key range of `idx_date` (`a == 0`: from
/// the tree's start; `b == want.len()`: to its end), keys and projected values, so that ranges
/// can be compared on different threads and their results joined in order.
pub(super) fn compare_date_index(
    tree: &sled::Tree,
    want: &DateKeys,
    (a, b): (usize, usize),
    quiet: bool,
) -> Outcome {
    let name = IDX_DATE;
    let (mut out, mut fixes) = (Vec::new(), Vec::new());
    let mut ev = Vec::new();
    let mut missing = |i: usize, k: &[u8], out: &mut Vec<String>, fixes: &mut Vec<Fix>| {
        if !quiet {
            out.push(format!("{name}: missing entry {}", describe(name, k)));
        }
        want.value(i, &mut ev);
        fixes.push(Fix {
            tree: name,
            key: k.to_vec(),
            value: Some(ev.clone()),
        });
    };
    let bound = |i: usize, edge: usize| {
        if i == edge {
            None
        } else {
            let mut k = Vec::new();
            want.key(i, &mut k);
            Some(k)
        }
    };
    let lo = bound(a, 0).map_or(Bound::Unbounded, Bound::Included);
    let hi = bound(b, want.len()).map_or(Bound::Unbounded, Bound::Excluded);
    let (mut i, mut w, mut wv) = (a, Vec::new(), Vec::new());
    if i < b {
        want.key(i, &mut w);
    }
    for kv in tree.range::<Vec<u8>, _>((lo, hi)) {
        let (k, v) = kv?;
        while i < b && w[..] < k[..] {
            missing(i, &w, &mut out, &mut fixes);
            i += 1;
            if i < b {
                want.key(i, &mut w);
            }
        }
        if i < b && w[..] == k[..] {
            want.value(i, &mut wv);
            if wv[..] != v[..] {
                if !quiet {
                    out.push(format!(
                        "{name}: entry {} does not hold its item's fields",
                        describe(name, &k)
                    ));
                }
                fixes.push(Fix {
                    tree: name,
                    key: k.to_vec(),
                    value: Some(wv.clone()),
                });
            }
            i += 1;
            if i < b {
                want.key(i, &mut w);
            }
        } else {
            if !quiet {
                out.push(format!("{name}: extra entry {}", describe(name, &k)));
            }
            fixes.push(Fix {
                tree: name,
                key: k.to_vec(),
                value: None,
            });
        }
    }
    while i < b {
        missing(i, &w, &mut out, &mut fixes);
        i += 1;
        if i < b {
            want.key(i, &mut w);
        }
    }
    Ok((out, fixes))
}

/// Compares an aggregate tree with the sums from items.
pub(super) fn compare_aggs(
    tree: &sled::Tree,
    name: &'static str,
    want: &HashMap<Vec<u8>, (i128, u64)>,
    quiet: bool,
) -> Result<(Vec<String>, Vec<Fix>), StoreError> {
    let (mut out, mut fixes) = (Vec::new(), Vec::new());
    let money = |key: &[u8], sum: i128| {
        let cur = key
            .get(4..7)
            .and_then(|c| c.try_into().ok())
            .and_then(Currency::from_bytes);
        match (cur, i64::try_from(sum)) {
            (Some(c), Ok(s)) => format!("{} {c}", format_plain(s, c)),
            _ => sum.to_string(),
        }
    };
    let mut seen = 0usize;
    for kv in tree.iter() {
        let (k, v) = kv?;
        let have = Agg::decode(name, &k, &v);
        match (want.get(&k[..]), have) {
            (Some(&(s, c)), Ok(h)) if i128::from(h.sum) == s && h.count == c => seen += 1,
            (Some(&(s, c)), have) => {
                seen += 1;
                if !quiet {
                    let stored = match have {
                        Ok(h) => format!("{} in {} items", money(&k, h.sum.into()), h.count),
                        Err(e) => e.to_string(),
                    };
                    out.push(format!(
                        "{name}: {} holds {stored}, items say {} in {c}",
                        describe(name, &k),
                        money(&k, s)
                    ));
                }
                match i64::try_from(s) {
                    Ok(sum) => fixes.push(Fix {
                        tree: name,
                        key: k.to_vec(),
                        value: Some(Agg { sum, count: c }.encode().to_vec()),
                    }),
                    Err(_) => out.push(format!("{name}: {} overflows", describe(name, &k))),
                }
            }
            (None, _) => {
                if !quiet {
                    out.push(format!(
                        "{name}: extra row {} (no item has it)",
                        describe(name, &k)
                    ));
                }
                fixes.push(Fix {
                    tree: name,
                    key: k.to_vec(),
                    value: None,
                });
            }
        }
    }
    if seen < want.len() {
        let mut missing: Vec<(&Vec<u8>, &(i128, u64))> = want
            .iter()
            .filter(|(k, _)| !matches!(tree.contains_key(k), Ok(true)))
            .collect();
        missing.sort();
        for (k, &(s, c)) in missing {
            if !quiet {
                out.push(format!(
                    "{name}: missing row {} = {} in {c} items",
                    describe(name, k),
                    money(k, s)
                ));
            }
            match i64::try_from(s) {
                Ok(sum) => fixes.push(Fix {
                    tree: name,
                    key: k.clone(),
                    value: Some(Agg { sum, count: c }.encode().to_vec()),
                }),
                Err(_) => out.push(format!("{name}: {} overflows", describe(name, k))),
            }
        }
    }
    Ok((out, fixes))
}

/// Compares `counts` (payee counters: the count only; their last category is history).
pub(super) fn compare_counts(t: &Trees, want: &Expected, quiet: bool) -> Outcome {
    let counts = &want.counts;
    let (mut out, mut fixes) = (Vec::new(), Vec::new());
    let payee_value = |k: &[u8], n: u64, last: Option<String>| -> Result<Vec<u8>, StoreError> {
        let last_category = last
            .or_else(|| {
                let name = std::str::from_utf8(k.get(1..)?).ok()?;
                want.payee_last.get(name).cloned()
            })
            .unwrap_or_default();
        encode_payee(&PayeeCount {
            count: n,
            last_category,
        })
    };
    let mut seen = 0usize;
    for kv in t.counts.iter() {
        let (k, v) = kv?;
        let is_payee = k.first() == Some(&COUNT_PAYEE);
        let (have, last) = if is_payee {
            match decode_payee(COUNTS, &k, &v) {
                Ok(pc) => (Some(pc.count), Some(pc.last_category)),
                Err(_) => (None, None),
            }
        } else {
            (super::super::codec::decode_u64(COUNTS, &k, &v).ok(), None)
        };
        let want = counts.get(&k[..]).copied();
        if want.is_some() {
            seen += 1;
        }
        if have == want {
            continue;
        }
        let fix = match want {
            None => {
                if !quiet {
                    out.push(format!(
                        "{COUNTS}: extra counter {} (no item has it)",
                        describe(COUNTS, &k)
                    ));
                }
                None
            }
            Some(n) => {
                if !quiet {
                    out.push(format!(
                        "{COUNTS}: counter {} is {}, items say {n}",
                        describe(COUNTS, &k),
                        have.map_or("unreadable".to_string(), |h| h.to_string())
                    ));
                }
                Some(if is_payee {
                    payee_value(&k, n, last)?
                } else {
                    n.to_be_bytes().to_vec()
                })
            }
        };
        fixes.push(Fix {
            tree: COUNTS,
            key: k.to_vec(),
            value: fix,
        });
    }
    if seen < counts.len() {
        let mut missing: Vec<(&Vec<u8>, &u64)> = counts
            .iter()
            .filter(|(k, _)| !matches!(t.counts.contains_key(k), Ok(true)))
            .collect();
        missing.sort();
        for (k, &n) in missing {
            if !quiet {
                out.push(format!(
                    "{COUNTS}: missing counter {} = {n}",
                    describe(COUNTS, k)
                ));
            }
            let value = if k.first() == Some(&COUNT_PAYEE) {
                payee_value(k, n, None)?
            } else {
                n.to_be_bytes().to_vec()
            };
            fixes.push(Fix {
                tree: COUNTS,
                key: k.clone(),
                value: Some(value),
            });
        }
    }
    Ok((out, fixes))
}

/// `imports-1`: every value is 0 (restored) or the seq of a record in the stream (1..=`last`); with `records`,
/// that record is read and must be an INSERT with origin import. Nothing here is repairable: the
/// tree is the memory of which bank rows were imported, not derived from items.
pub(super) fn check_imports(
    t: &Trees,
    last: u64,
    records: bool,
) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    let start = t.stream_start()?;
    for kv in t.imports.iter() {
        let (k, v) = kv?;
        let seq = match super::super::codec::decode_u64(IMPORTS, &k, &v) {
            Ok(seq) => seq,
            Err(e) => {
                out.push(e.to_string());
                continue;
            }
        };
        // 0: a row a restore brought back; the record that imported it is not kept.
        if seq == 0 {
            continue;
        }
        if seq > last {
            out.push(format!(
                "{IMPORTS}: row {} names record {seq}, the stream ends at {last}",
                hex(&k)
            ));
            continue;
        }
        // A record trimmed by `[stream] keep_days` cannot be read back.
        if !records || seq < start {
            continue;
        }
        let key = super::super::keys::seq_key(seq);
        let head = match t.stream.get(key)? {
            Some(v) => super::super::codec::decode_record_head(STREAM, &key, &v)?,
            None => {
                out.push(format!(
                    "{IMPORTS}: row {} names record {seq}, which the stream lacks",
                    hex(&k)
                ));
                continue;
            }
        };
        let import = super::super::Origin::Import.code();
        let insert = super::super::Event::Insert.code();
        if head.origin != import || head.event != insert {
            out.push(format!(
                "{IMPORTS}: row {} names record {seq}, which is not an import's INSERT",
                hex(&k)
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::domain::Draft;
    use crate::store::{Origin, Store};

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
    fn import_rows_must_name_an_imports_insert() {
        let s = Store::open_temporary().unwrap();
        let user = s
            .put(draft(3, 100, "food", "Shop"), Origin::User, 1)
            .unwrap();
        assert!(s.check().unwrap().is_consistent());
        let t = &s.trees;
        t.imports
            .insert([1u8; 16], &user.seq.to_be_bytes())
            .unwrap();
        t.imports.insert([2u8; 16], &99u64.to_be_bytes()).unwrap();
        t.imports.insert([3u8; 16], &[1u8, 2][..]).unwrap();
        let quick = s.check_scope(false).unwrap().problems;
        assert_eq!(quick.len(), 2, "{quick:?}");
        assert!(
            quick[0].contains("names record 99, the stream ends at 1"),
            "{quick:?}"
        );
        assert!(quick[1].contains("2 bytes, want 8"), "{quick:?}");
        let full = s.check().unwrap().problems;
        assert!(
            full.iter()
                .any(|p| p.contains("names record 1, which is not an import's INSERT")),
            "{full:?}"
        );
    }
}
