//! User text is data, never terminal control: this makes any string inert for display.

use std::borrow::Cow;

/// True for characters that would steer a terminal or reorder text: C0/C1 controls, DEL, and the
/// Unicode bidirectional overrides and isolates.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}')
}

/// Returns `s` with every unsafe character replaced by a visible escape: C0 controls and DEL in
/// caret notation (`^[` for ESC, `^@` for NUL), others as `<U+202E>`. Borrows when nothing changes.
pub fn inert(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !is_unsafe(c) {
            out.push(c);
        } else if (c as u32) < 0x20 {
            out.push('^');
            out.push(char::from(b'@' + c as u8));
        } else if c == '\u{7f}' {
            out.push_str("^?");
        } else {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        }
    }
    Cow::Owned(out)
}

/// Longer quotes than this are cut in [`shown`].
const SHOWN_MAX: usize = 60;
/// How many characters of a cut quote [`shown`] keeps.
const SHOWN_KEEP: usize = 40;

/// `s` as an error message quotes it: [`inert`], and cut to its first 40 characters with its
/// length named when it is longer than 60, so a message never repeats a pasted megabyte.
pub fn shown(s: &str) -> Cow<'_, str> {
    let n = s.chars().count();
    if n <= SHOWN_MAX {
        return inert(s);
    }
    let head: String = s.chars().take(SHOWN_KEEP).collect();
    Cow::Owned(format!("{}… ({n} characters)", inert(&head)))
}

#[cfg(test)]
mod tests {
    use super::{inert, shown};

    #[test]
    fn shown_cuts_long_text_and_names_its_length() {
        assert_eq!(shown("12,3.4"), "12,3.4");
        let sixty = "x".repeat(60);
        assert_eq!(shown(&sixty), sixty);
        let long = format!("{}\u{1b}{}", "é".repeat(45), "y".repeat(100_000));
        let s = shown(&long);
        assert_eq!(s, format!("{}… (100046 characters)", "é".repeat(40)));
        assert_eq!(shown("a\u{1b}b"), "a^[b");
    }

    #[test]
    fn escapes_controls_and_bidi() {
        assert_eq!(inert("plain café"), "plain café");
        assert_eq!(inert("a\u{1b}[31mred"), "a^[[31mred");
        assert_eq!(inert("nul\0"), "nul^@");
        assert_eq!(inert("x\u{202E}y"), "x<U+202E>y");
        assert_eq!(inert("tab\there"), "tab^Ihere");
        assert_eq!(inert("c1\u{9b}"), "c1<U+009B>");
    }
}
