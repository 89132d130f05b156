//! A dry run creates and writes nothing: `import --dry-run` on a new data dir leaves it absent,
//! and on a store leaves every file as it was, with no backup and nothing posted.

use super::*;

/// Each file under `dir` with its size and SHA-256 (mtimes differ: sled rewrites the tail of
/// its log at every open, the same bytes).
fn files(dir: &std::path::Path) -> Vec<(String, u64, String)> {
    use sha2::Digest;
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let name = p.strip_prefix(dir).unwrap().display().to_string();
            if p.is_dir() {
                out.push((name + "/", 0, String::new()));
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                let hash = format!("{:x}", sha2::Sha256::digest(&bytes));
                out.push((name, bytes.len() as u64, hash));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn import_dry_run_creates_nothing_and_writes_nothing() {
    let csv_text = "date,amount,payee\n2026-04-02,-3.50,Cafe\n2026-04-03,-12.00,Lidl\n";
    // A new data dir: the file is read and shown, and no store, backup or folder is made.
    let fresh = Sandbox::new();
    let csv = fresh.tmp.path().join("bank.csv");
    std::fs::write(&csv, csv_text).unwrap();
    let out = Command::from_std(common::auto_backups(fresh.cmd(&[
        "import",
        "--dry-run",
        csv.to_str().unwrap(),
    ])))
    .assert()
    .success()
    .get_output()
    .stdout
    .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("bank.csv: 2 new, 0 already in the store, 0 bad"),
        "{text}"
    );
    assert!(
        !fresh.data.exists(),
        "the dry run made {}",
        fresh.data.display()
    );

    // A store with a schedule that falls due each day, automatic backups on: taken as a
    // holder, the store would post the days since, and a backup would start. A dry run does
    // neither.
    let sb = Sandbox::new();
    std::fs::write(sb.tmp.path().join("bank.csv"), csv_text).unwrap();
    at_now(&sb, &["recurring", "add", "2", "coffee!", "--every", "day"])
        .assert()
        .success();
    at_now(&sb, &["import", "bank.csv"])
        .current_dir(sb.tmp.path())
        .assert()
        .success();
    // Read once after the writes: sled rewrites its recovery snapshot at the first open after
    // a write (an open, not this command; issue 15 has it), so the files are compared from here.
    at_now(&sb, &["list"]).assert().success();
    let before = files(&sb.data);
    let mut c = common::auto_backups(sb.cmd(&["import", "--dry-run", "bank.csv"]));
    c.env("EXPENSE_NOW", "2026-04-12T10:00:00Z")
        .current_dir(sb.tmp.path());
    let out = Command::from_std(c).assert().success().get_output().clone();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("bank.csv: 0 new, 2 already in the store, 0 bad"),
        "{text}"
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(files(&sb.data), before, "the dry run changed the data dir");
    assert!(!sb.data.join("backups").exists());
    // The same command, not a dry run of anything, posts what fell due (the test can fail).
    at_now(&sb, &["list"])
        .env("EXPENSE_NOW", "2026-04-12T10:00:00Z")
        .assert()
        .success();
    assert_ne!(files(&sb.data), before);
}
