//! Backups that check themselves (issue 12, item 8), through the binary: a flipped bit anywhere
//! in a backup, plain or compressed (issue 15 item 3), makes `restore` and `backup --verify`
//! refuse it and change nothing; a file of an
//! older version (no checksums) still restores, with a note; rotation deletes only automatic
//! backups; killed backups' temporary files go at the next backup; a backup path inside the
//! data directory is refused.

mod common;

use common::{fails, ok, Sandbox};
use std::path::{Path, PathBuf};

/// A store with expenses and a budget, and a backup of it at `<tmp>/b.jsonl`.
fn backed_up() -> (Sandbox, PathBuf) {
    let sb = Sandbox::new();
    for (amount, words) in [
        ("12.50", "food! @Shop"),
        ("3", "rent!"),
        ("7.25", "fun! #tag"),
    ] {
        let mut args = vec!["add", amount];
        args.extend(words.split(' '));
        ok(sb.cmd(&args).output().unwrap());
    }
    ok(sb.cmd(&["budget", "set", "food", "300"]).output().unwrap());
    let file = sb.tmp.path().join("b.jsonl");
    ok(sb
        .cmd(&["backup", file.to_str().unwrap()])
        .output()
        .unwrap());
    (sb, file)
}

/// [`backed_up`], with a compressed backup (`<tmp>/b.jsonl.zst`) of the same store beside it.
fn backed_up_compressed() -> (Sandbox, PathBuf) {
    let (sb, _) = backed_up();
    let file = sb.tmp.path().join("b.jsonl.zst");
    ok(sb
        .cmd(&["backup", file.to_str().unwrap()])
        .output()
        .unwrap());
    (sb, file)
}

/// The live store's rows as `list --json` shows them.
fn rows(sb: &Sandbox) -> String {
    ok(sb.cmd(&["list", "--json"]).output().unwrap())
}

#[test]
fn every_flipped_bit_is_refused_by_the_reader() {
    let (_sb, file) = backed_up();
    let good = std::fs::read(&file).unwrap();
    assert!(expense_tracker::store::backup::read_backup(&file).is_ok());
    let bad = file.with_file_name("flipped.jsonl");
    let mut passed = Vec::new();
    for i in 0..good.len() {
        for bit in 0..8 {
            let mut b = good.clone();
            b[i] ^= 1 << bit;
            std::fs::write(&bad, &b).unwrap();
            if expense_tracker::store::backup::read_backup(&bad).is_ok() {
                passed.push((i, bit));
            }
        }
    }
    assert!(
        passed.is_empty(),
        "{} of {} flips were read as good: {passed:?}",
        passed.len(),
        good.len() * 8
    );
}

#[test]
fn every_flipped_bit_of_a_compressed_backup_is_refused_by_the_reader_naming_the_file() {
    let (_sb, file) = backed_up_compressed();
    let good = std::fs::read(&file).unwrap();
    assert!(good.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]), "not zstd");
    let snap = expense_tracker::store::backup::read_backup(&file).unwrap();
    assert_eq!((snap.items.len(), snap.budgets.len()), (3, 1));
    assert!(!snap.unverified);
    let bad = file.with_file_name("flipped.jsonl.zst");
    let mut passed = Vec::new();
    for i in 0..good.len() {
        for bit in 0..8 {
            let mut b = good.clone();
            b[i] ^= 1 << bit;
            std::fs::write(&bad, &b).unwrap();
            // An error naming the file (zstd's own checks, or the lines' checksums behind
            // them); a panic fails the test.
            match expense_tracker::store::backup::read_backup(&bad) {
                Ok(_) => passed.push((i, bit)),
                Err(e) => {
                    let e = e.to_string();
                    assert!(
                        e.contains("flipped.jsonl.zst") && e.contains("nothing was changed"),
                        "byte {i} bit {bit}: {e}"
                    );
                }
            }
        }
    }
    assert!(
        passed.is_empty(),
        "{} of {} flips were read as good: {passed:?}",
        passed.len(),
        good.len() * 8
    );
    // Cut short anywhere: refused too.
    for len in 0..good.len() {
        std::fs::write(&bad, &good[..len]).unwrap();
        assert!(
            expense_tracker::store::backup::read_backup(&bad).is_err(),
            "cut at {len}"
        );
    }
}

#[test]
fn a_compressed_backup_restores_what_the_plain_one_does_and_damage_changes_nothing() {
    let (sb, file) = backed_up_compressed();
    let plain = sb.tmp.path().join("b.jsonl");
    let before = rows(&sb);
    let f = file.to_str().unwrap();
    let out = ok(sb.cmd(&["backup", "--verify", f]).output().unwrap());
    assert!(
        out.contains("verified") && out.contains("3 expenses, 1 budget"),
        "{out}"
    );
    // Each restores to a store with the same rows, budgets and checks.
    for (name, from) in [("z", &file), ("p", &plain)] {
        let to = sb.tmp.path().join(name);
        let out = ok(sb
            .cmd(&[
                "restore",
                from.to_str().unwrap(),
                "--to",
                to.to_str().unwrap(),
            ])
            .output()
            .unwrap());
        assert!(out.contains("restored 3 expenses"), "{out}");
        assert_eq!(
            ok(sb.cmd_at(&to, &["list", "--json"]).output().unwrap()),
            before
        );
        ok(sb.cmd_at(&to, &["check", "--stream"]).output().unwrap());
    }
    assert_eq!(
        ok(sb
            .cmd_at(&sb.tmp.path().join("z"), &["budget", "list"])
            .output()
            .unwrap()),
        ok(sb
            .cmd_at(&sb.tmp.path().join("p"), &["budget", "list"])
            .output()
            .unwrap())
    );
    // Damage anywhere in the compressed file: verify and restore refuse, naming the file,
    // and change nothing.
    let good = std::fs::read(&file).unwrap();
    for k in 0..12 {
        let (i, bit) = (k * good.len() / 12, k % 8);
        refused_everywhere(&sb, &good, (i, bit as u8), "flipped.jsonl.zst", &before);
    }
}

/// `good` with bit `bit` of byte `i` flipped, written as `name`: `backup --verify` names the
/// file and a line, `restore --to` and `restore --force-live` refuse, and nothing changes.
fn refused_everywhere(sb: &Sandbox, good: &[u8], (i, bit): (usize, u8), name: &str, before: &str) {
    let mut b = good.to_vec();
    b[i] ^= 1 << bit;
    let bad = sb.tmp.path().join(name);
    std::fs::write(&bad, &b).unwrap();
    let f = bad.to_str().unwrap();
    let to = sb.tmp.path().join("to");
    let what = format!("byte {i} bit {bit}");
    let err = fails(sb.cmd(&["backup", "--verify", f]).output().unwrap());
    assert!(err.contains(&format!("{name}, line ")), "{what}: {err}");
    let err = fails(
        sb.cmd(&["restore", f, "--to", to.to_str().unwrap()])
            .output()
            .unwrap(),
    );
    assert!(err.contains("nothing was changed"), "{what}: {err}");
    assert!(!to.exists(), "{what}: the target was created");
    fails(sb.cmd(&["restore", f, "--force-live"]).output().unwrap());
    assert_eq!(rows(sb), before, "{what}: the live store changed");
}

#[test]
fn flipped_bits_make_verify_and_restore_refuse_and_change_nothing() {
    let (sb, file) = backed_up();
    let good = std::fs::read(&file).unwrap();
    let before = rows(&sb);
    let text = String::from_utf8(good.clone()).unwrap();
    // Spread over the file, plus the places a lax reader would miss: the version digit, the
    // header's `checksum`, a CRC digit made upper case, the end record's sha256 key, the last
    // newline.
    let mut spots: Vec<(usize, u8)> = (0..16)
        .map(|k| (k * good.len() / 16, k as u8 % 8))
        .collect();
    let at = |needle: &str| text.find(needle).unwrap();
    spots.push((at("\"version\":1") + 10, 0));
    spots.push((at("\"checksum\"") + 3, 1));
    let crc = at("\"crc\":\"") + 7;
    let letter = (crc..crc + 8).find(|&i| good[i].is_ascii_lowercase());
    spots.extend(letter.map(|i| (i, 5)));
    spots.push((text.rfind("\"sha256\"").unwrap() + 2, 2));
    spots.push((good.len() - 1, 0));
    for spot in spots {
        refused_everywhere(&sb, &good, spot, "flipped.jsonl", &before);
    }
    // The good file verifies, and the line of a damaged one is named.
    let out = ok(sb
        .cmd(&["backup", "--verify", file.to_str().unwrap()])
        .output()
        .unwrap());
    assert!(
        out.contains("verified") && out.contains("3 expenses, 1 budget"),
        "{out}"
    );
    let second_line = text.find('\n').unwrap() + 30;
    let mut b = good.clone();
    b[second_line] ^= 1;
    std::fs::write(&file, &b).unwrap();
    let err = fails(
        sb.cmd(&["backup", "--verify", file.to_str().unwrap()])
            .output()
            .unwrap(),
    );
    assert!(err.contains("b.jsonl, line 2: "), "{err}");
}

#[test]
fn a_backup_of_an_older_version_restores_with_a_note() {
    let (sb, file) = backed_up();
    // What the previous version wrote: no `checksum`, no `crc`, no `sha256`.
    let old: String = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| {
            let l = l.split(",\"crc\":").next().unwrap();
            let l = l.split(",\"sha256\":").next().unwrap();
            format!("{}}}\n", l.replace(",\"checksum\":\"sha256\"", ""))
        })
        .collect();
    std::fs::write(&file, old).unwrap();
    let f = file.to_str().unwrap();
    let out = ok(sb.cmd(&["backup", "--verify", f]).output().unwrap());
    assert!(
        out.contains("no checksum (written by an older version)"),
        "{out}"
    );
    let to = sb.tmp.path().join("to");
    let out = sb
        .cmd(&["restore", f, "--to", to.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(ok(out).contains("restored 3 expenses"));
    assert!(
        err.contains("has no checksum (written by an older version)"),
        "{err}"
    );
}

#[test]
fn rotation_deletes_only_automatic_backups() {
    let sb = Sandbox::new();
    ok(sb.cmd(&["add", "1", "food!"]).output().unwrap());
    ok(sb.cmd(&["backup"]).output().unwrap());
    let backups = sb.data.join("backups");
    let mine = backups.join("keep-me.jsonl");
    ok(sb
        .cmd(&["backup", mine.to_str().unwrap()])
        .output()
        .unwrap());
    let names = || -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&backups)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let manual = names();
    assert_eq!(manual.len(), 2, "{manual:?}");
    let auto = || {
        let mut c = common::auto_backups(sb.cmd(&["backup", "--auto"]));
        c.env("EXPENSE_BACKUP_KEEP", "1");
        ok(c.output().unwrap())
    };
    // The manual backup of a moment ago does not make the automatic one not due.
    for round in 0..3 {
        let out = auto();
        assert!(out.contains("expense-auto-"), "round {round}: {out}");
        let autos: Vec<String> = names()
            .into_iter()
            .filter(|n| n.starts_with("expense-auto-"))
            .collect();
        assert_eq!(autos.len(), 1, "round {round}: {:?}", names());
        // Age it, so the next one is due.
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 86_400);
        std::fs::File::options()
            .write(true)
            .open(backups.join(&autos[0]))
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    for m in &manual {
        assert!(backups.join(m).exists(), "{m} was deleted: {:?}", names());
    }
}

/// Writes `bytes` to `dir/name`; returns the path.
fn put(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn leftovers_of_killed_backups_go_at_the_next_backup_and_a_running_ones_stay() {
    use std::os::unix::io::AsRawFd;
    let (sb, file) = backed_up();
    let head = &std::fs::read(&file).unwrap()[..90];
    let backups = sb.data.join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    let killed = put(&backups, "expense-20200101T000000.000Z.jsonl.tmp", head);
    let killed2 = put(&backups, "expense-20200101T000000.000Z.jsonl.tmp2", head);
    let empty = put(&backups, "expense-20200102T000000.000Z.jsonl.tmp", b"");
    // A compressed backup's: its text begins like a backup.
    let squeezed = zstd::encode_all(head, 3).unwrap();
    let killed_zst = put(
        &backups,
        "expense-20200103T000000.000Z.jsonl.zst.tmp",
        &squeezed,
    );
    let empty_zst = put(&backups, "expense-20200104T000000.000Z.jsonl.zst.tmp", b"");
    let users_zst = put(
        &backups,
        "notes.zst.tmp",
        &zstd::encode_all(&b"my notes"[..], 3).unwrap(),
    );
    let users = put(&backups, "notes.tmp", b"my notes");
    // A backup still running holds its temporary file (flock).
    let running = put(&backups, "other.jsonl.tmp", head);
    let held = std::fs::File::open(&running).unwrap();
    assert_eq!(
        unsafe { libc::flock(held.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) },
        0
    );
    ok(sb.cmd(&["backup"]).output().unwrap());
    for p in [&killed, &killed2, &empty, &killed_zst, &empty_zst] {
        assert!(!p.exists(), "{} is still there", p.display());
    }
    assert!(users.exists() && users_zst.exists() && running.exists());
    // A second backup into the running one's file is refused, and its file left alone.
    let target = backups.join("other.jsonl");
    let err = fails(
        sb.cmd(&["backup", target.to_str().unwrap()])
            .output()
            .unwrap(),
    );
    assert!(err.contains("another backup is running"), "{err}");
    assert_eq!(std::fs::read(&running).unwrap(), head);
    drop(held);
    ok(sb
        .cmd(&["backup", target.to_str().unwrap()])
        .output()
        .unwrap());
    assert!(!running.exists());
}

#[test]
fn a_backup_path_inside_the_data_dir_is_refused() {
    let (sb, _) = backed_up();
    let store = sb.data.join("store");
    let sled_files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&store)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .collect();
    assert!(!sled_files.is_empty());
    let link = sb.tmp.path().join("link");
    std::os::unix::fs::symlink(&store, &link).unwrap();
    let dotted = store.join("..").join("store").join("conf");
    for path in [
        store.join("conf"),
        store.join("db"),
        sb.data.join("store.hwm"),
        sb.data.join("mine.jsonl"),
        link.join("conf"),
        dotted,
    ] {
        let err = fails(
            sb.cmd(&["backup", path.to_str().unwrap()])
                .output()
                .unwrap(),
        );
        assert!(err.contains("is inside the data directory"), "{err}");
    }
    for (p, bytes) in &sled_files {
        assert_eq!(&std::fs::read(p).unwrap(), bytes, "{} changed", p.display());
    }
    assert!(!store.join("conf.tmp").exists());
    // The backup folder in the data dir is the place for them.
    let fine = sb.data.join("backups").join("mine.jsonl");
    std::fs::create_dir_all(fine.parent().unwrap()).unwrap();
    ok(sb
        .cmd(&["backup", fine.to_str().unwrap()])
        .output()
        .unwrap());
    assert!(rows(&sb).contains("Shop"));
}
