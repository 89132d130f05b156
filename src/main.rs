//! `expense`: command-line parsing and dispatch only. No subcommand opens the interactive
//! ledger; subcommands run headless.

use clap::{Parser, Subcommand};
use color_eyre::eyre::{Result, WrapErr};
use expense_tracker::cli;
use expense_tracker::config::{process_env, Config, Places};
use expense_tracker::store::Store;
use expense_tracker::tui::{self, keymap::Keymap};
use std::path::PathBuf;

/// A keyboard-driven expense tracker for the terminal.
#[derive(Debug, Parser)]
#[command(name = "expense", version, about, long_about = None)]
struct Cli {
    /// Where the store lives (default: the platform data directory, e.g.
    /// ~/.local/share/expense-tracker).
    #[arg(long, global = true, env = "EXPENSE_DATA_DIR", value_name = "PATH")]
    data_dir: Option<PathBuf>,
    /// Open a separate store filled with generated demo data (created on first use).
    #[arg(long, global = true)]
    demo: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Add an expense from one line: `expense add 12.50 groceries @Lidl yesterday #weekly`.
    Add(cli::add::Args),
    /// Change fields of an expense by id.
    Edit(cli::edit::EditArgs),
    /// Delete an expense by id.
    Rm {
        /// The expense id.
        id: String,
    },
    /// Undo the latest change in the store that is not undone yet, from any session.
    Undo,
    /// Print a shell completion script: `expense completions bash > ~/.local/share/bash-completion/completions/expense`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Write expenses out as CSV, JSON or a ledger/hledger journal.
    Export(cli::export::Args),
    /// List a month's expenses (plain, --json or --csv).
    List(cli::list::Args),
    /// Fill an empty store with realistic generated expenses.
    Demo(cli::demo::Args),
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(report) => {
            use std::io::Write;
            // A person's mistake or a busy store is a sentence, not a backtrace: print the
            // chain of contexts on one line ("opening the store: the store at … is in use").
            let _ = writeln!(std::io::stderr(), "expense: {report:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    // Plain reports (no colour codes) when stderr is not a terminal, e.g. in scripts.
    let theme = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        color_eyre::config::Theme::dark()
    } else {
        color_eyre::config::Theme::new()
    };
    color_eyre::config::HookBuilder::default()
        .theme(theme)
        .display_env_section(false)
        .install()?;
    let args = Cli::parse();
    if let Some(Command::Completions { shell }) = &args.command {
        // Needs no store and no config.
        use clap::CommandFactory;
        clap_complete::generate(
            *shell,
            &mut Cli::command(),
            "expense",
            &mut std::io::stdout(),
        );
        return Ok(());
    }
    let places = Places::resolve(args.data_dir, &process_env)?;
    let config = Config::load(places.config_dir.as_deref(), &process_env)?;
    let today = chrono::Local::now().date_naive();
    let store_dir = if args.demo {
        places.data_dir.join("demo")
    } else {
        places.data_dir.join("store")
    };
    let open = || Store::open(&store_dir).wrap_err("opening the store");
    match args.command {
        Some(Command::Add(add)) => cli::add::run(open, &config, &add, today),
        Some(Command::Edit(edit)) => cli::edit::edit(&open()?, &edit, today),
        Some(Command::Rm { id }) => cli::edit::remove(&open()?, &id),
        Some(Command::Undo) => cli::edit::undo(&open()?),
        // Printed above, before config and store: completions need neither.
        Some(Command::Completions { .. }) => Ok(()),
        Some(Command::Export(export)) => cli::export::run(open, &config, &export),
        Some(Command::List(list)) => cli::list::run(open, &config, &list, today),
        Some(Command::Demo(demo)) => cli::demo::run(&open()?, &demo, today, config.currency),
        None => {
            // Check for a terminal before touching the store, so scripts get a clear message.
            tui::terminal::require_tty()?;
            let keymap = Keymap::load(places.config_dir.as_deref())?;
            let store = open()?;
            if args.demo && store.is_empty() {
                let demo = cli::demo::Args::default();
                cli::demo::run(&store, &demo, today, config.currency)?;
            }
            tui::run(store, &config, keymap)
        }
    }
}
