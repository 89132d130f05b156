//! `expense restore FILE --to DIR | --at TIME --to DIR | FILE --force-live | --latest`.
//!
//! A restore into a new directory needs no lock on the live store. Replacing the live store
//! (`--force-live`, `--latest`) runs only in a process that holds it itself (see
//! [`super::Command::is_exclusive`]): it checks the backup file whole first, backs the live store
//! up (or, when it cannot be read, keeps its folder aside), then builds the new store beside it
//! and swaps the two in one rename (`store::swap`), so a kill at any instant leaves one whole
//! store or the other.

use super::backup::{list_backups, make_dir, now_utc, print_backup};
use super::Ctx;
use crate::domain::text::inert;
use crate::store::backup::{read_backup, BackupInfo, RestoreInfo, Snapshot};
use crate::store::{Store, StoreError};
use chrono::{DateTime, TimeZone, Utc};
use color_eyre::eyre::{eyre, Result, WrapErr};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Options of `expense restore`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup file to restore (not with --at).
    pub file: Option<PathBuf>,
    /// Restore the store as it was at this moment, replayed from the change stream: local time
    /// "2026-11-20 14:03:00" (seconds optional) or RFC 3339.
    #[arg(long, value_name = "TIME", conflicts_with = "file")]
    pub at: Option<String>,
    /// A new, empty data directory to restore into (check it with
    /// `expense --data-dir DIR check`).
    #[arg(long, value_name = "DIR", required_unless_present_any = ["force_live", "latest"])]
    pub to: Option<PathBuf>,
    /// Replace the live store with FILE, after backing it up. Refused while another expense
    /// process (a TUI, a running command) holds the store.
    #[arg(long, conflicts_with_all = ["to", "at"], requires = "file")]
    pub force_live: bool,
    /// Replace the live store with the newest backup in the backup folder that verifies (the
    /// way back from a damaged store), after backing it up or, when it cannot be read, keeping
    /// it aside. Refused while another expense process holds the store.
    #[arg(long, conflicts_with_all = ["file", "to", "at", "force_live"])]
    pub latest: bool,
    /// Print {to, file, at, source_seq, expenses, budgets, schedules, imports, label, skipped,
    /// safety_backup, kept} as JSON instead of the lines: `file` the backup restored (null for
    /// --at), `safety_backup` the backup of the live store taken first ({path, seq, expenses,
    /// ...} as `backup --json` prints it) and `kept` the folder a damaged live store was kept
    /// in (both null unless the live store was replaced).
    #[arg(long)]
    pub json: bool,
}

/// Parses `--at`: RFC 3339, or local `YYYY-MM-DD HH:MM[:SS]` / `YYYY-MM-DDTHH:MM[:SS]`.
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(n) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return chrono::Local
                .from_local_datetime(&n)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| format!("'{s}' does not exist in the local time zone"));
        }
    }
    Err(format!(
        "'{s}' is not a time: use \"YYYY-MM-DD HH:MM[:SS]\" (local time) or RFC 3339"
    ))
}

/// Runs `expense restore`.
pub fn run(ctx: &mut Ctx, args: &RestoreArgs) -> Result<()> {
    if args.force_live || args.latest {
        return restore_live(ctx, args);
    }
    let to = ctx.path(
        args.to
            .as_deref()
            .ok_or_else(|| eyre!("--to DIR is required"))?,
    );
    let at = args
        .at
        .as_deref()
        .map(parse_time)
        .transpose()
        .map_err(|e| eyre!("--at: {e}"))?;
    if at.is_none() && args.file.is_none() {
        return Err(eyre!("name a backup FILE, or --at TIME"));
    }
    refuse_non_empty(&to)?;
    let snap = match (&args.file, at) {
        (Some(f), _) => read_backup(&ctx.path(f))?,
        (None, Some(t)) => ctx.store()?.snapshot_at(t.timestamp_millis())?,
        (None, None) => unreachable!("checked above"),
    };
    note_unverified(ctx.err, args.file.as_deref(), &snap)?;
    let info = restore_into(&to, &snap)?;
    if args.json {
        let file = args.file.as_deref().map(|f| ctx.path(f));
        let at = at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        return print_json(ctx, &to, file.as_deref(), at, &info, None, None);
    }
    print_restore(ctx.out, &to, &info)?;
    Ok(())
}

/// The restore as `--json` prints it (see the option's doc).
fn print_json(
    ctx: &mut Ctx,
    to: &Path,
    file: Option<&Path>,
    at: Option<String>,
    info: &RestoreInfo,
    safety: Option<&BackupInfo>,
    kept: Option<&Path>,
) -> Result<()> {
    let path = |p: &Path| p.display().to_string();
    let out = serde_json::json!({
        "to": path(to),
        "file": file.map(path),
        "at": at,
        "source_seq": info.source_seq,
        "expenses": info.expenses,
        "budgets": info.budgets,
        "schedules": info.schedules,
        "imports": info.imports,
        "label": info.label,
        "skipped": info.skipped,
        "safety_backup": safety.map(super::backup::backup_json),
        "kept": kept.map(path),
    });
    serde_json::to_writer_pretty(&mut *ctx.out, &out)?;
    writeln!(ctx.out)?;
    Ok(())
}

/// Says on stderr that `file` had no checksum (it is restored all the same: it was written by
/// an older version, and its structure and counts were checked).
fn note_unverified(err: &mut dyn Write, file: Option<&Path>, snap: &Snapshot) -> Result<()> {
    if let (Some(file), true) = (file, snap.unverified) {
        writeln!(
            err,
            "expense: note: {} has no checksum (written by an older version); restoring it \
             unverified",
            crate::domain::text::inert(&file.display().to_string())
        )?;
    }
    Ok(())
}

fn refuse_non_empty(dir: &Path) -> Result<()> {
    match std::fs::read_dir(dir) {
        Ok(mut d) => {
            if d.next().is_some() {
                return Err(eyre!(
                    "{} is not empty; restore into a new or empty directory",
                    dir.display()
                ));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).wrap_err_with(|| format!("reading {}", dir.display())),
    }
}

/// Restores `snap` into `<to>/store`; on failure removes what it created.
fn restore_into(to: &Path, snap: &Snapshot) -> Result<RestoreInfo> {
    let existed = to.exists();
    let store_dir = to.join("store");
    let r = (|| {
        let store = Store::open(&store_dir)?;
        let info = store.restore_snapshot(snap)?;
        store.flush()?;
        Ok::<_, crate::store::StoreError>(info)
    })();
    match r {
        Ok(info) => Ok(info),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&store_dir);
            let _ = std::fs::remove_file(crate::store::mark::mark_path(&store_dir));
            if !existed {
                let _ = std::fs::remove_dir(to);
            }
            Err(e).wrap_err_with(|| format!("restoring into {}", to.display()))
        }
    }
}

fn print_restore(out: &mut dyn Write, to: &Path, info: &RestoreInfo) -> std::io::Result<()> {
    writeln!(
        out,
        "restored {} expense{}, {} budget{}{} (source change {}) into {}",
        info.expenses,
        if info.expenses == 1 { "" } else { "s" },
        info.budgets,
        if info.budgets == 1 { "" } else { "s" },
        super::backup::schedules_text(info.schedules),
        info.source_seq,
        crate::domain::text::inert(&to.display().to_string())
    )?;
    writeln!(
        out,
        "its change stream starts anew as stream {} (checkpoints of the old stream do not apply)",
        info.label
    )?;
    if info.skipped > 0 {
        writeln!(
            out,
            "skipped {} record{} of kinds this version does not know",
            info.skipped,
            if info.skipped == 1 { "" } else { "s" }
        )?;
    }
    Ok(())
}

/// The newest backup in `dir` that reads whole (a damaged one is named on `err` and passed
/// over), with its snapshot.
fn newest_sound(err: &mut dyn Write, dir: &Path) -> Result<(PathBuf, Snapshot)> {
    let mut all = list_backups(dir)?;
    all.retain(|(p, _)| {
        p.file_name()
            .is_some_and(|n| crate::store::backup::is_restorable_backup(&n.to_string_lossy()))
    });
    if all.is_empty() {
        return Err(eyre!(
            "no backup in {}; name one: `expense restore FILE --force-live`",
            dir.display()
        ));
    }
    for (path, _) in all.iter().rev() {
        match read_backup(path) {
            Ok(snap) => return Ok((path.clone(), snap)),
            Err(e) => writeln!(err, "expense: passing over a damaged backup: {e}")?,
        }
    }
    Err(eyre!(
        "none of the {} backups in {} reads whole (each is named above); nothing was changed",
        all.len(),
        dir.display()
    ))
}

/// `restore FILE --force-live` and `restore --latest`: check the file, back up the live store
/// (or keep it aside when it cannot be read), then swap the new store in (see the module doc).
fn restore_live(ctx: &mut Ctx, args: &RestoreArgs) -> Result<()> {
    let store_dir = ctx
        .store_dir()
        .ok_or_else(|| eyre!("this command replaces the live store, and there is none here"))?
        .to_path_buf();
    let backups = match &ctx.config.backup.dir {
        Some(d) => ctx.path(d),
        None => crate::store::backup::default_backup_dir(&store_dir)
            .ok_or_else(|| eyre!("{} has no data folder", store_dir.display()))?,
    };
    let (file, snap) = match &args.file {
        Some(f) => {
            let f = ctx.path(f);
            let snap = read_backup(&f)?;
            (f, snap)
        }
        None => newest_sound(ctx.err, &backups)?,
    };
    note_unverified(ctx.err, Some(&file), &snap)?;
    let now = now_utc(ctx);
    // The store as it is: backed up when it can be read whole, else kept aside as it is.
    let safety = match ctx.store() {
        Ok(store) if store.is_blank()? => Ok(None),
        Ok(store) => {
            make_dir(&backups)?;
            let name = format!(
                "{}{}.jsonl.zst",
                crate::store::backup::SAFETY_PREFIX,
                now.format("%Y%m%dT%H%M%S%.3fZ")
            );
            store
                .backup_to(&backups.join(name), now)
                .map(Some)
                .map_err(|e| eyre!(e))
        }
        Err(e) if is_in_use(&e) => return Err(e),
        Err(e) => Err(e),
    };
    let keep = match &safety {
        Ok(Some(_)) if args.json => None,
        Ok(Some(info)) => {
            write!(ctx.out, "first, ")?;
            print_backup(ctx.out, info)?;
            None
        }
        Ok(None) => None,
        Err(e) => {
            let keep = PathBuf::from(format!(
                "{}.damaged-{}",
                store_dir.display(),
                now.format("%Y%m%dT%H%M%SZ")
            ));
            writeln!(
                ctx.err,
                "expense: the live store cannot be backed up ({}); its folder is kept as it is \
                 in {}",
                super::one_line(e),
                inert(&keep.display().to_string())
            )?;
            Some(keep)
        }
    };
    let done = crate::store::swap::replace_live(&store_dir, &snap, keep.as_deref())
        .wrap_err_with(|| format!("replacing the live store at {}", store_dir.display()))
        .wrap_err("nothing was changed: the live store is as it was")?;
    if args.json {
        let safety = safety.as_ref().ok().and_then(Option::as_ref);
        let kept = done.kept.as_deref();
        return print_json(ctx, &store_dir, Some(&file), None, &done.info, safety, kept);
    }
    write!(ctx.out, "from {}: ", inert(&file.display().to_string()))?;
    print_restore(ctx.out, &store_dir, &done.info)?;
    match (&safety, &done.kept) {
        (Ok(Some(info)), _) => writeln!(
            ctx.out,
            "the store from before is in {}; `expense restore {} --force-live` takes it back",
            inert(&info.path.display().to_string()),
            inert(&info.path.display().to_string())
        )?,
        (_, Some(kept)) => writeln!(
            ctx.out,
            "the store from before is kept in {}",
            inert(&kept.display().to_string())
        )?,
        _ => {}
    }
    Ok(())
}

/// True when the store could not be opened because another process holds it, or it is not
/// ours: a restore must not go around either.
fn is_in_use(e: &color_eyre::Report) -> bool {
    e.chain().any(|c| {
        c.is::<super::launch::HeldElsewhere>()
            || matches!(
                c.downcast_ref::<StoreError>(),
                Some(
                    StoreError::Locked { .. }
                        | StoreError::Foreign { .. }
                        | StoreError::Exposed { .. }
                )
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_as_local_or_rfc3339_and_junk_is_named() {
        let t = parse_time("2026-11-20T14:03:00Z").unwrap();
        assert_eq!(t.timestamp(), 1_795_183_380);
        assert!(parse_time("2026-11-20 14:03").is_ok());
        assert!(parse_time("2026-11-20 14:03:07").is_ok());
        let e = parse_time("soon").unwrap_err();
        assert!(e.contains("'soon'"), "{e}");
    }
}
