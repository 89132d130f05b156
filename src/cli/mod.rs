//! Headless subcommands, one file each, and what they run with. A command reads and writes the
//! store through [`Ctx`] and prints only to `ctx.out` / `ctx.err`, never to the process's own
//! stdout: the same code runs in its own process, or inside the session that holds the store
//! when a TUI has it open (see `crate::session`), with its output sent back over the socket.
//!
//! Rules for every command, so it works both ways:
//! - open files with [`Ctx::path`] (relative paths are the caller's, not the session's);
//! - take time from `ctx.today` / `ctx.now_ms()`, config from `ctx.config`;
//! - check arguments before [`Ctx::store`], so a typo never opens (or creates) a store, and call
//!   it before printing anything: if another session takes the store at that moment, the command
//!   is sent there and started again.

pub mod add;
pub mod backup;
pub mod budget;
pub mod categories;
pub mod check;
pub mod complete;
pub mod demo;
pub mod edit;
pub mod export;
pub mod history;
pub mod ids;
pub mod import;
pub mod launch;
pub mod linger;
pub mod list;
pub mod man;
pub mod progress;
pub mod recurring;
pub mod report;
pub mod restore;
pub mod stream;
pub mod sync;
pub mod trash;
pub mod triggers;

use crate::config::Config;
use crate::store::Store;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use color_eyre::eyre::Result;
use std::cell::OnceCell;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A keyboard-driven expense tracker for the terminal.
#[derive(Debug, Parser)]
#[command(name = "expense", version, about, long_about = None)]
pub struct Cli {
    /// Where the store lives (default: the platform data directory, e.g.
    /// ~/.local/share/expense-tracker).
    #[arg(long, global = true, env = "EXPENSE_DATA_DIR", value_name = "PATH")]
    pub data_dir: Option<PathBuf>,
    /// Open a separate store filled with generated demo data (created on first use).
    #[arg(long, global = true)]
    pub demo: bool,
    /// Colours of the interactive ledger (overrides `theme` in config.toml, `EXPENSE_THEME`
    /// and NO_COLOR).
    #[arg(long, value_enum, value_name = "THEME")]
    pub theme: Option<crate::config::ThemeName>,
    /// The subcommand; none opens the interactive ledger.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The headless subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add an expense from one line: `expense add 12.50 groceries @Lidl yesterday #weekly`.
    Add(add::Args),
    /// Change fields of an expense by id.
    Edit(edit::EditArgs),
    /// Delete an expense by id: it goes to the trash for `trash_days` (config; 0 deletes at
    /// once).
    Rm {
        /// The expense id or a unique start of it (as `expense list` shows it).
        id: String,
        /// Print {id, trash_days, expense} as JSON (the expense as it was, a `list --json`
        /// row) instead of the line.
        #[arg(long)]
        json: bool,
    },
    /// Undo the latest change in the store that is not undone yet, from any session (a whole
    /// import at once).
    Undo {
        /// When the latest change cannot be undone (something newer changed its expense), leave
        /// it as it is and undo the one before it.
        #[arg(long)]
        skip: bool,
        /// Print {done, action, text, record, batch} as JSON instead of the line.
        #[arg(long)]
        json: bool,
    },
    /// The trash: list it, restore an expense from it, or purge (`expense trash purge --all`).
    Trash(trash::Args),
    /// Monthly budgets per category: list them, set one (`expense budget set food 300`), or
    /// remove one. Each change is in the history and can be undone.
    Budget(budget::Args),
    /// Categories: list them with counts, totals and budgets, or rename one (a merge when the
    /// new name is in use): `expense categories rename food drinks`, sub-categories and budgets
    /// along, one `expense undo` takes it back.
    Categories(categories::Args),
    /// Recurring expenses: `expense recurring add 950 rent @Landlord --every month --on 1`;
    /// list, edit, pause, resume, skip or move one occurrence, remove; `due` and `post` for
    /// those that wait for a confirmation. What falls due is posted when the store is opened.
    Recurring(recurring::Args),
    /// What recurring expenses fall due in the next days (default 30), and those that wait for
    /// a confirmation.
    Upcoming(recurring::UpcomingArgs),
    /// Redo the latest undo, unless a newer change was made since.
    Redo {
        /// Print {done, action, text, record, batch} as JSON instead of the line.
        #[arg(long)]
        json: bool,
    },
    /// Show the change history, newest first (of one expense with ID).
    History(history::Args),
    /// Print a shell completion script: `expense completions bash > ~/.local/share/bash-completion/completions/expense`.
    /// For completion of the store's category, payee and tag names too, source
    /// `COMPLETE=bash expense` instead (see the README).
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Hold the store quietly in the background for `linger_minutes` after a command, serving
    /// the next ones (started by the commands themselves; not for typing).
    #[command(hide = true)]
    Linger,
    /// Print the man page (expense.1), or write one page per command into a folder:
    /// `expense man --dir ~/.local/share/man/man1`.
    Man(man::Args),
    /// Write expenses out as CSV, JSON or a ledger/hledger journal.
    Export(export::Args),
    /// Read expenses from a bank CSV file (or an export), whole or not at all.
    ///
    /// Every row is checked before anything is stored: a bad row stops the import with its line
    /// (unless --skip-bad), and so does a quote that is never closed. An import cut short (killed, hung
    /// up, a failed write) leaves nothing: the rows it wrote are taken back at once, or when the
    /// store is next opened, which says so. Rows already in the store are not added again, and
    /// `expense undo` right after takes the whole import back.
    Import(import::Args),
    /// List a month's expenses (plain, --json or --csv).
    List(list::Args),
    /// Fill an empty store with realistic generated expenses.
    Demo(demo::Args),
    /// Print the change stream as NDJSON (DynamoDB Streams shape); --follow for live changes.
    Stream(stream::Args),
    /// The monthly review's numbers: totals, categories with budgets, top payees.
    Report(report::Args),
    /// Recompute indexes and aggregates from the items; exit status 1 on any difference.
    Check(check::Args),
    /// Exchange changes with your other devices' stores over SSH (`expense sync me@laptop`),
    /// last writer wins per item; `--status`, `--conflicts`.
    Sync(sync::Args),
    /// Show the triggers' lag, failures and dead letters; `retry` or `drop` dead letters.
    Triggers(triggers::Args),
    /// Write a consistent snapshot of the store (works while sessions are running).
    Backup(backup::BackupArgs),
    /// Rebuild a store from a backup, or as it was at a moment (--at), into a new directory.
    Restore(restore::RestoreArgs),
}

impl Command {
    /// True for commands that need no store at all (they run in the caller's process).
    pub fn is_standalone(&self) -> bool {
        matches!(self, Command::Completions { .. } | Command::Man(_))
            || matches!(self, Command::Backup(a) if a.verify.is_some())
    }

    /// True for `expense sync --serve`, which a holder answers over its socket itself (the
    /// protocol needs the caller's stdin, which a command run there does not get).
    pub fn is_sync_serve(&self) -> bool {
        matches!(self, Command::Sync(a) if a.serve)
    }

    /// True for commands that must hold the store themselves, never through another
    /// process's session (`restore --force-live` replaces the store under it).
    pub fn is_exclusive(&self) -> bool {
        matches!(self, Command::Restore(a) if a.force_live || a.latest)
    }

    /// True for commands that only read the store: given a data dir with no store, they say so
    /// and create nothing (a mistyped `--data-dir` is not a new, empty store).
    pub fn is_read_only(&self) -> bool {
        if self.is_dry_run() {
            return true;
        }
        match self {
            Command::List(_)
            | Command::Report(_)
            | Command::Export(_)
            | Command::History(_)
            | Command::Stream(_)
            | Command::Upcoming(_)
            | Command::Check(_) => true,
            Command::Trash(a) => matches!(a.action, None | Some(trash::Action::List { .. })),
            Command::Budget(a) => matches!(a.action, None | Some(budget::Action::List { .. })),
            Command::Categories(a) => a.is_read_only(),
            Command::Recurring(a) => a.is_read_only(),
            Command::Sync(a) => a.is_read_only(),
            _ => false,
        }
    }

    /// True for a dry run (`add`, `import` and `categories rename` with `--dry-run`): it writes
    /// nothing at all. It creates no store (`add` and `import` read their input against none,
    /// see [`Ctx::store_if_exists`]), and the store it reads is not set up as a holder's would
    /// be: nothing recurring is posted, the trash is not swept nor the stream trimmed, no
    /// trigger runs and no automatic backup starts (`launch.rs`).
    pub fn is_dry_run(&self) -> bool {
        match self {
            Command::Add(a) => a.dry_run,
            Command::Import(a) => a.dry_run,
            Command::Categories(a) => a.is_dry_run(),
            Command::Sync(a) => a.dry_run,
            _ => false,
        }
    }

    /// True for `expense backup --auto`, which a command that held the store starts as it exits
    /// (and which must not start another).
    pub fn is_auto_backup(&self) -> bool {
        matches!(self, Command::Backup(a) if a.auto)
    }
}

/// Runs one subcommand with `ctx`. A command that only reads, run on a store that lost changes
/// (writes refused, see `store/mark.rs`), prints what it holds and then fails with the reason
/// and the way back: a script must not take an export that lacks those changes for a good one.
pub fn run(command: &Command, ctx: &mut Ctx) -> Result<()> {
    dispatch(command, ctx)?;
    if command.is_read_only() && !matches!(command, Command::Check(_)) {
        if let Some(refusal) = ctx.store.get().and_then(Store::write_refusal) {
            return Err(color_eyre::eyre::eyre!(
                "what this showed may lack changes: {}",
                refusal
            ));
        }
    }
    Ok(())
}

fn dispatch(command: &Command, ctx: &mut Ctx) -> Result<()> {
    match command {
        Command::Add(args) => add::run(ctx, args),
        Command::Edit(args) => edit::edit(ctx, args),
        Command::Rm { id, json } => edit::remove(ctx, id, *json),
        Command::Trash(args) => trash::run(ctx, args),
        Command::Budget(args) => budget::run(ctx, args),
        Command::Categories(args) => categories::run(ctx, args),
        Command::Recurring(args) => recurring::run(ctx, args),
        Command::Upcoming(args) => recurring::upcoming(ctx, args),
        Command::Undo { skip, json } => history::undo(ctx, *skip, *json),
        Command::Redo { json } => history::redo(ctx, *json),
        Command::History(args) => history::run(ctx, args),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            // Into memory first: clap_complete panics when its writer fails, and a reader that
            // stops early (`| head`) is a broken pipe to end quietly, not a crash.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "expense", &mut script);
            ctx.out.write_all(&script)?;
            Ok(())
        }
        Command::Man(args) => man::run(ctx, args),
        Command::Export(args) => export::run(ctx, args),
        Command::Import(args) => import::run(ctx, args),
        Command::List(args) => list::run(ctx, args),
        Command::Demo(args) => demo::run(ctx, args),
        Command::Stream(args) => stream::run(ctx, args),
        Command::Report(args) => report::run(ctx, args),
        Command::Check(args) => check::run(ctx, args),
        Command::Sync(args) => sync::run(ctx, args),
        Command::Triggers(args) => triggers::run(ctx, args),
        Command::Backup(args) => backup::backup(ctx, args),
        Command::Restore(args) => restore::run(ctx, args),
        Command::Linger => Err(color_eyre::eyre::eyre!(
            "`expense linger` runs only as a process of its own"
        )),
    }
}

/// Everything a command runs with.
pub struct Ctx<'a> {
    /// The settings (the caller's config file and environment).
    pub config: Config,
    /// Today in the caller's time zone.
    pub today: NaiveDate,
    /// The caller's working directory, against which relative paths are resolved.
    pub cwd: PathBuf,
    /// Standard output of the caller.
    pub out: &'a mut dyn Write,
    /// Standard error of the caller (progress, warnings).
    pub err: &'a mut dyn Write,
    /// Whether the caller's stderr is a terminal (progress bars only then).
    pub err_is_tty: bool,
    store: OnceCell<Store>,
    store_dir: Option<PathBuf>,
    open: Box<dyn Fn() -> Result<Store> + 'a>,
    cancelled: Box<dyn Fn() -> bool + 'a>,
    /// True when the command runs for another process (in the session that holds the store),
    /// whose terminal is not this process's.
    served: bool,
}

impl<'a> Ctx<'a> {
    /// A context whose store is opened by `open` on first use.
    pub fn new(
        config: Config,
        today: NaiveDate,
        cwd: PathBuf,
        out: &'a mut dyn Write,
        err: &'a mut dyn Write,
        err_is_tty: bool,
        open: impl Fn() -> Result<Store> + 'a,
    ) -> Ctx<'a> {
        Ctx {
            config,
            today,
            cwd,
            out,
            err,
            err_is_tty,
            store: OnceCell::new(),
            store_dir: None,
            open: Box::new(open),
            cancelled: Box::new(|| false),
            served: false,
        }
    }

    /// Marks the command as run for another process (see [`Ctx::is_served`]).
    pub fn served(mut self) -> Ctx<'a> {
        self.served = true;
        self
    }

    /// True when the command runs in the session that holds the store for another process: a
    /// program it starts must not reach this process's terminal (a TUI's).
    pub fn is_served(&self) -> bool {
        self.served
    }

    /// Tells long-running commands (`stream --follow`) when to stop early: the caller hung up
    /// or the session is closing. In its own process a command is stopped by signals instead.
    pub fn with_cancel(mut self, cancelled: impl Fn() -> bool + 'a) -> Ctx<'a> {
        self.cancelled = Box::new(cancelled);
        self
    }

    /// Names the directory of the store this context opens, for a command that must reach it
    /// when it cannot be opened (`restore --latest` over a damaged store).
    pub fn with_store_dir(mut self, dir: &Path) -> Ctx<'a> {
        self.store_dir = Some(dir.to_path_buf());
        self
    }

    /// The directory of the store, when the context was told it ([`Ctx::with_store_dir`]).
    pub fn store_dir(&self) -> Option<&Path> {
        self.store_dir.as_deref()
    }

    /// True when the command should stop early (see [`Ctx::with_cancel`]).
    pub fn cancelled(&self) -> bool {
        (self.cancelled)()
    }

    /// The store (a cheap clone of the handle), opened on first use.
    pub fn store(&self) -> Result<Store> {
        if let Some(s) = self.store.get() {
            return Ok(s.clone());
        }
        let s = (self.open)()?;
        Ok(self.store.get_or_init(|| s).clone())
    }

    /// [`Ctx::store`], or `None` when the data directory holds no store and this command
    /// creates none (a dry run reads its input against an empty store: nothing known).
    pub fn store_if_exists(&self) -> Result<Option<Store>> {
        match self.store() {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.downcast_ref::<NoStore>().is_some() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The month start day the store's month aggregates are kept for: the holder's (its config,
    /// set when it took the store), so a caller with another config never rebuilds them under a
    /// running TUI. A store that keeps none yet gets this caller's.
    pub fn start_day(&self, store: &Store) -> Result<u32> {
        Ok(match store.month_start_day()? {
            Some(day) => day,
            None => {
                store.use_month_start_day(self.config.month_start_day)?;
                self.config.month_start_day
            }
        })
    }

    /// `p` resolved against the caller's working directory.
    pub fn path(&self, p: &Path) -> PathBuf {
        self.cwd.join(p)
    }

    /// Wall-clock milliseconds for record timestamps.
    pub fn now_ms(&self) -> i64 {
        crate::clock::now_ms()
    }
}

/// A command that creates no store (one that only reads, or a dry run) met a data directory
/// without one; the text names the directory and how to start a store there.
#[derive(Debug, thiserror::Error)]
#[error("no store at {0}; `expense --data-dir {0} add ...` creates one")]
pub struct NoStore(pub String);

/// True when `report` comes from writing to a closed pipe (`expense list | head`), which ends a
/// command quietly.
/// The chain of an error on one line, each cause once: an error whose message already quotes
/// its cause (an OS error, say) does not print it twice.
pub fn one_line(report: &color_eyre::Report) -> String {
    let mut text = String::new();
    for cause in report.chain() {
        let s = cause.to_string();
        // A full disk is already said in the sentence that names the folder to free.
        let full_said = s.contains("No space left on device")
            && text.contains("no space left on the device holding");
        if text.is_empty() {
            text = s;
        } else if !text.contains(&s) && !full_said {
            text.push_str(": ");
            text.push_str(&s);
        }
    }
    text
}

pub fn is_broken_pipe(report: &color_eyre::Report) -> bool {
    report.chain().any(broken_pipe)
}

/// A broken pipe, also as the csv and serde_json writers wrap it (in each other or in an
/// `io::Error` of kind `Other`) without naming it as their source.
fn broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    if let Some(e) = e.downcast_ref::<io::Error>() {
        return e.kind() == io::ErrorKind::BrokenPipe
            || e.get_ref().is_some_and(|i| broken_pipe(i));
    }
    if let Some(e) = e.downcast_ref::<csv::Error>() {
        return matches!(e.kind(), csv::ErrorKind::Io(io) if broken_pipe(io));
    }
    if let Some(e) = e.downcast_ref::<serde_json::Error>() {
        return e.io_error_kind() == Some(io::ErrorKind::BrokenPipe);
    }
    false
}
