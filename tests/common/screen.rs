//! Drawing a `State` for the screen tests: into a `TestBackend` with the built-in keymap's help
//! and hints, in a theme; and a screen's colours as reviewable text for theme snapshots (each
//! line of the screen, then the same line with one letter per cell naming its style, and a legend
//! of the letters). Included by the screen tests with `#[path = "common/screen.rs"] mod screen;`
//! (it needs nothing else from `common`).
#![allow(dead_code)]

use expense_tracker::app::State;
use expense_tracker::tui::keymap::Keymap;
use expense_tracker::ui::theme::Theme;
use expense_tracker::ui::{render, Chrome};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};
use ratatui::Terminal;

/// `state` drawn at `w`x`h` in the default theme with the built-in keymap.
pub fn draw(state: &State, w: u16, h: u16) -> Terminal<TestBackend> {
    draw_themed(
        &Keymap::load(None).expect("built-in keymap"),
        &Theme::DEFAULT,
        state,
        w,
        h,
    )
}

/// `state` drawn at `w`x`h` in `theme` with `keymap`'s help and hints (a user's patched keymap).
pub fn draw_themed(
    keymap: &Keymap,
    theme: &Theme,
    state: &State,
    w: u16,
    h: u16,
) -> Terminal<TestBackend> {
    let (help, hints) = (keymap.help(), keymap.hints());
    let chrome = Chrome {
        theme,
        help: &help,
        hints: &hints,
    };
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| render(state, &chrome, f)).unwrap();
    t
}

/// The text and style map of `buf` (see the module doc). Style letters are given in order of
/// first appearance, `.` for the terminal's own colours without modifiers.
pub fn style_map(buf: &Buffer) -> String {
    let mut legend: Vec<Style> = Vec::new();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let text: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        let mut marks = String::new();
        for x in 0..buf.area.width {
            let c = &buf[(x, y)];
            let s = Style::new().fg(c.fg).bg(c.bg).add_modifier(c.modifier);
            if c.fg == Color::Reset && c.bg == Color::Reset && c.modifier == Modifier::empty() {
                marks.push('.');
                continue;
            }
            let i = legend.iter().position(|l| *l == s).unwrap_or_else(|| {
                legend.push(s);
                legend.len() - 1
            });
            marks.push(char::from(b'a' + (i % 26) as u8));
        }
        out.push_str(&format!("{text}\n{marks}\n"));
    }
    out.push_str("legend:\n");
    for (i, s) in legend.iter().enumerate() {
        out.push_str(&format!(
            "  {} fg {:?} bg {:?} {:?}\n",
            char::from(b'a' + (i % 26) as u8),
            s.fg.unwrap_or(Color::Reset),
            s.bg.unwrap_or(Color::Reset),
            s.add_modifier
        ));
    }
    out
}

/// Panics when a cell of `buf` would be unreadable: its foreground the same colour as its
/// background (other than both the terminal's own), or dimmed text in a theme that says it
/// never dims.
pub fn assert_legible(buf: &Buffer, may_dim: bool, theme: &str) {
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let c = &buf[(x, y)];
            assert!(
                c.fg != c.bg || c.fg == Color::Reset,
                "{theme}: cell {x},{y} '{}' has fg = bg = {:?}",
                c.symbol(),
                c.fg
            );
            assert!(
                may_dim || !c.modifier.contains(Modifier::DIM),
                "{theme}: cell {x},{y} '{}' is dimmed",
                c.symbol()
            );
        }
    }
}
