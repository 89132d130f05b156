//! The state of the quick-entry line (`i`): the line, how it reads now, the completions of the
//! word under the cursor, and where ↑ is among the lines entered before. Plain data; the reducer
//! (`update/quick.rs`) changes it, `ui/quick.rs` draws it.

use std::ops::Range;
use tui_input::Input;

/// The one-line quick entry (`12.50 groceries @Lidl yesterday`).
#[derive(Debug, Clone, Default)]
pub struct QuickState {
    /// The typed line.
    pub input: Input,
    /// How the line is understood now, or why it cannot be saved; `None` while it is empty.
    pub preview: Option<Preview>,
    /// Names for the word under the cursor, best first (empty: no list shows).
    pub suggestions: Vec<String>,
    /// The highlighted one of `suggestions` (Tab takes it).
    pub suggestion: usize,
    /// The bytes of the line `suggestions` complete (the word under the cursor, its `@` or `#`
    /// included).
    pub word: Range<usize>,
    /// The earlier line shown, as an index into `State::quick_lines` (↑ walks back, ↓ forward);
    /// `None`: the line being typed.
    pub recall: Option<usize>,
    /// The line being typed when ↑ first walked back, given back by ↓ after the newest.
    pub typed: String,
}

/// How the line reads, shown under it as it is typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preview {
    /// Enter would add this: `12.50 EUR · food:groceries · @Lidl · Sat 21 Nov`.
    Understood(String),
    /// Enter would refuse the line, for this reason (the grammar's words).
    Refused(String),
}

impl QuickState {
    /// The highlighted completion, when a list shows.
    pub fn highlighted(&self) -> Option<&str> {
        self.suggestions.get(self.suggestion).map(String::as_str)
    }
}
