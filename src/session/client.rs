//! The caller's side: find the process that holds the store and talk to it, or hold the store
//! ourselves (and serve others while we do). A busy store is waited for, never refused: the
//! only wait is the moment between one holder letting go and the next taking over.

use super::server::Server;
use super::{read_frame, socket_path, write_frame, Reply, Request, RunRequest};
use crate::cli::{self, Command, Ctx};
use crate::config::{process_env, Config, Places};
use crate::engine::triggers::Dispatcher;
use crate::store::{Store, StoreError};
use chrono::NaiveDate;
use color_eyre::eyre::{eyre, Result, WrapErr};
use std::io::{self, IsTerminal, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a caller waits for a store that is changing hands before it reports it in use.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// How long a holder that is exiting waits for commands it runs for others.
pub const DRAIN: Duration = Duration::from_secs(30);

/// Who we talk to.
pub enum Attached {
    /// Nobody held the store: we opened it.
    Holder(Store),
    /// A connection to the process that holds it.
    Session(UnixStream),
}

/// Connects to the session holding the store in `store_dir`, or opens the store when nobody
/// holds it, trying both until `patience` runs out.
pub fn attach(store_dir: &Path, patience: Duration) -> Result<Attached, StoreError> {
    let sock = socket_path(store_dir);
    let deadline = Instant::now() + patience;
    loop {
        if let Ok(s) = UnixStream::connect(&sock) {
            return Ok(Attached::Session(s));
        }
        if let Some(store) = open_unless_served(store_dir, deadline)? {
            return Ok(Attached::Holder(store));
        }
    }
}

/// Opens the store, waiting (until `deadline`) while it changes hands; `None` when a holder
/// that serves it shows up instead.
fn open_unless_served(store_dir: &Path, deadline: Instant) -> Result<Option<Store>, StoreError> {
    loop {
        match Store::open_waiting(store_dir, Duration::ZERO) {
            Ok(store) => return Ok(Some(store)),
            Err(StoreError::Locked { .. }) => {
                if UnixStream::connect(socket_path(store_dir)).is_ok() {
                    return Ok(None);
                }
                if Instant::now() > deadline {
                    return Err(StoreError::Locked {
                        path: store_dir.to_path_buf(),
                    });
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e),
        }
    }
}

/// How long a command that held the store waits, before exiting, for trigger deliveries that
/// are due (the rest wait for the next process that holds the store).
const TRIGGERS_WAIT: Duration = Duration::from_secs(10);

/// Runs a subcommand: in the session that holds the store if there is one, else here (serving
/// other callers meanwhile).
pub fn run_command(
    command: &Command,
    places: &Places,
    store_dir: &Path,
    today: NaiveDate,
) -> Result<()> {
    let cwd = std::env::current_dir().wrap_err("reading the working directory")?;
    let err_is_tty = io::stderr().is_terminal();
    if command.is_standalone() {
        let no_store = || Err(eyre!("this command needs no store"));
        return run_here(command, Config::default(), today, cwd, err_is_tty, no_store);
    }
    if command.is_exclusive() {
        let config = Config::load(places.config_dir.as_deref(), &process_env)?;
        let open = || match Store::open_waiting(store_dir, Duration::ZERO) {
            Err(StoreError::Locked { .. }) => Err(eyre!(
                "the store at {} is held by another expense process (a TUI or a running \
                 command); close it, then run this again",
                store_dir.display()
            )),
            r => Ok(r?),
        };
        return run_here(command, config, today, cwd, err_is_tty, open);
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
        if let Ok(stream) = UnixStream::connect(&sock) {
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
        let triggers = config.triggers.clone();
        let trash_ttl = config.trash_ttl_ms();
        let keep_days = config.stream_keep_days;
        let server: std::cell::RefCell<Option<Server>> = std::cell::RefCell::new(None);
        let dispatcher: std::cell::RefCell<Option<Dispatcher>> = std::cell::RefCell::new(None);
        // Whether an automatic backup is due; it runs in a process of its own after this one.
        let backup_due = std::cell::Cell::new(false);
        // Our own handle, closed without sled's drop-time work once everything else is done.
        let held: std::cell::RefCell<Option<Store>> = std::cell::RefCell::new(None);
        let backup_cfg = config.backup.clone();
        let open = || {
            let store = open_unless_served(store_dir, deadline)
                .wrap_err("opening the store")?
                .ok_or(SessionAppeared)?;
            // This process holds the store now, so it sweeps the trash and trims the change
            // stream to `[stream] keep_days` (best effort: `expense check` must still run on a
            // store whose trash or stream is damaged, and reports it).
            let now = crate::clock::now_ms();
            let _ = store.sweep_trash(now);
            let _ = store.trim_stream_days(keep_days, now);
            store.set_trash_ttl(trash_ttl);
            // Without a socket (a path too long for one) the command still runs.
            *server.borrow_mut() = Server::start(store.clone(), &sock).ok();
            *dispatcher.borrow_mut() = Dispatcher::start(store.clone(), triggers.clone());
            if !command.is_auto_backup() {
                let dir = cli::backup::auto_dir(&store, &backup_cfg, &cwd);
                backup_due.set(dir.is_some_and(|d| {
                    cli::backup::is_due(&backup_cfg, &d, chrono::Utc::now()).unwrap_or(true)
                }));
            }
            *held.borrow_mut() = Some(store.clone());
            Ok(store)
        };
        let result = run_here(command, config, today, cwd.clone(), err_is_tty, open);
        if let Some(server) = server.into_inner() {
            server.shutdown(DRAIN);
        }
        // Records this command (and those it served) wrote go to the triggers before it exits.
        if let Some(d) = dispatcher.into_inner() {
            d.finish(TRIGGERS_WAIT);
        }
        if let Some(store) = held.into_inner() {
            store.close_for_exit()?;
        }
        if backup_due.get() {
            // Best effort: the command's own result is what this process reports.
            if let Err(e) = spawn_auto_backup(places, store_dir) {
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

/// Starts `expense backup --auto` for `store_dir` in a process of its own, in a new session (a
/// dropped SSH connection does not stop it), with no terminal: it takes the store when this
/// process has let it go (or runs in the session that holds it by then). Its errors go to
/// `<store>.backup-log` beside the store; the next command that starts one reports them.
fn spawn_auto_backup(places: &Places, store_dir: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::process::CommandExt;
    let log_path = store_dir.with_extension("backup-log");
    if let Ok(text) = std::fs::read_to_string(&log_path) {
        let text = text.trim();
        if !text.is_empty() {
            let _ = writeln!(
                io::stderr(),
                "expense: warning: the last automatic backup failed ({}): {}",
                log_path.display(),
                crate::domain::text::inert(text.trim_start_matches("expense: "))
            );
        }
    }
    let log = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(&log_path)
        .wrap_err_with(|| format!("opening {}", log_path.display()))?;
    let exe = std::env::current_exe().wrap_err("finding this program")?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("--data-dir").arg(&places.data_dir);
    if store_dir == places.data_dir.join("demo") {
        cmd.arg("--demo");
    }
    cmd.args(["backup", "--auto"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(log);
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
    cmd.spawn().wrap_err("starting `expense backup --auto`")?;
    Ok(())
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
        io::stderr(),
        "expense: warning: the automatic backup failed: {failed}"
    );
}

/// A session started between our look for one and our opening the store: the command, which
/// has not touched the store yet, goes to that session instead.
#[derive(Debug, thiserror::Error)]
#[error("another expense session took the store")]
struct SessionAppeared;

fn run_here(
    command: &Command,
    config: Config,
    today: NaiveDate,
    cwd: std::path::PathBuf,
    err_is_tty: bool,
    open: impl Fn() -> Result<Store>,
) -> Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut err = io::stderr();
    let mut ctx = Ctx::new(config, today, cwd, &mut out, &mut err, err_is_tty, open);
    cli::run(command, &mut ctx)?;
    drop(ctx);
    out.flush()?;
    Ok(())
}

/// Sends the command and relays its output. `Ok(None)`: the holder closed before starting it
/// (retry); `Ok(Some(result))`: the command's own result.
fn run_remote(mut stream: UnixStream, request: &RunRequest) -> Result<Option<Result<()>>> {
    if write_frame(&mut stream, &Request::Run(request.clone())).is_err() {
        return Ok(None);
    }
    match read_frame::<Reply>(&mut stream) {
        Ok(Some(Reply::Started)) => {}
        _ => return Ok(None),
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut err = io::stderr();
    loop {
        match read_frame::<Reply>(&mut stream) {
            Ok(Some(Reply::Out(bytes))) => {
                // A frame is a full chunk or an explicit flush (`stream --follow`): pass it on.
                out.write_all(&bytes)?;
                out.flush()?;
            }
            Ok(Some(Reply::Err(bytes))) => {
                out.flush()?;
                err.write_all(&bytes)?;
            }
            Ok(Some(Reply::Done(result))) => {
                out.flush()?;
                return Ok(Some(match result {
                    None => Ok(()),
                    Some(message) => Err(eyre!(message)),
                }));
            }
            Ok(Some(other)) => {
                return Ok(Some(Err(eyre!(
                    "the session sent an unexpected reply ({other:?})"
                ))))
            }
            Ok(None) | Err(_) => {
                out.flush()?;
                return Ok(Some(Err(eyre!(
                    "the expense session holding the store ended while running the command; \
                     check `expense list` to see whether it took effect"
                ))));
            }
        }
    }
}
