//! Bytes per tree of a store: `cargo bench --bench tree_bytes -- DIR [EXPENSES]`, or with no
//! DIR the stores `cargo bench --bench core` generated in `target/bench-data/`. Sums key and
//! value sizes per sled tree (what the app stores) and prints them next to the size of sled's
//! files (what the disk holds), per expense when EXPENSES is given (default: the entries of
//! `items-1`). Opens the store with sled directly, read only in effect (sled still writes at
//! open, benches/README.md "What every open writes"), so run it on a copy of a store that
//! matters. benches/README.md, "Half the disk".

use std::path::{Path, PathBuf};

fn main() {
    // `cargo bench` adds flags of its own (`--bench`): the words that are not flags are ours.
    let words: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let given: Option<f64> = words
        .get(1)
        .map(|n| n.parse().expect("EXPENSES is a number"));
    let dirs: Vec<PathBuf> = match words.first() {
        Some(dir) => vec![PathBuf::from(dir)],
        None => ["10k", "100k", "1m"]
            .iter()
            .map(|n| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("target/bench-data")
                    .join(n)
                    .join("store")
            })
            .filter(|d| d.join("db").exists())
            .collect(),
    };
    if dirs.is_empty() {
        println!("tree_bytes: no store given and none in target/bench-data (cargo bench --bench core makes them)");
    }
    for dir in dirs {
        println!("{}", dir.display());
        measure(&dir, given);
    }
}

fn measure(dir: &Path, given: Option<f64>) {
    let conf = std::fs::read_to_string(dir.join("conf")).unwrap_or_default();
    let db = sled::Config::new()
        .path(dir)
        .use_compression(conf.contains("use_compression: true"))
        .open()
        .expect("open");
    let mut names: Vec<_> = db.tree_names();
    names.sort();
    let items = db.open_tree("items-1").expect("items").len() as f64;
    let per = given.unwrap_or(items).max(1.0);
    println!("| tree | entries | keys (B) | values (B) | B per expense |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    let (mut tk, mut tv, mut tn) = (0u64, 0u64, 0u64);
    for name in names {
        let t = db.open_tree(&name).expect("tree");
        let (mut n, mut k, mut v) = (0u64, 0u64, 0u64);
        for kv in t.iter() {
            let (key, val) = kv.expect("read");
            n += 1;
            k += key.len() as u64;
            v += val.len() as u64;
        }
        if n == 0 {
            continue;
        }
        tk += k;
        tv += v;
        tn += n;
        println!(
            "| {} | {n} | {k} | {v} | {:.1} |",
            String::from_utf8_lossy(&name),
            (k + v) as f64 / per
        );
    }
    println!(
        "| all | {tn} | {tk} | {tv} | {:.1} |",
        (tk + tv) as f64 / per
    );
    drop(db);
    let mut files = 0u64;
    for e in std::fs::read_dir(dir).expect("dir").flatten() {
        let md = e.metadata().expect("metadata");
        if md.is_file() {
            println!("file {}: {} B", e.file_name().to_string_lossy(), md.len());
            files += md.len();
        }
    }
    println!(
        "sled files: {files} B, {:.1} B per expense; logical: {:.1} B per expense",
        files as f64 / per,
        (tk + tv) as f64 / per
    );
}
