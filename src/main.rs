//! `expense`: command-line parsing and dispatch only. No subcommand opens the interactive
//! ledger; subcommands run headless, inside the session that holds the store when there is one
//! (see `expense_tracker::session`), else in this process.

use clap::Parser;
use color_eyre::eyre::{Result, WrapErr};
use expense_tracker::cli::{self, Cli};
use expense_tracker::config::{dumb_terminal, process_env, Config, Places};
use expense_tracker::session::{self, client::Attached};
use expense_tracker::tui::{self, keymap::Keymap};
use std::io::IsTerminal;

mod allocator;

/// The store decodes and the stream and exports encode many small strings per record; glibc's
/// malloc spent about a third of `expense stream`'s time in allocation and free.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // `COMPLETE=bash expense ...`: the shell asks for completions (or for its registration
    // script); answered here before anything else runs or prints, then the process ends.
    // bash through our own adapter, which quotes names for the line (`cli/complete/bash.rs`).
    use clap_complete::env::{Elvish, Fish, Powershell, Shells, Zsh};
    clap_complete::CompleteEnv::with_factory(<Cli as clap::CommandFactory>::command)
        .shells(Shells(&[
            &cli::complete::Bash,
            &Elvish,
            &Fish,
            &Powershell,
            &Zsh,
        ]))
        .complete();
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(report) if cli::is_broken_pipe(&report) => std::process::ExitCode::SUCCESS,
        Err(report) => {
            use std::io::Write;
            // A person's mistake or a busy store is a sentence, not a backtrace: print the
            // chain of contexts on one line ("opening the store: the store at … is in use").
            let _ = writeln!(std::io::stderr(), "expense: {}", cli::one_line(&report));
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    // Plain reports (no colour codes) when stderr is not a terminal that shows colours (scripts,
    // TERM=dumb, NO_COLOR).
    let no_color = process_env("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = if std::io::stderr().is_terminal() && !dumb_terminal(&process_env) && !no_color {
        color_eyre::config::Theme::dark()
    } else {
        color_eyre::config::Theme::new()
    };
    color_eyre::config::HookBuilder::default()
        .theme(theme)
        .display_env_section(false)
        .install()?;
    let args = Cli::parse();
    let places = Places::resolve(args.data_dir.clone(), &process_env)?;
    let store_dir = if args.demo {
        places.data_dir.join("demo")
    } else {
        places.data_dir.join("store")
    };
    expense_tracker::clock::init(&process_env).map_err(|e| color_eyre::eyre::eyre!(e))?;
    let today = expense_tracker::clock::today();
    match &args.command {
        Some(command) => cli::launch::run_command(command, &places, &store_dir, today),
        None => {
            tui_memory();
            let mut config = Config::load(places.config_dir.as_deref(), &process_env)?;
            if let Some(t) = args.theme {
                config.theme = t;
            }
            // Check for a terminal before touching the store, so scripts get a clear message.
            tui::terminal::require_tty()?;
            let keymap = Keymap::load(places.config_dir.as_deref())?;
            let tell: &dyn Fn(&str) = &cli::launch::tell_stderr;
            let attached =
                session::client::attach_telling(&store_dir, session::client::PATIENCE, Some(tell))
                    .wrap_err("opening the store")?;
            let mut auto_backup = None;
            if let Attached::Holder(store) = &attached {
                let cwd = std::env::current_dir().unwrap_or_default();
                auto_backup = cli::backup::start_auto(store, &config.backup, &cwd);
                if args.demo && store.is_empty() {
                    let demo = cli::demo::Args::default();
                    let mut err = std::io::stderr();
                    let tty = err.is_terminal();
                    cli::demo::fill(store, &demo, today, config.currency, &mut err, tty)?;
                }
            }
            let runner = cli::launch::runner();
            let result = tui::run(attached, &store_dir, &config, keymap, runner, args.demo);
            if let Some(h) = auto_backup {
                cli::backup::report_auto_backup(h);
            }
            // The store stays open a while for the next command (a process that finds it held
            // by another TUI leaves at once).
            cli::linger::spawn(&places, &store_dir, config.linger_minutes);
            result
        }
    }
}

/// A TUI stays open for hours: it gives up transparent huge pages, so its memory is what it uses
/// rather than whole 2 MB pages the allocator touched (measured at 100k expenses, open, review,
/// quit: 36 MB instead of 73 MB peak; the goal is 64 MiB), and it takes blocks over 2 MiB
/// straight from the system (`allocator::big_blocks_from_the_system`: at 1M expenses the peak
/// while sled opens the store fell from 172 to 136 MiB). One-shot commands keep huge pages:
/// there they save 10-20 ms of page faults at start, and the process is gone a moment later.
fn tui_memory() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE only sets a flag on this process's memory map; the result is
    // ignored (an older kernel without it keeps huge pages, which is only more memory).
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    allocator::big_blocks_from_the_system(2 * 1024);
}
