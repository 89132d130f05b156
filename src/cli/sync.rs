//! `expense sync [PEER...]`: exchange changes with other devices' stores over SSH (or with a
//! store in a local folder), last writer wins per item; `--serve` is the other end, which ssh
//! runs on the peer; `--status`, `--conflicts` and `--new-replica-id` look after it. The
//! protocol is `engine/sync.rs`, what wins is `store/sync.rs`.

use super::Ctx;
use crate::domain::sync::{parse_peer, shell_word, ssh_words, Address, Peer};
use crate::domain::ttl::local_minute;
use crate::domain::ExpenseId;
use crate::engine::sync::{self as protocol, Report};
use crate::store::Store;
use color_eyre::eyre::{eyre, Result, WrapErr};
use std::io::{BufReader, Read};
use std::process::{Command, Stdio};

/// Options of `expense sync`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Who to sync with: host, user@host, host:DATA_DIR, a local /path/to/data, or a name from
    /// `[sync] peers` in config.toml. None: every peer there.
    pub peers: Vec<String>,
    /// Compare every item instead of the changes since the last sync (for a peer that was
    /// away longer than the stream keeps changes, or to check two stores agree).
    #[arg(long)]
    pub full: bool,
    /// Per peer: the last sync, items sent and received, changes waiting to be sent.
    #[arg(long, conflicts_with_all = ["full", "serve", "conflicts", "new_replica_id"])]
    pub status: bool,
    /// Every conflict: a change here that a peer's later change replaced before the two had
    /// seen each other's (the replaced version is in the expense's history).
    #[arg(long, conflicts_with_all = ["full", "serve", "new_replica_id"])]
    pub conflicts: bool,
    /// Give this store a new replica id: needed once by a store copied from another (`cp -r`),
    /// which sync refuses until then.
    #[arg(long, conflicts_with_all = ["full", "serve"])]
    pub new_replica_id: bool,
    /// Say what would move, in both directions, and write nothing on either side.
    #[arg(long, conflicts_with_all = ["serve", "status", "conflicts", "new_replica_id"])]
    pub dry_run: bool,
    /// Speak the sync protocol on stdin and stdout (what `expense sync` runs on the peer
    /// through ssh; not for people).
    #[arg(long, conflicts_with = "full")]
    pub serve: bool,
}

impl Args {
    /// True for the forms that only read.
    pub fn is_read_only(&self) -> bool {
        self.status || self.conflicts
    }
}

/// Runs `expense sync`.
pub fn run(ctx: &mut Ctx, args: &Args) -> Result<()> {
    if args.serve {
        if !args.peers.is_empty() {
            return Err(eyre!(
                "--serve takes no peer: it answers the one that ran it"
            ));
        }
        return serve(ctx);
    }
    if args.new_replica_id {
        let store = ctx.store()?;
        let old = store.replica_id()?;
        let new = store.new_replica_id()?;
        writeln!(
            ctx.out,
            "this store is now replica {} (was {}); its peers see it as a new device",
            ExpenseId(new),
            ExpenseId(old)
        )?;
        return Ok(());
    }
    if args.status {
        let store = ctx.store()?;
        return status(ctx, &store);
    }
    if args.conflicts {
        let store = ctx.store()?;
        return conflicts(ctx, &store);
    }
    let peers = chosen_peers(ctx, args)?;
    let store = ctx.store()?;
    // Before any peer is started: a copied store says so once, and nothing runs.
    protocol::check_own_replica(&store).map_err(|e| eyre!("{e}"))?;
    let mut failed = 0;
    for peer in &peers {
        let opts = protocol::Options {
            full: args.full,
            dry_run: args.dry_run,
        };
        match sync_with(ctx, &store, peer, opts) {
            Ok(report) if args.dry_run => say_dry(ctx, peer, &report)?,
            Ok(report) => say(ctx, peer, &report)?,
            Err(e) => {
                failed += 1;
                writeln!(
                    ctx.err,
                    "expense: syncing with {}: {}",
                    peer.text,
                    super::one_line(&e)
                )?;
            }
        }
    }
    match failed {
        0 => Ok(()),
        n if n == peers.len() && n == 1 => Err(eyre!("the sync did not finish")),
        n => Err(eyre!("{n} of {} syncs did not finish", peers.len())),
    }
}

/// The peers named on the command line (a config name stands for its address), or every
/// configured peer.
fn chosen_peers(ctx: &Ctx, args: &Args) -> Result<Vec<Peer>> {
    let configured: Vec<Peer> = ctx
        .config
        .sync
        .peers
        .iter()
        .map(|p| parse_peer(p).map_err(|e| eyre!("[sync] peers: {e}")))
        .collect::<Result<_>>()?;
    if args.peers.is_empty() {
        if configured.is_empty() {
            return Err(eyre!(
                "no peer to sync with: name one (`expense sync user@host`) or list them in \
                 config.toml: [sync] peers = [\"laptop=me@laptop.local\"]"
            ));
        }
        return Ok(configured);
    }
    args.peers
        .iter()
        .map(|a| {
            if let Some(p) = configured
                .iter()
                .find(|p| p.name.as_deref() == Some(a.as_str()))
            {
                return Ok(p.clone());
            }
            parse_peer(a).map_err(|e| eyre!(e))
        })
        .collect()
}

/// One sync: starts the peer's `expense sync --serve` (through ssh, or this program for a local
/// folder) and runs the client side against it.
fn sync_with(ctx: &Ctx, store: &Store, peer: &Peer, opts: protocol::Options) -> Result<Report> {
    let mut cmd = match &peer.address {
        Address::Local(dir) => {
            let exe = std::env::current_exe().wrap_err("finding this program")?;
            let mut c = Command::new(exe);
            c.arg("--data-dir")
                .arg(ctx.path(dir))
                .args(["sync", "--serve"]);
            c
        }
        Address::Ssh { dest, dir } => {
            // Checked when the config was read; "ssh" should it fail here all the same.
            let words = ssh_words(&ctx.config.sync.ssh).unwrap_or_else(|_| vec!["ssh".into()]);
            let mut c = Command::new(&words[0]);
            c.args(&words[1..]).arg(dest);
            let mut remote = format!("{} sync --serve", ctx.config.sync.remote);
            if let Some(d) = dir {
                remote = format!(
                    "{} --data-dir {} sync --serve",
                    ctx.config.sync.remote,
                    shell_word(d)
                );
            }
            c.arg(remote);
            c
        }
    };
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if ctx.is_served() {
        // Run for another shell inside the process holding the store (a TUI): ssh must not
        // ask for a password or a host key on that process's terminal. In a session of its
        // own it has none, so it fails with its own words instead ("Permission denied").
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid is async-signal-safe and touches nothing of this process's memory.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
    }
    let mut child = cmd
        .spawn()
        .wrap_err_with(|| format!("starting {:?}", cmd.get_program()))?;
    let (Some(mut stdin), Some(stdout), Some(mut stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(eyre!("the peer's pipes were not opened"));
    };
    // The peer's (or ssh's) own messages, kept to say why a sync failed.
    let said = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.by_ref().take(64 * 1024).read_to_end(&mut s);
        String::from_utf8_lossy(&s).into_owned()
    });
    let mut reader = BufReader::new(stdout);
    let result = protocol::client(
        store,
        &mut reader,
        &mut stdin,
        opts,
        &peer.text,
        &crate::clock::now_ms,
    );
    drop(stdin);
    drop(reader);
    let status = child.wait();
    let said = said.join().unwrap_or_default();
    let said = crate::domain::text::inert(said.trim());
    match result {
        Ok(r) => Ok(r),
        Err(e) => {
            let failed = status.ok().filter(|s| !s.success());
            match failed {
                // ssh (or the peer's expense) failed and said why: its words are the news.
                Some(s) if !said.is_empty() => Err(eyre!("{said} ({s})")),
                Some(s) => Err(eyre!("{e} ({s})")),
                None if said.is_empty() => Err(eyre!("{e}")),
                None => Err(eyre!("{e}; the peer said: {said}")),
            }
        }
    }
}

/// The line that says what one sync did.
fn say(ctx: &mut Ctx, peer: &Peer, r: &Report) -> Result<()> {
    let name = peer.name.as_deref().unwrap_or(&peer.text);
    writeln!(
        ctx.out,
        "synced with {name}: {} received, {} sent{}",
        r.received,
        r.sent,
        if r.unchanged > 0 {
            format!(", {} already here", r.unchanged)
        } else {
            String::new()
        }
    )?;
    if r.conflicts > 0 {
        writeln!(
            ctx.out,
            "{} conflict{}: a change made here was replaced by a later one from {name}; `expense \
             sync --conflicts` lists them, the replaced version is in each one's history",
            r.conflicts,
            if r.conflicts == 1 { "" } else { "s" }
        )?;
    }
    for why in &r.rejected {
        writeln!(ctx.err, "expense: not applied: {why}")?;
    }
    Ok(())
}

/// What a `--dry-run` found.
fn say_dry(ctx: &mut Ctx, peer: &Peer, r: &Report) -> Result<()> {
    let name = peer.name.as_deref().unwrap_or(&peer.text);
    writeln!(
        ctx.out,
        "a sync with {name} would write {} item{} here and {} there ({} sent, {} already \
         here); nothing was written",
        r.received,
        if r.received == 1 { "" } else { "s" },
        r.peer_applied,
        r.sent,
        r.unchanged
    )?;
    for why in &r.rejected {
        writeln!(ctx.err, "expense: would not be applied: {why}")?;
    }
    Ok(())
}

/// `--serve`: the protocol on this process's stdin and stdout.
fn serve(ctx: &mut Ctx) -> Result<()> {
    let store = ctx.store()?;
    let stdin = std::io::stdin();
    let mut r = BufReader::new(stdin.lock());
    protocol::serve(&store, &mut r, ctx.out, &crate::clock::now_ms)
        .map(|_| ())
        .map_err(|e| eyre!("sync --serve: {e}"))
}

/// `--serve` while another process holds the store: hands the connection to that holder
/// (`session::Request::SyncServe`) and copies bytes between it and ssh until either side ends.
pub fn relay(stream: std::os::unix::net::UnixStream) -> Result<()> {
    let mut to_holder = stream.try_clone().wrap_err("relaying to the session")?;
    crate::session::write_frame(&mut to_holder, &crate::session::Request::SyncServe)
        .wrap_err("asking the session that holds the store to answer the sync")?;
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut to_holder);
        let _ = to_holder.shutdown(std::net::Shutdown::Write);
    });
    // Flushed after every read: stdout is line-buffered, and the protocol's frames are not
    // lines (`io::copy` into it would hold a frame back while the peer waits for it).
    let mut from_holder = stream;
    let mut out = std::io::stdout().lock();
    let mut buf = vec![0u8; 64 * 1024];
    let copied = (|| -> std::io::Result<()> {
        use std::io::Write;
        loop {
            let n = from_holder.read(&mut buf)?;
            if n == 0 {
                return Ok(());
            }
            out.write_all(&buf[..n])?;
            out.flush()?;
        }
    })();
    drop(up);
    copied.wrap_err("relaying the sync")
}

/// `--status`.
fn status(ctx: &mut Ctx, store: &Store) -> Result<()> {
    let me = store.replica_id()?;
    let last = store.last_seq()?;
    writeln!(
        ctx.out,
        "this store: replica {}, {} records",
        ExpenseId(me),
        last
    )?;
    let peers = store.sync_peers()?;
    if peers.is_empty() {
        writeln!(ctx.out, "no sync yet")?;
    }
    for (id, p) in peers {
        let when = match p.last_sync {
            0 => "never".to_string(),
            ms => local_minute(ms),
        };
        let pending = last.saturating_sub(p.sent_upto);
        let name = if p.address.is_empty() {
            "(synced from there)".to_string()
        } else {
            crate::domain::text::inert(&p.address).into_owned()
        };
        writeln!(
            ctx.out,
            "{name}  replica {}  last sync {when}  received {}  sent {}  conflicts {}  \
             waiting to send: {pending} record{}",
            ExpenseId(id),
            p.received,
            p.sent,
            p.conflicts,
            if pending == 1 { "" } else { "s" }
        )?;
    }
    Ok(())
}

/// `--conflicts`.
fn conflicts(ctx: &mut Ctx, store: &Store) -> Result<()> {
    let list = store.sync_conflicts()?;
    if list.is_empty() {
        writeln!(ctx.out, "no conflicts")?;
        return Ok(());
    }
    for (seq, c) in list {
        let when = local_minute(c.at);
        writeln!(
            ctx.out,
            "{when}  {}  record {seq} from replica {} replaced record {} made here \
             (`expense history {}` shows both)",
            ExpenseId(c.id),
            ExpenseId(c.peer),
            c.lost_seq,
            ExpenseId(c.id)
        )?;
    }
    Ok(())
}
