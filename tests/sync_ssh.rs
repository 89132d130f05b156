//! `expense sync` through a real SSH server (issue 16): Debian's `sshd` (openssh-server, which
//! `.ci/run` installs) started on 127.0.0.1 at a free high port with throwaway host and user
//! keys, and OpenSSH's `ssh` as the transport, exactly as a person's `[sync] ssh` would run it.
//! Two stores sync through it both ways; a closed port gives ssh's own message and a non-zero
//! exit. When sshd or ssh is missing the test says so on stderr and does nothing else.

mod common;

use common::Sandbox;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn find(name: &str) -> Option<PathBuf> {
    [
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
        "/usr/local/sbin",
        "/usr/local/bin",
    ]
    .iter()
    .map(|d| Path::new(d).join(name))
    .find(|p| p.exists())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn keygen(path: &Path) {
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok, "ssh-keygen failed");
}

/// sshd, stopped when dropped.
struct Sshd(Child);

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_sshd(sshd: &Path, dir: &Path, port: u16) -> Sshd {
    keygen(&dir.join("host_key"));
    keygen(&dir.join("user_key"));
    std::fs::copy(dir.join("user_key.pub"), dir.join("authorized_keys")).unwrap();
    let config = format!(
        "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\n\
         AuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nUsePAM no\n\
         PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
         PermitRootLogin prohibit-password\nLogLevel ERROR\n",
        d = dir.display()
    );
    std::fs::write(dir.join("sshd_config"), config).unwrap();
    // sshd run by root wants its privilege separation folder.
    if unsafe { libc::geteuid() } == 0 {
        let _ = std::fs::create_dir_all("/run/sshd");
    }
    let child = Command::new(sshd)
        .args(["-D", "-e", "-f"])
        .arg(dir.join("sshd_config"))
        .stdout(Stdio::null())
        // Its words go to a file (the readiness probe below makes it complain).
        .stderr(std::fs::File::create(dir.join("sshd.log")).unwrap())
        .spawn()
        .unwrap();
    let end = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < end,
            "sshd did not start listening on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Sshd(child)
}

/// The `[sync] ssh` a person would write: the key is in a folder whose name holds a space, so
/// its path is quoted, and the command is split as a shell splits it.
fn ssh_command(dir: &Path, port: u16) -> String {
    let quoted = dir.parent().unwrap().join("client keys");
    std::fs::create_dir_all(&quoted).unwrap();
    std::fs::copy(dir.join("user_key"), quoted.join("user_key")).unwrap();
    format!(
        "ssh -p {port} -i '{}/user_key' -o BatchMode=yes -o StrictHostKeyChecking=no \
         -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR",
        quoted.display()
    )
}

fn list(sb: &Sandbox, data: &Path) -> Vec<String> {
    let o = sb
        .cmd_at(data, &["list", "--month", "2026-11"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let mut v: Vec<String> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.contains("2026-11-"))
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

#[test]
fn two_stores_sync_through_a_real_sshd_and_a_closed_port_fails_with_sshs_words() {
    let (Some(sshd), Some(_)) = (find("sshd"), find("ssh")) else {
        eprintln!(
            "SKIPPED two_stores_sync_through_a_real_sshd: sshd or ssh is not installed \
             (Debian: apt-get install openssh-server openssh-client; .ci/run does it)"
        );
        return;
    };
    let sb = Sandbox::new();
    let keys = sb.tmp.path().join("keys");
    std::fs::create_dir(&keys).unwrap();
    let port = free_port();
    let _server = start_sshd(&sshd, &keys, port);
    let a = sb.tmp.path().join("a");
    let b = sb.tmp.path().join("b");
    for (data, args) in [
        (&a, ["add", "12.50", "food!", "@Lidl", "2026-11-03"]),
        (&b, ["add", "950", "rent!", "@Landlord", "2026-11-01"]),
    ] {
        assert!(sb.cmd_at(data, &args).status().unwrap().success());
    }
    // What runs on the far side: this build, with the test's quiet settings (ssh does not
    // pass our environment along).
    let remote = format!(
        "env EXPENSE_LINGER_MINUTES=0 EXPENSE_BACKUP_EVERY_DAYS=0 {}",
        common::bin()
    );
    let peer = format!("127.0.0.1:{}", b.display());
    let o = sb
        .cmd_at(&a, &["sync", &peer])
        .env("EXPENSE_SSH", ssh_command(&keys, port))
        .env("EXPENSE_SYNC_REMOTE", &remote)
        .output()
        .unwrap();
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(o.status.success(), "stdout: {out}\nstderr: {err}");
    assert!(out.contains("1 received, 1 sent"), "{out}");
    assert_eq!(list(&sb, &a), list(&sb, &b));
    assert_eq!(list(&sb, &a).len(), 2);
    // A port nobody listens on: ssh's own words, a failure, nothing changed.
    let closed = free_port();
    let o = sb
        .cmd_at(&a, &["sync", &peer])
        .env("EXPENSE_SSH", ssh_command(&keys, closed))
        .env("EXPENSE_SYNC_REMOTE", &remote)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("Connection refused"), "{err}");
    assert_eq!(list(&sb, &a).len(), 2);
}
