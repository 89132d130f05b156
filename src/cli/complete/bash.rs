//! The bash side of completion: clap_complete's bash adapter with the quoting bash needs, so
//! that a name bash would split or run (`@Café Central`, `H&M`) goes into the line as one word.
//!
//! clap_complete (4.6) hands bash each candidate as it is, and `complete -F` inserts a reply
//! without quoting it: `@Café Central` became two words and `H&M` ended the command. Bash's own
//! filename completion escapes such characters with backslashes; so do we, in the quoting the
//! word is being typed in (backslashes when unquoted; inside `"…"` or `'…'` only what those need,
//! bash closes the quote). For that the registration passes bash's view of the line
//! (`COMP_LINE`, `COMP_POINT` and the word readline replaces, `$2`) besides `COMP_WORDS`,
//! which bash splits also at its word-break characters (`food:gr` is `food`, `:`, `gr`;
//! `--category=fo` is `--category`, `=`, `fo`). From these the words are joined again as the
//! shell will parse them, quotes and backslashes taken off (so `@Café\ C` finds
//! `@Café Central`, `food:gr` finds `food:groceries`), and each reply is cut to what readline
//! replaces (`groceries` after the `food:` it keeps).
//!
//! Rule: everything about bash's quoting lives here; the completers in `complete.rs` see the
//! words as the command will get them and offer names as stored.

use clap_complete::env::EnvCompleter;
use std::ffi::OsString;
use std::io::Write;
use std::path::Path;

/// bash, for `COMPLETE=bash expense`.
#[derive(Debug, Clone, Copy)]
pub struct Bash;

/// `COMP_LINE`, as the registration passes it.
const LINE: &str = "_EXPENSE_COMP_LINE";
/// `COMP_POINT`: the cursor, in bytes of the line.
const POINT: &str = "_EXPENSE_COMP_POINT";
/// `$2` of the completion function: the text readline replaces with the reply.
const CUR: &str = "_EXPENSE_COMP_CUR";

/// clap_complete's registration (4.6) with the three variables above passed along, and
/// pathname expansion off while the replies are read into `COMPREPLY` (`\*` in a reply must
/// stay as it is, not match a file).
const SCRIPT: &str = r#"
_clap_complete_NAME() {
    local IFS=$'\013'
    local _CLAP_COMPLETE_INDEX=${COMP_CWORD}
    local _CLAP_COMPLETE_COMP_TYPE=${COMP_TYPE}
    if compopt +o nospace 2> /dev/null; then
        local _CLAP_COMPLETE_SPACE=false
    else
        local _CLAP_COMPLETE_SPACE=true
    fi
    local _clap_noglob=false
    [[ $- == *f* ]] && _clap_noglob=true
    set -f
    COMPREPLY=( $( \
        _CLAP_IFS="$IFS" \
        _CLAP_COMPLETE_INDEX="$_CLAP_COMPLETE_INDEX" \
        _CLAP_COMPLETE_COMP_TYPE="$_CLAP_COMPLETE_COMP_TYPE" \
        _CLAP_COMPLETE_SPACE="$_CLAP_COMPLETE_SPACE" \
        _EXPENSE_COMP_LINE="$COMP_LINE" \
        _EXPENSE_COMP_POINT="$COMP_POINT" \
        _EXPENSE_COMP_CUR="$2" \
        VAR="bash" \
        COMPLETER -- "${COMP_WORDS[@]}" \
    ) )
    local _clap_status=$?
    $_clap_noglob || set +f
    if [[ $_clap_status != 0 ]]; then
        unset COMPREPLY
    elif [[ $_CLAP_COMPLETE_SPACE == false ]] && [[ "${COMPREPLY-}" =~ [=/:]$ ]]; then
        compopt -o nospace
    fi
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -o nospace -o bashdefault -o nosort -F _clap_complete_NAME BIN
else
    complete -o nospace -o bashdefault -F _clap_complete_NAME BIN
fi
"#;

impl EnvCompleter for Bash {
    fn name(&self) -> &'static str {
        "bash"
    }

    fn is(&self, name: &str) -> bool {
        name == "bash"
    }

    fn write_registration(
        &self,
        var: &str,
        name: &str,
        bin: &str,
        completer: &str,
        buf: &mut dyn Write,
    ) -> std::io::Result<()> {
        let script = SCRIPT
            .replace("NAME", &name.replace('-', "_"))
            .replace("BIN", &single_quoted(bin))
            .replace("COMPLETER", &single_quoted(completer))
            .replace("VAR", var);
        writeln!(buf, "{script}")
    }

    fn write_complete(
        &self,
        cmd: &mut clap::Command,
        args: Vec<OsString>,
        current_dir: Option<&Path>,
        buf: &mut dyn Write,
    ) -> std::io::Result<()> {
        let var = |k: &str| std::env::var(k).ok();
        let index = var("_CLAP_COMPLETE_INDEX")
            .and_then(|i| i.parse().ok())
            .unwrap_or_default();
        let line = match (var(LINE), var(POINT).and_then(|p| p.parse::<usize>().ok())) {
            (Some(line), Some(point)) => Some(before(&line, point).to_string()),
            _ => None,
        };
        let typed = Typed::read(&args, index, line.as_deref(), var(CUR).as_deref());
        super::use_words(&typed.words);
        let words: Vec<OsString> = typed.words.iter().map(OsString::from).collect();
        let index = words.len().saturating_sub(1);
        let found = clap_complete::engine::complete(cmd, words, index, current_dir)?;
        let ifs = var("_CLAP_IFS").unwrap_or_else(|| "\n".into());
        for (i, c) in found.iter().enumerate() {
            if i > 0 {
                write!(buf, "{ifs}")?;
            }
            write!(buf, "{}", typed.reply(&c.get_value().to_string_lossy()))?;
        }
        Ok(())
    }
}

/// `text` in single quotes for a shell script.
fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// `line` up to the cursor at byte `point` (its end when past it; the character the cursor is
/// in is left out).
fn before(line: &str, point: usize) -> &str {
    let mut end = point.min(line.len());
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    &line[..end]
}

/// The quoting open at some point of a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    /// None: a special character needs a backslash.
    Bare,
    /// Inside `'…'`.
    Single,
    /// Inside `"…"`.
    Double,
}

/// `raw` (a word as typed, perhaps not finished) as the shell reads it, quotes and backslashes
/// taken off, and the quoting open at its end.
fn unquote(raw: &str) -> (String, Quote) {
    let mut out = String::with_capacity(raw.len());
    let mut quote = Quote::Bare;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Quote::Bare, '\\') => out.extend(chars.next().filter(|n| *n != '\n')),
            (Quote::Bare, '\'') => quote = Quote::Single,
            (Quote::Bare, '"') => quote = Quote::Double,
            (Quote::Single, '\'') | (Quote::Double, '"') => quote = Quote::Bare,
            (Quote::Double, '\\') => match chars.peek() {
                Some(&n) if "$`\"\\".contains(n) => {
                    out.push(n);
                    chars.next();
                }
                _ => out.push('\\'),
            },
            (_, c) => out.push(c),
        }
    }
    (out, quote)
}

/// Characters the shell would read as something else in an unquoted word: bash's filename
/// quoting set, less the word-break characters it escapes only for its own completion's sake
/// (`@`, `=`, `:` mean nothing more to the shell, and the words are joined again here).
const SPECIAL: &str = " \t\\\"'<>;|&()$`?*[!{";

/// `text` to insert in a word being typed in `quote`; `starts` when it begins the word
/// (where `#` starts a comment and `~` a home directory).
fn quoted(text: &str, quote: Quote, starts: bool) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    for (i, c) in text.chars().enumerate() {
        match quote {
            Quote::Bare => {
                if SPECIAL.contains(c) || (i == 0 && starts && "#~".contains(c)) {
                    out.push('\\');
                }
                out.push(c);
            }
            Quote::Double => {
                if "\"\\$`".contains(c) {
                    out.push('\\');
                }
                out.push(c);
            }
            Quote::Single if c == '\'' => out.push_str(r"'\''"),
            Quote::Single => out.push(c),
        }
    }
    out
}

/// The command line being completed, read as the shell will read it.
#[derive(Debug, PartialEq, Eq)]
struct Typed {
    /// The words up to the cursor, quotes and backslashes taken off; the last is the one being
    /// completed (cut at the cursor).
    words: Vec<String>,
    /// What readline keeps of that word (the text before `$2`), as the shell reads it.
    kept: String,
    /// The quoting a reply continues in.
    quote: Quote,
    /// True when a reply starts the word.
    starts: bool,
}

impl Typed {
    /// From bash's `COMP_WORDS` (`pieces`) and `COMP_CWORD` (`index`), the line up to the
    /// cursor and `$2` (`cur`). Without the line (an older registration script, still sourced
    /// in a running shell), the pieces are taken as the words and the last one as replaced
    /// whole.
    fn read(pieces: &[OsString], index: usize, line: Option<&str>, cur: Option<&str>) -> Typed {
        let joined = line.and_then(|l| join(pieces, index, l));
        let raw: Vec<String> = match joined {
            Some(words) => words,
            None => pieces
                .iter()
                .take(index.saturating_add(1))
                .map(|p| p.to_string_lossy().into_owned())
                .collect(),
        };
        let last = raw.last().map_or("", String::as_str);
        // Readline replaces `$2`, the end of the word; what comes before it stays.
        let kept_raw = cur
            .filter(|_| line.is_some())
            .and_then(|c| last.strip_suffix(c))
            .unwrap_or("");
        let (kept, quote) = unquote(kept_raw);
        Typed {
            words: raw.iter().map(|w| unquote(w).0).collect(),
            kept,
            quote,
            starts: kept_raw.is_empty(),
        }
    }

    /// A candidate as it goes into the line: the part readline replaces, quoted.
    fn reply(&self, candidate: &str) -> String {
        let rest = candidate.strip_prefix(&self.kept).unwrap_or(candidate);
        quoted(rest, self.quote, self.starts)
    }
}

/// The words of the command up to the cursor (the end of `line`), as typed: bash's pieces up to
/// `index`, joined where the line has no blank between them (bash split them at a word-break
/// character), the last cut at the cursor. `None` when the pieces are not in the line as bash
/// gives them.
fn join(pieces: &[OsString], index: usize, line: &str) -> Option<Vec<String>> {
    let pieces: Vec<&str> = pieces
        .get(..=index)?
        .iter()
        .map(|p| p.to_str())
        .collect::<Option<_>>()?;
    let current = pieces.last()?;
    // The cursor may stand inside the word: only the part before it counts.
    let typed = (0..=current.len())
        .rev()
        .filter(|&k| current.is_char_boundary(k))
        .map(|k| &current[..k])
        .find(|p| line.ends_with(p))?;
    let mut end = line.len() - typed.len();
    let mut words = vec![typed.to_string()];
    for piece in pieces[..pieces.len() - 1].iter().rev() {
        let here = &line[..end];
        let trimmed = here.trim_end_matches([' ', '\t', '\n']);
        let glued = trimmed.len() == here.len();
        end = trimmed.len().checked_sub(piece.len())?;
        if !trimmed.ends_with(piece) {
            return None;
        }
        match words.last_mut() {
            Some(w) if glued => w.insert_str(0, piece),
            _ => words.push(piece.to_string()),
        }
    }
    words.reverse();
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    /// What bash gives the function for `line` (the cursor at its end), as seen in bash 5.2:
    /// `COMP_WORDS`, `COMP_CWORD` and `$2`.
    fn typed(pieces: &[&str], line: &str, cur: &str) -> Typed {
        Typed::read(&os(pieces), pieces.len() - 1, Some(line), Some(cur))
    }

    #[test]
    fn words_are_joined_where_bash_split_them_and_read_as_the_shell_reads_them() {
        let t = typed(
            &["expense", "add", "3", "food", ":", "gr"],
            "expense add 3 food:gr",
            "gr",
        );
        assert_eq!(t.words, ["expense", "add", "3", "food:gr"]);
        assert_eq!(
            (t.kept.as_str(), t.quote, t.starts),
            ("food:", Quote::Bare, false)
        );
        assert_eq!(t.reply("food:groceries"), "groceries");

        // `@` splits too, but readline replaces the whole `@Café\ C`.
        let t = typed(
            &["expense", "add", "@", "Café\\ C"],
            "expense add @Café\\ C",
            "@Café\\ C",
        );
        assert_eq!(t.words, ["expense", "add", "@Café C"]);
        assert_eq!(t.reply("@Café Central"), "@Café\\ Central");
        assert_eq!(t.reply("@H&M (Mitte)"), "@H\\&M\\ \\(Mitte\\)");

        // Right after `--category=`: the piece is `=`, `$2` empty.
        let t = typed(
            &["expense", "list", "--category", "="],
            "expense list --category=",
            "",
        );
        assert_eq!(t.words, ["expense", "list", "--category="]);
        assert_eq!(t.reply("--category=eating out"), "eating\\ out");

        // A new word after a blank; a line with something before the command.
        let t = typed(&["expense", "add", ""], "x; expense add ", "");
        assert_eq!(t.words, ["expense", "add", ""]);
        assert_eq!(t.reply("#to do"), "\\#to\\ do", "# would start a comment");
    }

    #[test]
    fn inside_quotes_a_reply_escapes_only_what_the_quotes_need() {
        let t = typed(
            &["expense", "add", "--payee", "\"Caf"],
            "expense add --payee \"Caf",
            "Caf",
        );
        assert_eq!(t.words, ["expense", "add", "--payee", "Caf"]);
        assert_eq!(t.quote, Quote::Double);
        assert_eq!(t.reply("Café \"Central\" $1"), "Café \\\"Central\\\" \\$1");
        let t = typed(
            &["expense", "add", "--payee", "=", "'Caf"],
            "expense add --payee='Caf",
            "Caf",
        );
        assert_eq!(t.words, ["expense", "add", "--payee=Caf"]);
        assert_eq!(t.quote, Quote::Single);
        assert_eq!(t.reply("--payee=Caf's"), "Caf'\\''s");
    }

    #[test]
    fn the_cursor_inside_a_word_cuts_it_and_an_unknown_line_keeps_the_pieces() {
        let t = typed(&["expense", "add", "groceries"], "expense add gro", "gro");
        assert_eq!(t.words, ["expense", "add", "gro"]);
        // Pieces that are not in the line: taken as they are, the last replaced whole.
        let t = typed(&["expense", "add", "gr"], "something else", "gr");
        assert_eq!(t.words, ["expense", "add", "gr"]);
        assert_eq!(t.reply("green tea"), "green\\ tea");
        let t = Typed::read(&os(&["expense", "add", "@Caf"]), 2, None, None);
        assert_eq!((t.kept.as_str(), t.starts), ("", true));
        assert_eq!(t.reply("@Café Central"), "@Café\\ Central");
    }

    #[test]
    fn a_quoted_reply_reads_back_as_the_name() {
        for name in [
            "Café Central",
            "H&M",
            "a\\b",
            "it's \"x\" $HOME `id` *?[!{}",
            "#1 ~me",
        ] {
            for (quote, open, close) in [
                (Quote::Bare, "", ""),
                (Quote::Double, "\"", "\""),
                (Quote::Single, "'", "'"),
            ] {
                let word = format!("{open}{}{close}", quoted(name, quote, true));
                assert_eq!(unquote(&word), (name.to_string(), Quote::Bare), "{word}");
            }
        }
        assert_eq!(before("ab\u{e9}cd", 3), "ab");
        assert_eq!(before("abc", 10), "abc");
        assert_eq!(single_quoted("/a b/it's"), r"'/a b/it'\''s'");
    }
}
