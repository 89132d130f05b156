//! Key strings and their labels: parsing `ctrl-d`, `G`, `pgdown`, `f1`, `space` into a [`Key`],
//! reading the `Key` of a crossterm event, and writing a key back for the help (`ctrl-r`) and
//! for a status line's hints (`^r`). Shift is folded into the character, so `G` is one key.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key with its modifiers, normalised (Shift is folded into the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    code: KeyCodeOrd,
    ctrl: bool,
    alt: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum KeyCodeOrd {
    Char(char),
    Named(u8),
    F(u8),
}

const NAMES: [(&str, KeyCode); 14] = [
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("pgup", KeyCode::PageUp),
    ("pgdown", KeyCode::PageDown),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
];

impl Key {
    /// Parses `ctrl-d`, `G`, `pgdown`, `f1`, `space`.
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut rest = s;
        let (mut ctrl, mut alt) = (false, false);
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-").filter(|r| !r.is_empty()) {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-").filter(|r| !r.is_empty()) {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCodeOrd::Char(c),
            _ if rest == "space" => KeyCodeOrd::Char(' '),
            _ => {
                if let Some(i) = NAMES.iter().position(|(n, _)| *n == rest) {
                    KeyCodeOrd::Named(i as u8)
                } else if let Some(n) = rest.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    KeyCodeOrd::F(n)
                } else {
                    return Err(format!("unknown key '{s}'"));
                }
            }
        };
        Ok(Key { code, ctrl, alt })
    }

    /// The key of a crossterm event, if it is one we can bind.
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let code = match ev.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(c),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            other => KeyCodeOrd::Named(NAMES.iter().position(|(_, k)| *k == other)? as u8),
        };
        Some(Key {
            code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        })
    }

    /// How the key is written in the help: `ctrl-r`, `alt-x`, `G`, `pgdown`.
    pub(super) fn label(&self) -> String {
        format!(
            "{}{}{}",
            if self.ctrl { "ctrl-" } else { "" },
            if self.alt { "alt-" } else { "" },
            self.base()
        )
    }

    /// How the key is written in a status line's hints: as in the help, but `^r` for ctrl-r.
    pub(super) fn hint_label(&self) -> String {
        format!(
            "{}{}{}",
            if self.ctrl { "^" } else { "" },
            if self.alt { "alt-" } else { "" },
            self.base()
        )
    }

    /// The key without its modifiers: `j`, `space`, `enter`, `f1`.
    fn base(&self) -> String {
        match self.code {
            KeyCodeOrd::Char(' ') => "space".to_string(),
            KeyCodeOrd::Char(c) => c.to_string(),
            KeyCodeOrd::Named(i) => NAMES[usize::from(i)].0.to_string(),
            KeyCodeOrd::F(n) => format!("f{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_write_back() {
        let k = Key::parse("ctrl-r").unwrap();
        assert_eq!((k.label(), k.hint_label()), ("ctrl-r".into(), "^r".into()));
        let space = Key::parse("space").unwrap();
        assert_eq!(
            (space.label(), space.hint_label()),
            ("space".into(), "space".into())
        );
        assert_eq!(Key::parse("alt-pgdown").unwrap().label(), "alt-pgdown");
        assert_eq!(Key::parse("f1").unwrap().label(), "f1");
        assert_eq!(Key::parse("ctrl--").unwrap().hint_label(), "^-");
        for bad in ["ctrl-", "nope", "f99x"] {
            assert_eq!(Key::parse(bad), Err(format!("unknown key '{bad}'")));
        }
        let ev = KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL);
        assert_eq!(Key::from_event(&ev), Some(k));
        let ev = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), Key::parse("G").ok());
    }
}
