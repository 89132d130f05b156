//! Who holds a store: sled takes an exclusive `flock` on `<store>/db` for as long as a process
//! has the store open, and Linux lists every such lock, with the pid that took it, in
//! `/proc/locks`. A caller that finds the store locked can then name the holder (and see whether
//! it is stopped) instead of waiting blind. Rule: read-only and best effort: `None` whenever the
//! system does not say (another OS, no `/proc`, a holder in another pid namespace).

use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// The pid of the process holding sled's lock on the store in `store_dir`, where the system
/// tells it.
pub fn lock_holder(store_dir: &Path) -> Option<u32> {
    let md = std::fs::metadata(store_dir.join("db")).ok()?;
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    holder_in(&locks, md.dev(), md.ino())
}

/// The pid holding a lock on inode `ino` of device `dev` in a `/proc/locks` text. A line reads
/// `1: FLOCK  ADVISORY  WRITE 12106 fe:00:10027239 0 EOF` (device major:minor in hex, inode in
/// decimal); a waiter's line has `->` after the number and holds nothing. When no line names
/// the device as `stat` reports it (a layered file system may report another), the inode alone
/// decides.
fn holder_in(locks: &str, dev: u64, ino: u64) -> Option<u32> {
    let want_dev = format!("{:02x}:{:02x}", libc::major(dev), libc::minor(dev));
    let mut same_inode = None;
    for line in locks.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.get(1) == Some(&"->") || fields.len() < 6 {
            continue;
        }
        let (Ok(pid), Some((device, inode))) =
            (fields[4].parse::<u32>(), fields[5].rsplit_once(':'))
        else {
            continue;
        };
        if pid == 0 || inode.parse::<u64>().ok() != Some(ino) {
            continue;
        }
        if device == want_dev {
            return Some(pid);
        }
        same_inode.get_or_insert(pid);
    }
    same_inode
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCKS: &str = "\
1: FLOCK  ADVISORY  WRITE 12229 fe:00:10027031 0 EOF
2: FLOCK  ADVISORY  WRITE 12106 fe:00:10027239 0 EOF
2: -> FLOCK  ADVISORY  WRITE 999 fe:00:10027239 0 EOF
3: FLOCK  ADVISORY  READ 7359 fe:00:5743127 0 EOF
";

    #[test]
    fn names_the_holder_of_that_inode_and_never_a_waiter() {
        let dev = libc::makedev(0xfe, 0);
        assert_eq!(holder_in(LOCKS, dev, 10027239), Some(12106));
        assert_eq!(holder_in(LOCKS, dev, 10027031), Some(12229));
        assert_eq!(holder_in(LOCKS, dev, 42), None);
        let waiter_only = "2: -> FLOCK  ADVISORY  WRITE 999 fe:00:77 0 EOF\n";
        assert_eq!(holder_in(waiter_only, dev, 77), None);
    }

    #[test]
    fn the_inode_decides_when_the_device_is_reported_otherwise() {
        assert_eq!(
            holder_in(LOCKS, libc::makedev(0, 0x2f), 10027239),
            Some(12106)
        );
    }

    #[test]
    fn an_open_store_is_held_by_this_process_and_a_closed_one_by_nobody() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("store");
        let store = crate::store::Store::open(&dir).unwrap();
        if !Path::new("/proc/locks").exists() {
            return;
        }
        assert_eq!(lock_holder(&dir), Some(std::process::id()));
        drop(store);
        let released = (0..500).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(10));
            lock_holder(&dir).is_none()
        });
        assert!(released, "the lock outlived the last handle by 5 s");
    }
}
