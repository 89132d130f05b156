//! Bytes per tree of a store: `cargo run --release --example tree_bytes -- DIR [EXPENSES]`.
//! Sums key and value sizes per sled tree (what the app stores) and prints them next to the
//! size of sled's files (what the disk holds), per expense when EXPENSES is given (default:
//! the entries of `items-1`). Opens the store with sled directly, read only in effect (sled
//! still writes a snapshot at open), so run it on a copy. benches/README.md, "Half the disk".

use std::path::Path;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: tree_bytes DIR [EXPENSES]");
    let given: Option<f64> = args
        .next()
        .map(|n| n.parse().expect("EXPENSES is a number"));
    let dir = Path::new(&dir);
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
