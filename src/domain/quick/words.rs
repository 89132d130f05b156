//! The words of a one-line entry: a typed line split at blanks, quotes grouping words
//! (`@"Corner Shop"`, `"team lunch"`), or a shell's arguments taken as words. [`spans`] also says
//! where each word is in the line, so the TUI can complete the word under the cursor and write
//! a completion over that word only. Pure; the grammar that reads the words is `quick.rs`.

use super::{QuickError, QuickReason};
use std::ops::Range;

/// One word of the line; `quoted` words are notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The text without quotes.
    pub text: String,
    /// Written in quotes (or, from a shell, containing a space).
    pub quoted: bool,
}

/// A word of a typed line and where it is written: `range` is its bytes in the line, quotes
/// included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The bytes of the line the word was read from.
    pub range: Range<usize>,
    /// The word.
    pub word: Word,
}

/// Splits a typed line into words; double or single quotes group words (`@"Corner Shop"`).
pub fn split(line: &str) -> Result<Vec<Word>, QuickError> {
    let (spans, open) = scan(line);
    if open {
        // The unclosed word is the last one.
        let text = spans.last().map_or("", |s| s.word.text.as_str());
        return Err(QuickError::new(
            spans.len(),
            text,
            QuickReason::UnclosedQuote,
        ));
    }
    Ok(spans.into_iter().map(|s| s.word).collect())
}

/// The words of a line being typed, with their places: as [`split`] reads them, except that a
/// quote left open runs to the end of the line (the last word) instead of being refused.
pub fn spans(line: &str) -> Vec<Span> {
    scan(line).0
}

/// The words with their places, and whether the last one has a quote left open.
fn scan(line: &str) -> (Vec<Span>, bool) {
    let mut spans = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut quote: Option<char> = None;
    // Where the word being read starts, once it has a character (or a quote).
    let mut start: Option<usize> = None;
    for (at, c) in line.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                // A quote at the start of a word makes it a note; `@"Corner Shop"` stays a payee.
                quoted |= cur.is_empty();
                start.get_or_insert(at);
            }
            (None, c) if c.is_whitespace() => {
                if let Some(from) = start.take() {
                    spans.push(Span {
                        range: from..at,
                        word: Word {
                            text: std::mem::take(&mut cur),
                            quoted,
                        },
                    });
                }
                quoted = false;
            }
            (None, c) => {
                cur.push(c);
                start.get_or_insert(at);
            }
        }
    }
    if let Some(from) = start {
        spans.push(Span {
            range: from..line.len(),
            word: Word { text: cur, quoted },
        });
    }
    (spans, quote.is_some())
}

/// Words as a shell passes them: a word with a space in it was quoted, a note, unless it starts
/// with `@` (`@"Cafe Central"` or `"@Cafe Central"` reach us as `@Cafe Central`: a payee).
pub fn from_args(args: &[String]) -> Vec<Word> {
    args.iter()
        .map(|a| Word {
            text: a.clone(),
            quoted: a.contains(char::is_whitespace) && !a.starts_with('@'),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(line: &str) -> Vec<(&str, String, bool)> {
        spans(line)
            .into_iter()
            .map(|s| (&line[s.range], s.word.text, s.word.quoted))
            .collect()
    }

    #[test]
    fn spans_cover_each_word_as_written() {
        assert_eq!(
            shown("12.50  gro @\"Corner Shop\" \"a note\" ''"),
            vec![
                ("12.50", "12.50".to_string(), false),
                ("gro", "gro".to_string(), false),
                ("@\"Corner Shop\"", "@Corner Shop".to_string(), false),
                ("\"a note\"", "a note".to_string(), true),
                ("''", String::new(), true),
            ]
        );
        // A quote left open: the last word runs to the end, and split refuses the line.
        assert_eq!(
            shown("12 @\"Corner Sh"),
            vec![
                ("12", "12".to_string(), false),
                ("@\"Corner Sh", "@Corner Sh".to_string(), false),
            ]
        );
        let err = split("12 @\"Corner Sh").unwrap_err();
        assert_eq!((err.word, err.text.as_str()), (2, "@Corner Sh"));
        assert_eq!(split("12 \"").unwrap_err().word, 2);
        // Multi-byte text keeps byte ranges on character boundaries.
        assert_eq!(shown("€5 café")[1].0, "café");
    }
}
