//! Issue 12 item 4: a client trusts only its own user's server. The data folder must be the
//! user's alone (no other owner, no group or other write), the session socket must be the
//! user's own socket, and the process answering on it must run as the user, all checked before
//! anything is sent. The tests that need a second user run as root (uid 65534, `nobody`) and
//! say why they are skipped otherwise.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn run(data: &Path, config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_expense"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("EXPENSE_CONFIG_DIR", config)
        .env("EXPENSE_BACKUP_EVERY_DAYS", "0")
        // The store closes when each command ends (tests/linger.rs keeps it open).
        .env("EXPENSE_LINGER_MINUTES", "0")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

const NOBODY: u32 = 65534;

#[test]
fn a_data_folder_others_may_write_is_refused_and_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = run(&data, &tmp.path().join("c"), &["add", "5", "food!"]);
    assert!(!out.status.success());
    let e = stderr(&out);
    assert!(
        e.contains("other users may write in the data folder (mode 0777)")
            && e.contains("chmod 700"),
        "{e}"
    );
    assert_eq!(
        std::fs::read_dir(&data).unwrap().count(),
        0,
        "nothing created"
    );
    // Fixed as the message says, it works.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert!(run(&data, &tmp.path().join("c"), &["add", "5", "food!"])
        .status
        .success());
}

#[test]
fn a_data_folder_of_another_user_is_refused() {
    if !is_root() {
        eprintln!("socket_trust: SKIPPED: needs root to give a folder to another user");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::os::unix::fs::chown(&data, Some(NOBODY), Some(NOBODY)).unwrap();
    let out = run(&data, &tmp.path().join("c"), &["add", "5", "food!"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("belongs to user id 65534, not to you"),
        "{}",
        stderr(&out)
    );
}

/// Another user's process answering on the store's socket (moved there by root, as a socket
/// file of the right owner) gets nothing: the client checks the peer's uid first.
#[test]
fn a_session_socket_answered_by_another_user_gets_nothing() {
    if !is_root() {
        eprintln!("socket_trust: SKIPPED: needs root to run a listener as another user");
        return;
    }
    let python = ["python3", "/usr/bin/python3"]
        .into_iter()
        .find(|p| Command::new(p).arg("-V").output().is_ok());
    let Some(python) = python else {
        eprintln!("socket_trust: SKIPPED: no python3 to run the foreign listener");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let config = tmp.path().join("c");
    assert!(run(&data, &config, &["add", "5", "food!"]).status.success());
    // A folder the other user may write, outside the data folder, for its socket.
    let public = tmp.path().join("public");
    std::fs::create_dir(&public).unwrap();
    std::fs::set_permissions(&public, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let theirs = public.join("evil.sock");
    let got = public.join("got");
    let script = format!(
        "import socket,os\n\
         s=socket.socket(socket.AF_UNIX)\ns.bind({sock:?})\ns.listen(1)\n\
         open({ready:?},'w').close()\n\
         c,_=s.accept()\nd=c.recv(65536)\nopen({got:?},'wb').write(d)\n",
        sock = theirs.to_str().unwrap(),
        ready = public.join("ready").to_str().unwrap(),
        got = got.to_str().unwrap(),
    );
    let mut child = {
        use std::os::unix::process::CommandExt;
        Command::new(python)
            .arg("-c")
            .arg(script)
            .uid(NOBODY)
            .gid(NOBODY)
            .spawn()
            .unwrap()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !public.join("ready").exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "listener did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let ours = tmp.path().join("data/store.sock");
    std::fs::rename(&theirs, &ours).unwrap();
    std::os::unix::fs::chown(&ours, Some(0), Some(0)).unwrap();
    let out = run(&data, &config, &["add", "7", "food", "@Secret"]);
    let _ = child.kill();
    let _ = child.wait();
    assert!(!out.status.success(), "the add went through");
    assert!(
        stderr(&out).contains("runs as user id 65534, not as you"),
        "{}",
        stderr(&out)
    );
    let sent = std::fs::read(&got).unwrap_or_default();
    assert!(
        sent.is_empty(),
        "the foreign listener received {} bytes",
        sent.len()
    );
}

/// A data folder whose path is longer than a socket address may be still gets its session: a
/// command sent while another process holds the store is served, not left waiting.
#[test]
fn a_long_data_folder_path_still_has_a_session() {
    let tmp = tempfile::tempdir().unwrap();
    let mut data = tmp.path().to_path_buf();
    for _ in 0..6 {
        data.push("a-folder-name-of-twenty");
    }
    assert!(data.join("store.sock").as_os_str().len() > 108);
    let config = tmp.path().join("c");
    assert!(run(&data, &config, &["add", "5", "food!"]).status.success());
    let mut follow = Command::new(env!("CARGO_BIN_EXE_expense"))
        .arg("--data-dir")
        .arg(&data)
        .args(["stream", "--follow", "--since", "latest"])
        .env("EXPENSE_CONFIG_DIR", &config)
        .env("EXPENSE_BACKUP_EVERY_DAYS", "0")
        // The store closes when each command ends (tests/linger.rs keeps it open).
        .env("EXPENSE_LINGER_MINUTES", "0")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let sock = data.join("store.sock");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !sock.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "no socket for a long path"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = run(&data, &config, &["add", "7", "food", "@Long"]);
    // The holder was there all along, so the add was served through the session (without it
    // the add waits for the store and fails).
    let holder_alive = follow.try_wait().unwrap().is_none();
    let _ = follow.kill();
    let _ = follow.wait();
    assert!(holder_alive, "the holder quit");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&run(&data, &config, &["list", "--json"]).stdout).contains("Long")
    );
}
