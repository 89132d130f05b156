//! Styles by meaning, not by widget. Every theme uses only the 16 basic colours (readable on
//! any terminal): `DEFAULT` for a dark background, `LIGHT` for a light one (no yellow text, no
//! dark grey), `HIGH_CONTRAST` bold bright colours with an explicit selection pair and no dimmed
//! text; `MONO` uses only bold/reverse/underline for NO_COLOR and monochrome terminals.

use ratatui::style::{Color, Modifier, Style};

/// What a piece of text means; the theme maps each to a style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// Normal text.
    Text,
    /// Titles (month name).
    Title,
    /// Money going out.
    Expense,
    /// Money coming in.
    Income,
    /// Less important text (hints, dates).
    Muted,
    /// The selected row.
    Selected,
    /// Errors and validation messages.
    Error,
    /// Confirmations.
    Success,
    /// Key names in hints and help.
    Key,
    /// The focused form field.
    Focus,
    /// Popup borders.
    Border,
    /// 80 % or more of a budget used.
    Warning,
    /// Over budget (also shown by a `!` so it reads without colour).
    Over,
}

/// A style for each meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    styles: [Style; 13],
}

const fn fg(c: Color) -> Style {
    Style::new().fg(c)
}

impl Theme {
    /// Colours by meaning, 16-colour safe.
    pub const DEFAULT: Theme = Theme {
        styles: [
            Style::new(),
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            fg(Color::Reset),
            fg(Color::Green),
            fg(Color::DarkGray),
            Style::new().add_modifier(Modifier::REVERSED),
            fg(Color::Red),
            fg(Color::Green),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Style::new().fg(Color::Yellow),
            fg(Color::Cyan),
            fg(Color::Yellow),
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ],
    };

    /// No colours at all.
    pub const MONO: Theme = Theme {
        styles: [
            Style::new(),
            Style::new().add_modifier(Modifier::BOLD),
            Style::new(),
            Style::new().add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::DIM),
            Style::new().add_modifier(Modifier::REVERSED),
            Style::new().add_modifier(Modifier::BOLD),
            Style::new(),
            Style::new().add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::UNDERLINED),
            Style::new(),
            Style::new().add_modifier(Modifier::UNDERLINED),
            Style::new().add_modifier(Modifier::BOLD.union(Modifier::REVERSED)),
        ],
    };

    /// Colours by meaning for a light background: blue and magenta where the dark theme has
    /// cyan and yellow, plain text where it dims.
    pub const LIGHT: Theme = Theme {
        styles: [
            Style::new(),
            Style::new().fg(Color::Blue).add_modifier(Modifier::BOLD),
            fg(Color::Reset),
            fg(Color::Green),
            fg(Color::Blue),
            Style::new().add_modifier(Modifier::REVERSED),
            fg(Color::Red),
            fg(Color::Green),
            Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
            Style::new().fg(Color::Magenta),
            fg(Color::Blue),
            Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ],
    };

    /// Bright colours, bold where it carries meaning, never dimmed; the selection is black on
    /// bright yellow whatever the terminal's own colours, and over budget white on red.
    pub const HIGH_CONTRAST: Theme = Theme {
        styles: [
            Style::new(),
            Style::new()
                .fg(Color::LightCyan)
                .add_modifier(Modifier::BOLD.union(Modifier::UNDERLINED)),
            Style::new().add_modifier(Modifier::BOLD),
            Style::new()
                .fg(Color::LightGreen)
                .add_modifier(Modifier::BOLD),
            Style::new(),
            Style::new()
                .fg(Color::Black)
                .bg(Color::LightYellow)
                .add_modifier(Modifier::BOLD),
            Style::new()
                .fg(Color::LightRed)
                .add_modifier(Modifier::BOLD),
            Style::new()
                .fg(Color::LightGreen)
                .add_modifier(Modifier::BOLD),
            Style::new()
                .fg(Color::LightYellow)
                .add_modifier(Modifier::BOLD),
            Style::new()
                .fg(Color::LightCyan)
                .add_modifier(Modifier::UNDERLINED),
            fg(Color::White),
            Style::new()
                .fg(Color::LightYellow)
                .add_modifier(Modifier::BOLD),
            Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
        ],
    };

    /// The style for `m`.
    pub fn style(&self, m: Meaning) -> Style {
        self.styles[m as usize]
    }
}
