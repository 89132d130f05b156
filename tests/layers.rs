//! The layer rule, kept true by a test: `main -> {tui, cli} -> session -> engine -> store ->
//! domain`, `tui -> app -> ui`, and no import runs back up (the map is in `src/lib.rs`). Every
//! path a source file names (`crate::x`, and `super::` chains that climb out of its folder) is
//! checked against the rooms its layer may use. Comments are skipped; a path in a string is not
//! an import and is not written in this code base.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The top-level rooms each layer may name (besides itself).
fn allowed(layer: &str) -> Option<&'static [&'static str]> {
    Some(match layer {
        "clock" => &[],
        "domain" => &["clock"],
        "store" => &["domain", "clock"],
        "engine" => &["store", "domain", "clock"],
        "config" => &["domain", "clock"],
        "session" => &["engine", "store", "domain", "config", "clock"],
        // The reducer and render read one layout function so they agree on page sizes.
        "app" => &["domain", "clock", "ui"],
        "ui" => &["app", "domain", "clock"],
        "cli" => &["session", "engine", "store", "domain", "config", "clock"],
        "tui" => &[
            "app", "ui", "session", "engine", "store", "domain", "config", "clock",
        ],
        "main" | "lib" => return None,
        _ => return Some(&[]),
    })
}

/// `app` may name only `ui::layout` of the ui (one pure function shared with render).
fn allowed_path(layer: &str, path: &[String]) -> bool {
    match (layer, path.first().map(String::as_str)) {
        ("app", Some("ui")) => path.get(1).map(String::as_str) == Some("layout"),
        _ => true,
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let p = entry.expect("entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file under `src/`: `src/engine/triggers/mod.rs` is `engine::triggers`.
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|l| l == "mod") {
        parts.pop();
    }
    parts
}

/// The code of a line without its `//` comment (a `//` inside a string is rare enough here:
/// the paths this test looks for never follow one).
fn code(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Every crate path a line names, resolved to its segments from the crate root.
fn paths(line: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let ident = |at: usize| -> Vec<String> {
        line[at..]
            .split("::")
            .map(|s| {
                s.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect::<String>()
            })
            .take_while(|s| !s.is_empty())
            .collect()
    };
    for (i, _) in line.match_indices("crate::") {
        if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_') {
            continue;
        }
        out.push(ident(i + "crate::".len()));
    }
    for (i, _) in line.match_indices("super::") {
        if i > 0
            && (bytes[i - 1].is_ascii_alphanumeric()
                || bytes[i - 1] == b'_'
                || bytes[i - 1] == b':')
        {
            continue;
        }
        let segs = ident(i);
        let ups = segs.iter().take_while(|s| *s == "super").count();
        // A file is a module; `super` from `a::b::c` is `a::b`.
        let mut base: Vec<String> = module.to_vec();
        for _ in 0..ups {
            base.pop();
        }
        base.extend(segs[ups..].iter().cloned());
        out.push(base);
    }
    out
}

#[test]
fn no_module_imports_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 50, "found the sources ({})", files.len());
    // The top-level rooms: a resolved path that starts elsewhere came from a `super::` inside an
    // inline module (`mod tests`), which stays in its file's room.
    let rooms: Vec<String> = files
        .iter()
        .filter_map(|f| module_of(f.strip_prefix(&src).ok()?).first().cloned())
        .collect();
    let mut wrong: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src");
        let module = module_of(rel);
        let layer = module.first().cloned().unwrap_or_default();
        let Some(may) = allowed(&layer) else {
            continue;
        };
        let text = std::fs::read_to_string(file).expect("read");
        for (n, line) in text.lines().enumerate() {
            for path in paths(code(line), &module) {
                let Some(room) = path.first().filter(|r| rooms.contains(r)) else {
                    continue;
                };
                let ok =
                    room == &layer || (may.contains(&room.as_str()) && allowed_path(&layer, &path));
                if !ok {
                    wrong.entry(layer.clone()).or_default().push(format!(
                        "{}:{}: {}",
                        rel.display(),
                        n + 1,
                        path.join("::")
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that run back up a layer (see the map in src/lib.rs):\n{wrong:#?}"
    );
}

#[test]
fn the_checker_sees_crate_and_super_paths() {
    let m: Vec<String> = ["engine", "triggers", "deliver"].map(String::from).to_vec();
    assert_eq!(
        paths("use super::super::super::cli::stream::View;", &m),
        vec![vec!["cli".to_string(), "stream".into(), "View".into()]]
    );
    assert_eq!(
        paths("let x = crate::store::Store::open(p);", &m),
        vec![vec!["store".to_string(), "Store".into(), "open".into()]]
    );
    assert_eq!(code("use crate::x; // crate::tui"), "use crate::x; ");
    assert!(!allowed_path("app", &["ui".into(), "ledger".into()]));
    assert!(allowed_path(
        "app",
        &["ui".into(), "layout".into(), "ledger_rows".into()]
    ));
}

#[test]
fn no_file_is_over_800_lines_and_the_median_is_moderate() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut lens: Vec<(usize, String)> = files
        .iter()
        .map(|f| {
            let n = std::fs::read_to_string(f).expect("read").lines().count();
            (n, f.strip_prefix(&src).expect("src").display().to_string())
        })
        .collect();
    lens.sort();
    let big: Vec<&(usize, String)> = lens.iter().filter(|(n, _)| *n > 800).collect();
    assert!(big.is_empty(), "files over 800 lines: {big:?}");
    let median = lens[lens.len() / 2].0;
    assert!(
        (100..=300).contains(&median),
        "median file length {median} lines: split or merge rooms (STYLE.md aims at 150-250)"
    );
}
