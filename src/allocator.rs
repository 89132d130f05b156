//! The binary's allocator settings (mimalloc, `main.rs`); not part of the library.
//!
//! mimalloc serves blocks of every size from its arenas and returns freed memory to the system
//! a second later (mimalloc 3's purge delay). Opening a large store, sled loads its snapshot
//! into vectors of every page that grow by doubling (no capacity is reserved): each old copy
//! stayed resident while the next one was filled, so the open of a 1M store peaked at 156-173
//! MiB, by where sled's page count fell against a power of two. Blocks over a limit taken
//! straight from the system (`mmap`) go back to it when freed (`munmap`), as glibc does above
//! its mmap threshold; small blocks keep the arenas. Purging everything at once (a purge delay
//! of 0) cut the same peak less (149 MiB) and cost 40-50 ms of page faults at that open.

use std::ffi::{c_int, c_long};

/// `mi_option_arena_max_object_size` in mimalloc 3's `mi_option_t` (`include/mimalloc.h`): the
/// largest block served from an arena, in KiB.
const ARENA_MAX_OBJECT_SIZE: c_int = 45;

/// Its default on 64-bit systems (2 GiB, in KiB).
const ARENA_MAX_OBJECT_SIZE_DEFAULT: c_long = 2 * 1024 * 1024;

extern "C" {
    // mimalloc's version and option accessors, linked in with the allocator (`mimalloc` crate).
    fn mi_version() -> c_int;
    fn mi_option_get(option: c_int) -> c_long;
    fn mi_option_set(option: c_int, value: c_long);
}

/// Whether the linked mimalloc is version 3 and its option [`ARENA_MAX_OBJECT_SIZE`] holds that
/// option's default: then the number means what this file says. False too when the person set
/// `MIMALLOC_ARENA_MAX_OBJECT_SIZE` (their value stays).
fn knows_arena_max_object_size() -> bool {
    // SAFETY: both only read: a constant, and mimalloc's option table (which reads the
    // environment on first use).
    unsafe {
        mi_version() / 10_000 == 3
            && mi_option_get(ARENA_MAX_OBJECT_SIZE) == ARENA_MAX_OBJECT_SIZE_DEFAULT
    }
}

/// Blocks over `limit_kib` are taken from the system and given back to it when freed. Does
/// nothing with another mimalloc, or when the person set the option.
pub fn big_blocks_from_the_system(limit_kib: c_long) {
    if knows_arena_max_object_size() {
        // SAFETY: writes one value of mimalloc's option table, which is read at each arena
        // allocation; any size is valid (mimalloc clamps it to at least one arena slice).
        unsafe { mi_option_set(ARENA_MAX_OBJECT_SIZE, limit_kib) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new mimalloc may number its options differently: then the TUI's setting is skipped
    /// without a word, and this test says so. Once set, big blocks still allocate, grow, shrink
    /// and free, and zeroed ones read zero.
    #[test]
    fn the_option_number_is_known_and_big_blocks_come_from_the_system() {
        assert!(
            knows_arena_max_object_size(),
            "mimalloc {}: option {ARENA_MAX_OBJECT_SIZE} is not arena_max_object_size with its \
             default; look it up in mi_option_t of include/mimalloc.h",
            // SAFETY: reads a constant.
            unsafe { mi_version() }
        );
        big_blocks_from_the_system(2 * 1024);
        // SAFETY: reads mimalloc's option table.
        assert_eq!(unsafe { mi_option_get(ARENA_MAX_OBJECT_SIZE) }, 2 * 1024);
        let mut v: Vec<u64> = Vec::new();
        for i in 0..2_000_000u64 {
            v.push(i);
        }
        assert_eq!(v.iter().sum::<u64>(), 1_999_999 * 2_000_000 / 2);
        v.truncate(10);
        v.shrink_to_fit();
        assert_eq!(v, (0..10).collect::<Vec<_>>());
        let zeroed = vec![0u8; 8 << 20];
        assert!(zeroed.iter().all(|b| *b == 0));
    }
}
