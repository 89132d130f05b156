//! The quick-entry line's reducer (`i`): the grammar of `expense add`, read again at every key
//! so the line shows how it is understood before Enter; the word under the cursor completed by
//! its role (`@payee`, `#tag`, the category word) from what the store knows; ↑ and ↓ through
//! the lines entered before in this session while no completion list shows.

use super::suggest::{candidates, Source};
use crate::app::action::{Action, Completions};
use crate::app::effect::Effect;
use crate::app::state::{Overlay, Preview, QuickState, State};
use crate::domain::money::format_grouped;
use crate::domain::quick::{parse, roles, spans, split, QuickContext, Role, Word};
use crate::domain::{Currency, Draft, Kind};
use chrono::{Datelike, NaiveDate};
use tui_input::Input;

/// How many completions the line lists.
pub const MAX_COMPLETIONS: usize = 5;

/// How many entered lines a session keeps for ↑.
const MAX_LINES: usize = 100;

/// What reading the line needs from the state besides the line.
struct Known<'a> {
    completions: &'a Completions,
    /// The names arrived at least once (none then: a new store).
    loaded: bool,
    today: NaiveDate,
    currency: Currency,
}

impl Known<'_> {
    /// The grammar's context: a category must be known (or marked new with `!`), as the TUI
    /// has no `--new-category`, except on a new store.
    fn context(&self) -> QuickContext<'_> {
        QuickContext {
            today: self.today,
            currency: self.currency,
            categories: &self.completions.categories,
            // On a new store (the names loaded, and none yet) the first categories are new, as
            // for `expense add`; before the names arrive nothing is taken as new.
            allow_new: self.loaded && self.completions.categories.is_empty(),
        }
    }
}

/// Opens an empty line, and asks for the names it completes from.
pub fn open(state: &mut State) -> Vec<Effect> {
    state.overlay = Some(Overlay::Quick(Box::default()));
    vec![Effect::LoadCompletions]
}

/// The names arrived (or changed): the line is read again against them, and an open list is
/// made again from them.
pub fn completions_loaded(state: &mut State) {
    let known = Known {
        completions: &state.completions,
        loaded: state.completions_loaded,
        today: state.today,
        currency: state.default_currency,
    };
    if let Some(Overlay::Quick(q)) = &mut state.overlay {
        q.preview = preview(q.input.value(), &known);
        if !q.suggestions.is_empty() {
            suggest(q, &known);
        }
    }
}

/// The line's reducer.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let known = Known {
        completions: &state.completions,
        loaded: state.completions_loaded,
        today: state.today,
        currency: state.default_currency,
    };
    let Some(Overlay::Quick(q)) = &mut state.overlay else {
        return Vec::new();
    };
    match action {
        Action::Input(req) => {
            q.input.handle(req);
            // An earlier line edited is the line being typed now.
            q.recall = None;
            q.preview = preview(q.input.value(), &known);
            suggest(q, &known);
        }
        Action::SuggestNext | Action::SuggestPrev => {
            let back = action == Action::SuggestPrev;
            let n = q.suggestions.len();
            if n == 0 {
                recall(q, &state.quick_lines, back);
                q.preview = preview(q.input.value(), &known);
            } else {
                q.suggestion = if back {
                    (q.suggestion + n - 1) % n
                } else {
                    (q.suggestion + 1) % n
                };
            }
        }
        Action::Complete => {
            accept(q);
            q.preview = preview(q.input.value(), &known);
        }
        Action::Submit => {
            let line = q.input.value().to_string();
            match split(&line).and_then(|words| parse(&words, &known.context())) {
                Ok(draft) => {
                    state.overlay = None;
                    remember(&mut state.quick_lines, line);
                    return vec![Effect::Put(draft)];
                }
                // The preview says it already, unless the line is empty.
                Err(e) => q.preview = Some(Preview::Refused(e.to_string())),
            }
        }
        // Esc closes the list first, as in the form; the next key typed opens it again.
        Action::Cancel if !q.suggestions.is_empty() => q.suggestions.clear(),
        Action::Cancel | Action::Quit => state.overlay = None,
        _ => {}
    }
    Vec::new()
}

/// Keeps `line` for ↑ (once when entered twice in a row; the oldest go past `MAX_LINES`).
fn remember(lines: &mut Vec<String>, line: String) {
    if lines.last() != Some(&line) {
        lines.push(line);
    }
    if lines.len() > MAX_LINES {
        lines.remove(0);
    }
}

/// ↑ (`back`) shows the line entered before the one shown; ↓ the one after it, and after the
/// newest the line that was being typed, as it was.
fn recall(q: &mut QuickState, lines: &[String], back: bool) {
    let next = match (q.recall, back) {
        (None, true) if !lines.is_empty() => {
            q.typed = q.input.value().to_string();
            Some(lines.len() - 1)
        }
        (None, _) => return,
        (Some(i), true) => Some(i.saturating_sub(1)),
        (Some(i), false) if i + 1 < lines.len() => Some(i + 1),
        (Some(_), false) => None,
    };
    let text = match next {
        Some(i) => lines.get(i).cloned().unwrap_or_default(),
        None => std::mem::take(&mut q.typed),
    };
    q.recall = next;
    q.input = Input::new(text);
}

/// How `line` reads: what Enter would add, or why it would refuse it; `None` for a blank line.
fn preview(line: &str, known: &Known) -> Option<Preview> {
    if line.trim().is_empty() {
        return None;
    }
    Some(
        match split(line).and_then(|words| parse(&words, &known.context())) {
            Ok(draft) => Preview::Understood(understood(&draft, known.today)),
            Err(e) => Preview::Refused(e.to_string()),
        },
    )
}

/// The draft in one line, the fields between ` · `: `12.50 EUR · food:groceries · @Lidl ·
/// Sat 21 Nov · #weekly · "note"` (the year only when it is not this year's).
pub fn understood(d: &Draft, today: NaiveDate) -> String {
    let sign = if d.kind == Kind::Income { "+" } else { "" };
    let mut parts = vec![
        format!(
            "{sign}{} {}",
            format_grouped(d.amount, d.currency),
            d.currency
        ),
        d.category.clone(),
    ];
    if !d.payee.is_empty() {
        parts.push(format!("@{}", d.payee));
    }
    let date = if d.date.year() == today.year() {
        d.date.format("%a %-d %b")
    } else {
        d.date.format("%a %-d %b %Y")
    };
    parts.push(date.to_string());
    if !d.tags.is_empty() {
        let tags: Vec<String> = d.tags.iter().map(|t| format!("#{t}")).collect();
        parts.push(tags.join(" "));
    }
    if !d.note.is_empty() {
        parts.push(format!("\"{}\"", d.note));
    }
    parts.join(" · ")
}

/// Lists the names for the word under the cursor, by the role the grammar gives it: payees
/// after `@`, tags after `#` (less those on the line), categories for the category word.
/// Numbers, dates, notes, a second category and a new one (`name!`) get none.
fn suggest(q: &mut QuickState, known: &Known) {
    q.suggestions.clear();
    q.suggestion = 0;
    let line = q.input.value();
    let at = line
        .char_indices()
        .nth(q.input.cursor())
        .map_or(line.len(), |(b, _)| b);
    let spans = spans(line);
    let Some(i) = spans
        .iter()
        .position(|s| s.range.start <= at && at <= s.range.end)
    else {
        return;
    };
    let words: Vec<Word> = spans.iter().map(|s| s.word.clone()).collect();
    let roles = roles(&words, known.today);
    let text = words[i].text.trim();
    let (source, query) = match roles[i] {
        Role::Payee => (Source::Payee, &text[1..]),
        Role::Tag => (Source::Tag, &text[1..]),
        Role::Category if !roles[..i].contains(&Role::Category) && !text.ends_with('!') => {
            (Source::Category, text)
        }
        _ => return,
    };
    let other_tags: Vec<&str> = words
        .iter()
        .zip(&roles)
        .enumerate()
        .filter(|(j, (_, r))| *j != i && **r == Role::Tag)
        .map(|(_, (w, _))| w.text.trim().trim_start_matches('#'))
        .collect();
    let sigil = text.chars().next().filter(|c| matches!(c, '@' | '#'));
    q.suggestions = candidates(
        known.completions,
        source,
        query,
        &other_tags,
        MAX_COMPLETIONS,
    );
    // A name with both kinds of quote cannot be written as one word.
    q.suggestions.retain(|n| write_name(sigil, n).is_some());
    q.word = spans[i].range.clone();
}

/// Writes the highlighted name over the word it completes, keeping the word's `@` or `#`; at
/// the end of the line a space follows, ready for the next word. The list closes.
fn accept(q: &mut QuickState) {
    let Some(choice) = q.highlighted().map(str::to_string) else {
        return;
    };
    let line = q.input.value();
    let Some(word) = line.get(q.word.clone()) else {
        return;
    };
    let sigil = word.chars().next().filter(|c| matches!(c, '@' | '#'));
    let Some(written) = write_name(sigil, &choice) else {
        return;
    };
    let (before, after) = (&line[..q.word.start], &line[q.word.end..]);
    let space = if after.is_empty() { " " } else { "" };
    let cursor = before.chars().count() + written.chars().count() + space.len();
    let text = format!("{before}{written}{space}{after}");
    q.input = Input::new(text).with_cursor(cursor);
    q.suggestions.clear();
    q.suggestion = 0;
}

/// A name as a word of the line: `@Lidl`, `#weekly`, `food:groceries`. A name with a blank or
/// a quote in it is quoted after its first character (`@"Corner Shop"`, `e"ating out"`), since
/// a word that starts with a quote is a note; `None` for a name with both kinds of quote.
fn write_name(sigil: Option<char>, name: &str) -> Option<String> {
    let sigil = sigil.map(String::from).unwrap_or_default();
    if !name.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
        return Some(format!("{sigil}{name}"));
    }
    let quote = match (name.contains('"'), name.contains('\'')) {
        (true, true) => return None,
        // Quoted after its first character, which must then be no quote.
        _ if sigil.is_empty() && name.starts_with(['"', '\'']) => return None,
        (true, false) => '\'',
        _ => '"',
    };
    Some(if sigil.is_empty() {
        let mut chars = name.chars();
        let first = chars.next().map(String::from).unwrap_or_default();
        format!("{first}{quote}{}{quote}", chars.as_str())
    } else {
        format!("{sigil}{quote}{name}{quote}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_blanks_stay_one_word_and_not_a_note() {
        let w = |sigil, name| write_name(sigil, name).unwrap_or_default();
        assert_eq!(w(Some('@'), "Lidl"), "@Lidl");
        assert_eq!(w(Some('@'), "Corner Shop"), "@\"Corner Shop\"");
        assert_eq!(w(Some('#'), "it's"), "#\"it's\"");
        assert_eq!(w(Some('@'), "The \"Bar\""), "@'The \"Bar\"'");
        assert_eq!(write_name(Some('@'), "Joe's \"Bar\""), None);
        // Each reads back as the name, in the role it was written for.
        for (sigil, name) in [
            (None, "eating out"),
            (Some('@'), "Corner Shop"),
            (Some('#'), "it's"),
            (Some('@'), "The \"Bar\""),
        ] {
            let words = split(&format!("12 {}", w(sigil, name))).unwrap();
            let prefix = sigil.map(String::from).unwrap_or_default();
            assert_eq!(words[1].text, format!("{prefix}{name}"));
            assert!(!words[1].quoted, "{name}: not a note");
        }
    }
}
