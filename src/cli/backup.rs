//! `expense backup [PATH]` and `--verify FILE` (restores are in `restore.rs`), plus the
//! automatic daily backup: a TUI that holds the store takes it on a
//! thread ([`start_auto`]); a command that held the store starts `expense backup --auto` in a
//! process of its own as it exits (`session::client`), so quick entry never waits for it. The
//! file format is documented in `store::backup`.
//!
//! A backup runs wherever the store is held (in the session's process when one holds it), so it
//! never waits for the store.

use super::Ctx;
use crate::config::{BackupConfig, Places};
use crate::store::backup::{read_backup, BackupInfo};
use crate::store::Store;
use chrono::{DateTime, TimeZone, Utc};
use color_eyre::eyre::{eyre, Result, WrapErr};
use std::io::Write;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

/// Options of `expense backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// Where to write (default: `<data dir>/backups/expense-<UTC time>.jsonl.zst`, or
    /// `[backup] dir`). A name ending in `.zst` is written compressed (zstd), any other as
    /// plain text; restore and --verify read both.
    pub path: Option<PathBuf>,
    /// The automatic backup: only when one is due (`[backup] every_days`), into the backup
    /// folder, keeping the newest `[backup] keep`. A command that held the store starts this in
    /// a process of its own as it exits, so quick entry never waits for a backup.
    #[arg(long, hide = true, conflicts_with = "path")]
    pub auto: bool,
    /// Check a backup file instead of writing one: every line's checksum and the file's
    /// SHA-256, its structure and counts; exit status 1 if it is damaged. Needs no store.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["path", "auto"])]
    pub verify: Option<PathBuf>,
    /// Print JSON instead of the lines: {path, seq, expenses, budgets, schedules, imports,
    /// bytes} for the backup written; with --verify, {path, verified, seq, expenses, budgets,
    /// schedules, imports} (`verified` false for a file without checksums; a damaged one is
    /// an error, as without --json).
    #[arg(long, conflicts_with = "auto")]
    pub json: bool,
}

/// The folder backups go to: `[backup] dir` (relative to the caller's directory) or
/// `backups` beside the store (`backups-demo` for the demo store).
pub fn backup_dir(ctx: &Ctx, store: &Store) -> Result<PathBuf> {
    if let Some(d) = &ctx.config.backup.dir {
        return Ok(ctx.path(d));
    }
    default_dir(store).ok_or_else(|| eyre!("a temporary store has no data directory; name a PATH"))
}

fn default_dir(store: &Store) -> Option<PathBuf> {
    crate::store::backup::default_backup_dir(store.path()?)
}

/// `expense-<UTC time>.jsonl.zst` in `dir`: a backup taken by hand (never rotated),
/// compressed (see `store::backup`).
pub fn file_name(dir: &Path, now: DateTime<Utc>) -> PathBuf {
    dir.join(format!(
        "expense-{}.jsonl.zst",
        now.format("%Y%m%dT%H%M%S%.3fZ")
    ))
}

/// The prefix of an automatic backup's name: `expense-auto-<UTC time>.jsonl.zst` (`.jsonl`
/// from versions before compressed backups). Rotation deletes only files named so; backups
/// taken by hand (`expense-<UTC time>.jsonl.zst`, or any other name) and automatic ones of
/// versions that named them like those are kept.
const AUTO_PREFIX: &str = "expense-auto-";

/// `expense-auto-<UTC time>.jsonl.zst` in `dir`.
pub fn auto_file_name(dir: &Path, now: DateTime<Utc>) -> PathBuf {
    dir.join(format!(
        "{AUTO_PREFIX}{}.jsonl.zst",
        now.format("%Y%m%dT%H%M%S%.3fZ")
    ))
}

pub(super) fn make_dir(dir: &Path) -> Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .wrap_err_with(|| format!("creating {}", dir.display()))
}

pub(super) fn now_utc(ctx: &Ctx) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ctx.now_ms())
        .single()
        .unwrap_or_else(Utc::now)
}

/// Runs `expense backup`.
pub fn backup(ctx: &mut Ctx, args: &BackupArgs) -> Result<()> {
    if let Some(file) = &args.verify {
        return verify(ctx, &ctx.path(file), args.json);
    }
    let store = ctx.store()?;
    let now = now_utc(ctx);
    if args.auto {
        let cfg = ctx.config.backup.clone();
        let dir = match auto_dir(&store, &cfg, &ctx.cwd) {
            Some(dir) => dir,
            None => {
                writeln!(
                    ctx.out,
                    "automatic backups are off, or the store is not sound"
                )?;
                return Ok(());
            }
        };
        return match auto(&store, &cfg, &dir, now)? {
            Some(info) => Ok(print_backup(ctx.out, &info)?),
            None => Ok(writeln!(ctx.out, "no automatic backup is due")?),
        };
    }
    let path = match &args.path {
        Some(p) => ctx.path(p),
        None => {
            let dir = backup_dir(ctx, &store)?;
            make_dir(&dir)?;
            file_name(&dir, now)
        }
    };
    refuse_inside_data_dir(&store, &path, backup_dir(ctx, &store).ok().as_deref())?;
    let info = store
        .backup_to(&path, now)
        .wrap_err_with(|| format!("writing the backup {}", path.display()))?;
    if args.json {
        writeln!(ctx.out, "{}", serde_json::to_string(&backup_json(&info))?)?;
    } else {
        print_backup(ctx.out, &info)?;
    }
    Ok(())
}

/// A backup written, as `backup --json` prints it (and `restore --json` its safety backup).
pub(super) fn backup_json(info: &BackupInfo) -> serde_json::Value {
    serde_json::json!({
        "path": info.path.display().to_string(),
        "seq": info.seq,
        "expenses": info.expenses,
        "budgets": info.budgets,
        "schedules": info.schedules,
        "imports": info.imports,
        "bytes": info.bytes,
    })
}

/// `expense backup --verify FILE`: reads and checks the whole file as a restore would.
fn verify(ctx: &mut Ctx, file: &Path, json: bool) -> Result<()> {
    let snap = read_backup(file)?;
    if json {
        let out = serde_json::json!({
            "path": file.display().to_string(),
            "verified": !snap.unverified,
            "seq": snap.seq,
            "expenses": snap.items.len(),
            "budgets": snap.budgets.len(),
            "schedules": snap.schedules.len(),
            "imports": snap.imports.len(),
        });
        writeln!(ctx.out, "{}", serde_json::to_string(&out)?)?;
        return Ok(());
    }
    let shown = file.display().to_string();
    let shown = crate::domain::text::inert(&shown);
    if snap.unverified {
        writeln!(
            ctx.out,
            "backup {shown}: no checksum (written by an older version); its structure and counts \
             are whole, but a changed value inside would go unnoticed: take a new backup"
        )?;
    } else {
        writeln!(
            ctx.out,
            "backup {shown}: verified (every line's checksum and the SHA-256)"
        )?;
    }
    writeln!(
        ctx.out,
        "consistent at change {}, {} expense{}, {} budget{}{}, {} import{}",
        snap.seq,
        snap.items.len(),
        if snap.items.len() == 1 { "" } else { "s" },
        snap.budgets.len(),
        if snap.budgets.len() == 1 { "" } else { "s" },
        schedules_text(snap.schedules.len() as u64),
        snap.imports.len(),
        if snap.imports.len() == 1 { "" } else { "s" },
    )?;
    Ok(())
}

/// Refuses a backup `path` that resolves (symlinks followed) into the data directory of
/// `store`: a backup written there could replace sled's own files, the socket or the mark.
/// The backup folder `backups` (and `[backup] dir`, unless that is inside the store itself)
/// is the one place in it a backup may go.
fn refuse_inside_data_dir(store: &Store, path: &Path, backups: Option<&Path>) -> Result<()> {
    let Some(store_dir) = store.path() else {
        return Ok(());
    };
    let canon = |p: &Path| std::fs::canonicalize(p).ok();
    let Some(name) = path.file_name() else {
        return Err(eyre!(
            "{} names a folder, not a backup file",
            path.display()
        ));
    };
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // A parent that does not exist cannot be written into: the write says so.
    let Some(target) = canon(parent).map(|p| p.join(name)) else {
        return Ok(());
    };
    let store_dir = canon(store_dir).unwrap_or_else(|| store_dir.to_path_buf());
    let data_dir = store_dir.parent().map(Path::to_path_buf);
    let inside = |dir: &Path| target.starts_with(dir) && target != dir;
    let in_backups = [backups.map(Path::to_path_buf), default_dir(store)]
        .into_iter()
        .flatten()
        .filter_map(|d| canon(&d))
        .any(|d| inside(&d) && !d.starts_with(&store_dir));
    if inside(&store_dir) || (data_dir.as_deref().is_some_and(inside) && !in_backups) {
        return Err(eyre!(
            "{} is inside the data directory {}, where it could replace the store's own files; \
             write the backup elsewhere, or into its backup folder (the default without PATH)",
            path.display(),
            data_dir.unwrap_or(store_dir).display(),
        ));
    }
    Ok(())
}

pub(super) fn print_backup(out: &mut dyn Write, info: &BackupInfo) -> std::io::Result<()> {
    writeln!(
        out,
        "backup {}: consistent at change {}, {} expense{}, {} budget{}{}, {} bytes",
        crate::domain::text::inert(&info.path.display().to_string()),
        info.seq,
        info.expenses,
        if info.expenses == 1 { "" } else { "s" },
        info.budgets,
        if info.budgets == 1 { "" } else { "s" },
        schedules_text(info.schedules),
        info.bytes
    )
}

/// `, 2 schedules` (nothing for a store without schedules).
pub(super) fn schedules_text(n: u64) -> String {
    match n {
        0 => String::new(),
        1 => ", 1 schedule".into(),
        n => format!(", {n} schedules"),
    }
}

/// Starts the automatic backup when the newest file in the backup folder is older than
/// `every_days` (or there is none): on its own thread, so the holder is not delayed. The
/// handle's result is `Ok(None)` when no backup was due. Keeps the newest `keep` automatic
/// backups ([`auto_backups`]).
pub fn start_auto(
    store: &Store,
    cfg: &BackupConfig,
    cwd: &Path,
) -> Option<std::thread::JoinHandle<Result<Option<BackupInfo>>>> {
    let dir = auto_dir(store, cfg, cwd)?;
    let store = store.clone();
    let cfg = cfg.clone();
    Some(std::thread::spawn(move || {
        auto(&store, &cfg, &dir, Utc::now())
    }))
}

/// The folder automatic backups of `store` go to, or `None` when they are off
/// (`every_days = 0`), the store is temporary, or it lost changes (it is not backed up over the
/// good backups it may need).
pub fn auto_dir(store: &Store, cfg: &BackupConfig, cwd: &Path) -> Option<PathBuf> {
    if cfg.every_days == 0 || store.write_refusal().is_some() {
        return None;
    }
    match &cfg.dir {
        Some(d) => Some(cwd.join(d)),
        None => default_dir(store),
    }
}

/// Whether the newest automatic backup in `dir` is older than `every_days` at `now` (or there
/// is none).
pub fn is_due(cfg: &BackupConfig, dir: &Path, now: DateTime<Utc>) -> Result<bool> {
    Ok(match auto_backups(dir)?.last() {
        None => true,
        Some((_, mtime)) => {
            now.signed_duration_since(*mtime) >= chrono::Duration::days(i64::from(cfg.every_days))
        }
    })
}

/// The automatic backup (see [`start_auto`]), synchronously, as of `now`.
pub fn auto(
    store: &Store,
    cfg: &BackupConfig,
    dir: &Path,
    now: DateTime<Utc>,
) -> Result<Option<BackupInfo>> {
    if !is_due(cfg, dir, now)? {
        return Ok(None);
    }
    make_dir(dir)?;
    let path = auto_file_name(dir, now);
    refuse_inside_data_dir(store, &path, Some(dir))?;
    let info = store.backup_to(&path, now).wrap_err("automatic backup")?;
    // Only automatic backups are rotated: a file kept by hand in the same folder stays.
    let files = auto_backups(dir)?;
    let extra = files.len().saturating_sub(cfg.keep.max(1) as usize);
    for (p, _) in files.iter().take(extra) {
        std::fs::remove_file(p).wrap_err_with(|| format!("removing old backup {}", p.display()))?;
    }
    Ok(Some(info))
}

/// The automatic backups (`expense-auto-*.jsonl.zst`, and `expense-auto-*.jsonl` of older
/// versions) in `dir`, oldest first.
pub fn auto_backups(dir: &Path) -> Result<Vec<(PathBuf, DateTime<Utc>)>> {
    let mut all = list_backups(dir)?;
    all.retain(|(p, _)| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(AUTO_PREFIX))
    });
    Ok(all)
}

/// `expense-*.jsonl` and `expense-*.jsonl.zst` files in `dir` (automatic or not), oldest first
/// (by modification time, then name).
pub fn list_backups(dir: &Path) -> Result<Vec<(PathBuf, DateTime<Utc>)>> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).wrap_err_with(|| format!("reading {}", dir.display())),
    };
    let mut out = Vec::new();
    for e in rd {
        let e = e.wrap_err_with(|| format!("reading {}", dir.display()))?;
        let name = e.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with("expense-")
            && (name.ends_with(".jsonl") || name.ends_with(".jsonl.zst")))
        {
            continue;
        }
        let Ok(md) = e.metadata() else { continue };
        let mtime: DateTime<Utc> = md.modified().map(DateTime::from).unwrap_or_default();
        out.push((e.path(), mtime));
    }
    out.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

/// Starts `expense backup --auto` for `store_dir` in a process of its own, in a new session (a
/// dropped SSH connection does not stop it), with no terminal: it takes the store when this
/// process has let it go (or runs in the session that holds it by then). Its errors go to
/// `<store>.backup-log` beside the store; the next command that starts one reports them.
pub fn spawn_auto(places: &Places, store_dir: &Path) -> Result<()> {
    let log_path = store_dir.with_extension("backup-log");
    if let Ok(text) = std::fs::read_to_string(&log_path) {
        let text = text.trim();
        if !text.is_empty() {
            let _ = writeln!(
                std::io::stderr(),
                "expense: warning: the last automatic backup failed ({}): {}",
                log_path.display(),
                crate::domain::text::inert(text.trim_start_matches("expense: "))
            );
        }
    }
    super::launch::spawn_detached(places, store_dir, &["backup", "--auto"], &log_path)
}

/// Waits for the automatic backup and reports a failure on stderr (never fatal).
pub fn report_auto_backup(
    h: std::thread::JoinHandle<Result<Option<crate::store::backup::BackupInfo>>>,
) {
    let failed = match h.join() {
        Ok(Ok(_)) => return,
        Ok(Err(e)) => format!("{e:#}"),
        Err(_) => "it panicked".to_string(),
    };
    let _ = writeln!(
        std::io::stderr(),
        "expense: warning: the automatic backup failed: {failed}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_backups_are_taken_when_due_and_only_the_last_n_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("demo")).unwrap();
        let cfg = BackupConfig {
            every_days: 1,
            keep: 2,
            dir: None,
        };
        let backups = default_dir(&store).unwrap();
        assert!(backups.ends_with("backups-demo"));
        let t0 = Utc::now();
        assert!(auto(&store, &cfg, &backups, t0).unwrap().is_some());
        // Not due again within the day.
        let later = t0 + chrono::Duration::hours(23);
        assert!(auto(&store, &cfg, &backups, later).unwrap().is_none());
        // Due is measured from the last backup file's real mtime, which is a moment after `t0`:
        // a day and a minute later is due whatever the file system's timestamp granularity.
        let day_later = |d: i64| t0 + chrono::Duration::days(d) + chrono::Duration::minutes(1);
        for d in 1..=3 {
            assert!(auto(&store, &cfg, &backups, day_later(d))
                .unwrap()
                .is_some());
        }
        let left = list_backups(&backups).unwrap();
        assert_eq!(left.len(), 2, "{left:?}");
        assert!(left[1]
            .0
            .to_string_lossy()
            .contains(&format!("{}", day_later(3).format("%Y%m%d"))));
        let off = BackupConfig {
            every_days: 0,
            ..cfg
        };
        assert!(start_auto(&store, &off, dir.path()).is_none());
    }
}
