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

#[cfg(test)]
mod tests {
    use super::inert;

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
