//! Headless subcommands, one file each. They talk to the store directly and print for people
//! (inert text, aligned columns) or for scripts (`--json`, `--csv`).

pub mod add;
pub mod demo;
pub mod edit;
pub mod export;
pub mod list;

use std::io::{self, Write};

/// Runs `f` on buffered stdout; a closed pipe (`expense list | head`) ends quietly.
pub fn with_stdout(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> color_eyre::Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match f(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
