//! User text is data: never terminal control, never a spreadsheet formula.
//!
//! Three rules, one place:
//! - **Input** ([`refused`], [`cleaned`]): stored text holds no C0/C1 control character (DEL
//!   included) and no bidi override or isolate (U+202A-U+202E, U+2066-U+2069). Typed text
//!   (`add`, `edit`, the form) that holds one is refused with a message naming the field; a tab
//!   or line break in a note becomes a space. Imported cells are [`cleaned`] instead (tab and
//!   line breaks become a space, the rest U+FFFD) and the import says how many cells changed.
//!   The store refuses such text as its last check, so no other path can write it.
//! - **Terminal output** ([`inert`], [`InertWriter`]): a store written before these rules may
//!   still hold such text, so whatever goes to a terminal shows it escaped (`^[`, `<U+202E>`).
//!   Files and pipes get the exact text.
//! - **Spreadsheets** ([`spreadsheet_safe`]): a CSV cell that a spreadsheet would run as a
//!   formula (starting with `=`, `+`, `-`, `@`, tab or CR: OWASP's list) gets a leading `'`,
//!   which a spreadsheet hides; [`spreadsheet_unescape`] takes it off again on import, so
//!   export -> import keeps every byte.

use std::borrow::Cow;
use std::io::{self, Write};

/// True for characters that would steer a terminal or reorder text: C0/C1 controls, DEL, and the
/// Unicode bidirectional overrides, isolates and marks.
pub fn is_unsafe(c: char) -> bool {
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

/// True for characters stored text never holds: C0/C1 controls, DEL, the bidi overrides
/// (U+202A-U+202E) and isolates (U+2066-U+2069). The bidi marks (U+200E, U+200F, U+061C) are
/// ordinary text in right-to-left writing and are kept (a terminal shows them escaped).
pub fn is_refused(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The first character of `s` that stored text never holds, if any.
pub fn refused(s: &str) -> Option<char> {
    s.chars().find(|&c| is_refused(c))
}

/// How a message names a refused character: `a control character (U+001B)` or
/// `a bidi control (U+202E)`.
pub fn describe(c: char) -> String {
    let what = if c.is_control() {
        "a control character"
    } else {
        "a bidi control"
    };
    format!("{what} (U+{:04X})", c as u32)
}

/// `s` as stored text: tab, CR and LF become a space, every other refused character U+FFFD (so
/// a reader sees that something was there). Borrows when nothing changes.
pub fn cleaned(s: &str) -> Cow<'_, str> {
    if refused(s).is_none() {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\t' | '\r' | '\n' => ' ',
                c if is_refused(c) => '\u{FFFD}',
                c => c,
            })
            .collect(),
    )
}

/// True when a spreadsheet would read `s` as a formula: it starts with `=`, `+`, `@`, tab or CR,
/// or with `-` and is not a plain decimal number (`-12.50` stays a number). A `'` before such
/// text counts too, so [`spreadsheet_unescape`] can always undo [`spreadsheet_safe`].
fn is_formula(s: &str) -> bool {
    match s.chars().next() {
        Some('=' | '+' | '@' | '\t' | '\r') => true,
        Some('-') => !is_plain_number(&s[1..]),
        Some('\'') => is_formula(&s[1..]),
        _ => false,
    }
}

/// Digits with at most one `.` or `,` among them (`12.50`, `3`), nothing else.
fn is_plain_number(s: &str) -> bool {
    let mut seps = 0;
    !s.is_empty()
        && s.chars().all(|c| match c {
            '0'..='9' => true,
            '.' | ',' => {
                seps += 1;
                seps == 1
            }
            _ => false,
        })
        && s.chars().any(|c| c.is_ascii_digit())
}

/// A CSV cell a spreadsheet shows as text: a `'` before anything it would run as a formula
/// (`=HYPERLINK(..)`, `+cmd|..`, `@SUM(..)`), OWASP's rule against CSV injection.
pub fn spreadsheet_safe(s: &str) -> Cow<'_, str> {
    if is_formula(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// The inverse of [`spreadsheet_safe`]: drops the `'` it adds, and nothing else.
pub fn spreadsheet_unescape(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if is_formula(rest) => rest,
        _ => s,
    }
}

/// A writer for a terminal: every byte it passes on is inert. Controls (CR and ESC included;
/// only newline and tab pass), bidi controls and invalid UTF-8 are escaped as [`inert`] does,
/// whatever command wrote them and however the bytes were split between writes. A process wraps
/// its stdout in one when stdout is a terminal; files and pipes get the bytes as they are.
pub struct InertWriter<W: Write> {
    inner: W,
    /// The start of a UTF-8 character whose end has not been written yet.
    pending: Vec<u8>,
}

impl<W: Write> InertWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> InertWriter<W> {
        InertWriter {
            inner,
            pending: Vec::new(),
        }
    }

    fn pass(&mut self, text: &str) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in text.char_indices() {
            if c != '\n' && c != '\t' && is_unsafe(c) {
                self.inner.write_all(&text.as_bytes()[start..i])?;
                let mut buf = [0u8; 4];
                let escaped = inert(c.encode_utf8(&mut buf)).into_owned();
                self.inner.write_all(escaped.as_bytes())?;
                start = i + c.len_utf8();
            }
        }
        self.inner.write_all(&text.as_bytes()[start..])
    }
}

impl<W: Write> Write for InertWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let bytes = std::mem::take(&mut self.pending);
        let mut rest = &bytes[..];
        loop {
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    self.pass(text)?;
                    break;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    self.pass(std::str::from_utf8(good).unwrap_or_default())?;
                    match e.error_len() {
                        // The end of the character is still to come.
                        None => {
                            self.pending = bad.to_vec();
                            break;
                        }
                        Some(n) => {
                            for b in &bad[..n] {
                                write!(self.inner, "\\x{b:02X}")?;
                            }
                            rest = &bad[n..];
                        }
                    }
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> Drop for InertWriter<W> {
    fn drop(&mut self) {
        // A character cut short at the very end: shown as its bytes.
        for b in std::mem::take(&mut self.pending) {
            let _ = write!(self.inner, "\\x{b:02X}");
        }
        let _ = self.inner.flush();
    }
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
    use super::{
        cleaned, describe, inert, refused, shown, spreadsheet_safe, spreadsheet_unescape,
        InertWriter,
    };
    use std::io::Write;

    #[test]
    fn input_cleaner_refuses_and_replaces() {
        assert_eq!(
            refused("Lidl café \u{200F}שלום"),
            None,
            "bidi marks are text"
        );
        assert_eq!(refused("a\u{1b}]0;pwned\u{7}"), Some('\u{1b}'));
        assert_eq!(refused("nul\0"), Some('\0'));
        assert_eq!(refused("x\u{202E}y"), Some('\u{202E}'));
        assert_eq!(refused("x\u{2069}"), Some('\u{2069}'));
        assert_eq!(refused("c1\u{85}"), Some('\u{85}'));
        assert_eq!(refused("del\u{7f}"), Some('\u{7f}'));
        assert_eq!(cleaned("plain"), "plain");
        assert_eq!(cleaned("a\tb\r\nc"), "a b  c");
        assert_eq!(cleaned("\u{1b}]0;pwned\u{7}"), "\u{FFFD}]0;pwned\u{FFFD}");
        assert_eq!(cleaned("x\u{202E}y\0"), "x\u{FFFD}y\u{FFFD}");
        assert_eq!(describe('\u{1b}'), "a control character (U+001B)");
        assert_eq!(describe('\u{202E}'), "a bidi control (U+202E)");
    }

    #[test]
    fn formulas_get_a_quote_and_lose_it_again() {
        for (raw, safe) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
            ("-2+3+cmd|x", "'-2+3+cmd|x"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'=x", "''=x"),
            ("''@x", "'''@x"),
            ("-", "'-"),
            ("-inf", "'-inf"),
            ("-1e5", "'-1e5"),
            ("-12.50", "-12.50"),
            ("-3", "-3"),
            ("Lidl", "Lidl"),
            ("'quoted", "'quoted"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(spreadsheet_safe(raw), safe, "{raw:?}");
            assert_eq!(spreadsheet_unescape(safe), raw, "{safe:?}");
        }
    }

    #[test]
    fn inert_writer_escapes_across_split_writes() {
        let mut out = Vec::new();
        {
            let mut w = InertWriter::new(&mut out);
            let text = "a\u{1b}]0;pwned\u{7}b\tc\r\n\u{9b}x \u{202E}é\n".as_bytes();
            // Byte by byte: every multi-byte character arrives in pieces.
            for b in text {
                w.write_all(&[*b]).unwrap();
            }
            w.write_all(b"bad\xFFend\xC3").unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a^[]0;pwned^Gb\tc^M\n<U+009B>x <U+202E>é\nbad\\xFFend\\xC3"
        );
    }

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
