//! Nouns of replication that are not the store's: how a person names a peer (`expense sync
//! PEER`, `[sync] peers`), and the words a remote shell receives.

use std::path::PathBuf;

/// Where a peer's store is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// A data folder on this machine (`/mnt/usb/expense`, `./other`): reached by running this
    /// program on it, no ssh.
    Local(PathBuf),
    /// A host reached with ssh, and the data folder there (its default when `None`).
    Ssh {
        /// `host` or `user@host`, as ssh takes it.
        dest: String,
        /// The `--data-dir` on the host.
        dir: Option<String>,
    },
}

/// A peer as named in config or on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// The name before `=` in `[sync] peers` (`laptop=me@laptop.local`).
    pub name: Option<String>,
    /// Where it is.
    pub address: Address,
    /// The address as written (without the name).
    pub text: String,
}

/// Reads `NAME=ADDRESS` or `ADDRESS`, where ADDRESS is `host`, `user@host`, `host:DATA_DIR`
/// or a local path (starting with `/`, `.` or `~`). A host may not start with `-` (ssh would
/// read it as an option) nor hold spaces or control characters.
pub fn parse_peer(s: &str) -> Result<Peer, String> {
    let shown = || super::text::inert(s);
    let s = s.trim();
    let (name, addr) = match s.split_once('=') {
        Some((n, a))
            if n.starts_with(|c: char| c.is_ascii_alphanumeric())
                && n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            (Some(n.to_string()), a.trim())
        }
        _ => (None, s),
    };
    if addr.is_empty() {
        return Err(format!("'{}' names no peer", shown()));
    }
    if addr.chars().any(|c| c.is_control()) {
        return Err(format!("'{}' holds a control character", shown()));
    }
    let address = if addr.starts_with(['/', '.', '~']) {
        Address::Local(expand_home(addr))
    } else {
        let (dest, dir) = match addr.split_once(':') {
            Some((h, d)) => (h, Some(d.to_string()).filter(|d| !d.is_empty())),
            None => (addr, None),
        };
        if dest.is_empty() || dest.starts_with('-') || dest.contains(char::is_whitespace) {
            return Err(format!(
                "'{}' is not a peer: use host, user@host, host:DATA_DIR or a local /path",
                shown()
            ));
        }
        Address::Ssh {
            dest: dest.to_string(),
            dir,
        }
    };
    Ok(Peer {
        name,
        address,
        text: addr.to_string(),
    })
}

fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(p),
    }
}

/// `s` as one word for a POSIX shell (ssh hands the remote command to the user's shell): as it
/// is when every byte is one no shell treats specially, else in single quotes. (Not
/// `shell_words::quote`, which leaves `{a,b}` bare for bash's brace expansion.)
pub fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+:@%,=".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The words of the command that reaches a host (`[sync] ssh`, `EXPENSE_SSH`), split as a
/// POSIX shell splits them: `ssh -i '/keys/my key'` is three words. An empty command or an
/// unclosed quote is refused, saying which.
pub fn ssh_words(command: &str) -> Result<Vec<String>, String> {
    let words = shell_words::split(command)
        .map_err(|_| format!("'{command}' has a quote that is not closed"))?;
    if words.is_empty() {
        return Err("empty (default: ssh)".into());
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_are_read_as_a_person_writes_them() {
        let p = parse_peer("laptop=me@laptop.local:/data/exp").unwrap();
        assert_eq!(p.name.as_deref(), Some("laptop"));
        assert_eq!(
            p.address,
            Address::Ssh {
                dest: "me@laptop.local".into(),
                dir: Some("/data/exp".into())
            }
        );
        assert_eq!(
            parse_peer("server").unwrap().address,
            Address::Ssh {
                dest: "server".into(),
                dir: None
            }
        );
        assert_eq!(
            parse_peer("/mnt/usb/exp").unwrap().address,
            Address::Local("/mnt/usb/exp".into())
        );
        for bad in ["-oProxyCommand=x", "", "a b", "x\u{1b}[2J", "name="] {
            assert!(parse_peer(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn words_reach_the_remote_shell_whole() {
        assert_eq!(shell_word("/data/exp"), "/data/exp");
        assert_eq!(shell_word("my data"), "'my data'");
        assert_eq!(shell_word("it's; rm -rf ~"), "'it'\\''s; rm -rf ~'");
        assert_eq!(shell_word(""), "''");
        for hostile in [
            "a b",
            "it's",
            "$(rm -rf ~)",
            "`x`",
            "a\nb",
            "\\",
            "\"q\"",
            "~",
            "{a,b}",
            "!x",
            "^y",
            "*",
        ] {
            let quoted = shell_word(hostile);
            assert!(quoted.starts_with('\''), "{quoted}");
            assert_eq!(shell_words::split(&quoted).unwrap(), [hostile], "{quoted}");
        }
    }

    #[test]
    fn the_ssh_command_splits_as_a_shell_splits_it() {
        assert_eq!(ssh_words("ssh").unwrap(), ["ssh"]);
        assert_eq!(
            ssh_words("ssh -p 2222 -i '/keys/my key'").unwrap(),
            ["ssh", "-p", "2222", "-i", "/keys/my key"]
        );
        assert_eq!(
            ssh_words(r#"ssh -o "ProxyJump=a b""#).unwrap(),
            ["ssh", "-o", "ProxyJump=a b"]
        );
        assert!(ssh_words("  ").unwrap_err().contains("empty"));
        assert!(ssh_words("ssh -i 'open")
            .unwrap_err()
            .contains("not closed"));
    }
}
