//! Where a command runs: in the session of the process that holds the store (its argv travels
//! over the socket and the holder runs it with [`runner`]), or here, as the store's holder, when
//! nobody holds it. The same `cli::run` runs either way, against a [`Ctx`].

use super::{backup, Cli, Command, Ctx, NoStore};
use crate::config::{dumb_terminal, process_env, Config, Places};
use crate::domain::text::InertWriter;
use crate::session::client::{open_unless_served, run_remote, PATIENCE};
use crate::session::holder::{Holder, HolderSetup};
use crate::session::peer::lock_holder;
use crate::session::{socket_path, CommandRunner, RunRequest};
use crate::store::{Store, StoreError};
use chrono::NaiveDate;
use clap::Parser;
use color_eyre::eyre::{eyre, Result, WrapErr};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// The command runner a holder serves other processes with: [`serve`].
pub fn runner() -> CommandRunner {
    Arc::new(serve)
}

/// Runs one command that another process sent, against `store` (held here), with the caller's
/// arguments, working directory, config and environment. `Err` is the line the caller prints.
pub fn serve(
    req: RunRequest,
    store: Store,
    out: &mut dyn Write,
    err: &mut dyn Write,
    cancelled: &dyn Fn() -> bool,
) -> Result<(), String> {
    let cli = Cli::try_parse_from(&req.argv).map_err(|e| e.to_string().trim_end().to_string())?;
    let Some(command) = cli.command else {
        return Err("the session runs commands, not the interactive ledger".into());
    };
    let env: HashMap<String, String> = req.env.into_iter().collect();
    let config = if command.is_standalone() {
        Ok(Config::default())
    } else {
        Config::load(req.config_dir.as_deref(), &|k| env.get(k).cloned())
    };
    let config = config.map_err(|report| format!("{report:#}"))?;
    let open = || Ok(store.clone());
    let mut ctx = Ctx::new(config, req.today, req.cwd, out, err, req.err_is_tty, open)
        .with_cancel(cancelled)
        .served();
    match super::run(&command, &mut ctx) {
        Ok(()) => Ok(()),
        Err(report) if super::is_broken_pipe(&report) => Ok(()),
        Err(report) => Err(format!("{report:#}")),
    }
}

/// Runs a subcommand: in the session that holds the store if there is one, else here as the
/// store's holder (serving other callers meanwhile).
pub fn run_command(
    command: &Command,
    places: &Places,
    store_dir: &Path,
    today: NaiveDate,
) -> Result<()> {
    if matches!(command, Command::Linger) {
        return super::linger::run(places, store_dir);
    }
    let cwd = std::env::current_dir().wrap_err("reading the working directory")?;
    // A progress bar redraws itself with escape sequences: only on a terminal that has them.
    let err_is_tty = io::stderr().is_terminal() && !dumb_terminal(&process_env);
    if command.is_standalone() {
        let no_store = || Err(eyre!("this command needs no store"));
        return run_here(
            command,
            Config::default(),
            today,
            cwd,
            err_is_tty,
            None,
            no_store,
        );
    }
    if command.is_exclusive() {
        // A command that replaces the store does not take it as a holder: nothing is posted
        // into a store about to be replaced; the next open of the new one posts what is due.
        let config = Config::load(places.config_dir.as_deref(), &process_env)?;
        let open = || match super::linger::take_from_lingerer(store_dir) {
            Err(StoreError::Locked { .. }) => Err(HeldElsewhere(match lock_holder(store_dir) {
                Some(p) if p.is_stopped() => {
                    format!("{}; then close it and run this again", p.stopped())
                }
                Some(p) => format!(
                    "the store at {} is held by expense process {} (`{}`); close it, then run \
                     this again",
                    store_dir.display(),
                    p.pid,
                    p.command
                ),
                None => format!(
                    "the store at {} is held by another expense process (a TUI or a running \
                     command); close it, then run this again",
                    store_dir.display()
                ),
            })
            .into()),
            r => Ok(say_notices(r?)),
        };
        return run_here(
            command,
            config,
            today,
            cwd,
            err_is_tty,
            Some(store_dir),
            open,
        );
    }
    let request = RunRequest {
        argv: std::env::args_os()
            .map(|a| {
                a.into_string()
                    .map_err(|a| eyre!("the argument {a:?} is not valid UTF-8"))
            })
            .collect::<Result<_>>()?,
        cwd: cwd.clone(),
        config_dir: places.config_dir.clone(),
        env: std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| k.starts_with("EXPENSE_") || k == "NO_COLOR")
            .collect(),
        today,
        err_is_tty,
    };
    let sock = socket_path(store_dir);
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(stream) = crate::session::connect(store_dir).map_err(nothing_done)? {
            if command.is_sync_serve() {
                return super::sync::relay(stream);
            }
            if let Some(done) = run_remote(stream, &request)? {
                return done;
            }
            // The holder was leaving before it took the command: nothing ran; again.
            if Instant::now() > deadline {
                return Err(eyre!(
                    "the expense session holding {} keeps closing; try again",
                    store_dir.display()
                ));
            }
            continue;
        }
        // Nobody serves the store: run here. The config is read and the arguments checked
        // before the store is opened (a typo creates nothing); while we hold the store we serve
        // others, so a long import does not lock them out.
        let config = Config::load(places.config_dir.as_deref(), &process_env)?;
        let setup = HolderSetup::of(&config);
        let linger = config.linger_minutes;
        let holder: RefCell<Option<Holder>> = RefCell::new(None);
        // Whether an automatic backup is due; it runs in a process of its own after this one.
        let backup_due = std::cell::Cell::new(false);
        let backup_cfg = config.backup.clone();
        let dry_run = command.is_dry_run();
        let open = || {
            // Checked at the open, after the config and the arguments (their errors come first).
            if command.is_read_only() && !store_exists(store_dir) {
                return Err(NoStore(places.data_dir.display().to_string()).into());
            }
            let store = open_unless_served(store_dir, deadline, Some(&tell_stderr))
                .map_err(nothing_done)
                .wrap_err("opening the store")?
                .ok_or(SessionAppeared)?;
            // This process holds the store now: it sets it up and serves others while the
            // command runs, so a long import does not lock them out. Taking it posts the
            // recurring expenses that fell due, also for a command that only reads: `expense
            // list` shows the rent of the 1st on the 1st, and the store already writes at any
            // open (the trash sweep, the stream trim); read-only means it creates no store.
            // A dry run writes nothing: it only serves others while it reads.
            let held = if dry_run {
                Holder::serve(store.clone(), &sock, &setup, runner())
            } else {
                Holder::take(store.clone(), &sock, &setup, runner())
            };
            // What the open finished and what taking it posted, once, on stderr (stdout may
            // be a command's JSON), and what waits for a confirmation.
            let store = say_notices(store);
            say_waiting(&store, today);
            if !command.is_auto_backup() && !dry_run {
                let dir = backup::auto_dir(&store, &backup_cfg, &cwd);
                backup_due.set(dir.is_some_and(|d| {
                    backup::is_due(&backup_cfg, &d, chrono::Utc::now()).unwrap_or(true)
                }));
            }
            *holder.borrow_mut() = Some(held);
            Ok(store)
        };
        let result = run_here(
            command,
            config,
            today,
            cwd.clone(),
            err_is_tty,
            Some(store_dir),
            open,
        );
        // A dry run leaves nothing behind, not even a holder that would post what is due.
        let held_here = holder.borrow().is_some() && !dry_run;
        if let Some(held) = holder.into_inner() {
            // Records this command (and those it served) wrote go to the triggers before it
            // exits; our own handle is closed without sled's drop-time work.
            held.release().close_for_exit()?;
        }
        if held_here {
            // The store stays open a while in a quiet process of its own, so the next command
            // from any shell is served in milliseconds (best effort, like the backup).
            super::linger::spawn(places, store_dir, linger);
        }
        if backup_due.get() {
            // Best effort: the command's own result is what this process reports.
            if let Err(e) = backup::spawn_auto(places, store_dir) {
                let _ = writeln!(
                    io::stderr(),
                    "expense: warning: could not start the automatic backup: {e:#}"
                );
            }
        }
        match result {
            Err(report) if report.downcast_ref::<SessionAppeared>().is_some() => continue,
            other => return other,
        }
    }
}

/// Starts `expense [--demo] ARGS` for `store_dir` in a process of its own, in a new session (a
/// dropped SSH connection does not stop it), with no terminal: stdin and stdout are empty, its
/// stderr goes to `log` (created owner-only, emptied first), the caller's config folder along.
pub fn spawn_detached(places: &Places, store_dir: &Path, args: &[&str], log: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::process::CommandExt;
    let log_file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(log)
        .wrap_err_with(|| format!("opening {}", log.display()))?;
    let exe = std::env::current_exe().wrap_err("finding this program")?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("--data-dir").arg(&places.data_dir);
    if store_dir == places.data_dir.join("demo") {
        cmd.arg("--demo");
    }
    cmd.args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(log_file);
    if let Some(dir) = &places.config_dir {
        cmd.env("EXPENSE_CONFIG_DIR", dir);
    }
    // SAFETY: setsid is async-signal-safe and touches nothing of this process's memory.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    cmd.spawn()
        .wrap_err_with(|| format!("starting `expense {}`", args.join(" ")))?;
    Ok(())
}

/// Says on stderr what a command waits for (see `session::client::Tell`).
pub fn tell_stderr(text: &str) {
    let _ = writeln!(io::stderr(), "expense: {text}");
}

/// A store held by another process that cannot serve it: the command did not run, and says so.
fn nothing_done(e: StoreError) -> color_eyre::Report {
    match e {
        StoreError::HolderStopped { .. }
        | StoreError::HolderBusy { .. }
        | StoreError::Locked { .. } => {
            eyre!("{e}; nothing was done")
        }
        e => e.into(),
    }
}

/// True when sled's files are in `store_dir` (a store was created there once).
fn store_exists(store_dir: &Path) -> bool {
    ["conf", "db"].iter().any(|f| store_dir.join(f).exists())
}

/// A session started between our look for one and our opening the store: the command, which
/// has not touched the store yet, goes to that session instead.
#[derive(Debug, thiserror::Error)]
#[error("another expense session took the store")]
struct SessionAppeared;

/// Says on stderr what the open of `store` finished that an earlier process left half done.
fn say_notices(store: Store) -> Store {
    for note in store.take_notices() {
        let _ = writeln!(
            io::stderr(),
            "expense: note: {}",
            crate::domain::text::inert(&note)
        );
    }
    store
}

/// Says on stderr how many occurrences of recurring expenses wait for a confirmation, when
/// any do: `2 recurring expenses wait for confirmation: expense recurring due`.
fn say_waiting(store: &Store, today: NaiveDate) {
    let n = store.due(today).map_or(0, |d| d.len());
    if n > 0 {
        let (s, verb) = if n == 1 { ("", "waits") } else { ("s", "wait") };
        let _ = writeln!(
            io::stderr(),
            "expense: note: {n} recurring expense{s} {verb} for confirmation: expense recurring due"
        );
    }
}

/// An exclusive command (one that replaces the store) met a store another process holds; the
/// sentence names it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HeldElsewhere(pub String);

fn run_here(
    command: &Command,
    config: Config,
    today: NaiveDate,
    cwd: std::path::PathBuf,
    err_is_tty: bool,
    store_dir: Option<&Path>,
    open: impl Fn() -> Result<Store>,
) -> Result<()> {
    let stdout = io::stdout();
    let tty = stdout.is_terminal();
    let mut out = io::BufWriter::new(stdout.lock());
    // On a terminal, no byte of stored text may steer it, whichever command printed it.
    let mut inert_out;
    let out: &mut dyn Write = if tty {
        inert_out = InertWriter::new(&mut out);
        &mut inert_out
    } else {
        &mut out
    };
    let mut err = io::stderr();
    let mut ctx = Ctx::new(config, today, cwd, out, &mut err, err_is_tty, open);
    if let Some(dir) = store_dir {
        ctx = ctx.with_store_dir(dir);
    }
    super::run(command, &mut ctx)?;
    drop(ctx);
    out.flush()?;
    Ok(())
}
