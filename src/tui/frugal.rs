//! A ratatui backend that writes as few bytes per frame as it can, for the TUI over SSH on a
//! slow link. ratatui hands `draw` only the cells that changed; `CrosstermBackend` then prints
//! every one of them, so a row whose highlight moves away is rewritten space by space (~40
//! trailing spaces per row at 120 columns), and every frame ends with 19 bytes of colour resets
//! and a cursor hide, even a frame in which nothing changed.
//!
//! This backend writes the same screen with:
//! - erasing instead of printing blanks: a run of changed cells in one row that holds default
//!   blanks (a space, no colour, no modifier) is erased to the end of the line (EL, `CSI K`) when
//!   it reaches the row's end, or by count (ECH, `CSI n X`) otherwise, and only its other cells
//!   are printed, the cursor jumping over the blanks (`CSI n C`); it is done only where that is
//!   shorter than printing the run. The pen is reset before erasing, so no terminal fills the
//!   erased cells with a colour (background colour erase) or a reverse video highlight: a
//!   styled blank (the selected row's) is never erased, it is printed;
//! - the shortest cursor move (forward, back or absolute) and SGR changes that name only what
//!   changes, in one sequence, with the colours 0-15 written as ncurses writes them for
//!   xterm-256color (`30`-`37`, `90`-`97`; 256-colour indices and RGB as `38;5;n`, `38;2;r;g;b`);
//! - nothing at all for a frame with no changed cell: no reset, and no cursor hide, show or move
//!   that would leave the cursor where it is.
//!
//! Everything else (size, clearing, the cursor) is written with crossterm's commands, as
//! `CrosstermBackend` writes it.

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::crossterm::cursor::{Hide, MoveTo, Show};
use ratatui::crossterm::{execute, terminal};
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

/// A crossterm terminal behind `W`, drawn with as few bytes as it can (see the module doc).
pub struct Frugal<W: Write> {
    writer: W,
    /// The size when it is set here ([`Frugal::fixed`]); `None`: the terminal's.
    fixed: Option<Size>,
    /// Row width from the last `size()` (ratatui asks before every frame): a run that reaches
    /// it can be erased to the end of the line.
    width: std::cell::Cell<u16>,
    /// Where the terminal's cursor is, when known.
    at: Option<Position>,
    /// Whether the cursor is shown, when known.
    shown: Option<bool>,
    /// The bytes of the frame being drawn, and a second encoding of one run to compare with.
    out: Vec<u8>,
    alt: Vec<u8>,
}

impl<W: Write> Frugal<W> {
    /// Draws to `writer`, which is the terminal: its size is the terminal's.
    pub fn new(writer: W) -> Frugal<W> {
        Frugal {
            writer,
            fixed: None,
            width: std::cell::Cell::new(u16::MAX),
            at: None,
            shown: None,
            out: Vec::new(),
            alt: Vec::new(),
        }
    }

    /// Draws to `writer` as to a terminal of `size` (benches and tests write to a `Vec<u8>`,
    /// which has no size to ask).
    pub fn fixed(writer: W, size: Size) -> Frugal<W> {
        let mut f = Frugal::new(writer);
        f.set_size(size);
        f
    }

    /// Changes the size of a [`Frugal::fixed`] backend (as a terminal's window changes).
    pub fn set_size(&mut self, size: Size) {
        self.fixed = Some(size);
        self.width.set(size.width);
    }

    /// Where the bytes go.
    pub fn writer(&self) -> &W {
        &self.writer
    }

    /// Where the bytes go, to take them (a test's `Vec<u8>`).
    pub fn writer_mut(&mut self) -> &mut W {
        &mut self.writer
    }

    /// Forgets what this backend knows of the terminal (after it was cleared, or given to
    /// another program and taken back): the next moves and cursor changes are written.
    fn forget(&mut self) {
        self.at = None;
        self.shown = None;
    }
}

impl<W: Write> Backend for Frugal<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let cells: Vec<(u16, u16, &Cell)> = content.collect();
        if cells.is_empty() {
            return Ok(());
        }
        let width = self.width.get();
        let mut out = std::mem::take(&mut self.out);
        let mut alt = std::mem::take(&mut self.alt);
        out.clear();
        // Between frames the pen is the default: every frame that changed it ends with a reset.
        let mut pen = Pen::DEFAULT;
        let mut at = self.at;
        let mut rest = &cells[..];
        while !rest.is_empty() {
            let len = run_len(rest);
            let (run, tail) = rest.split_at(len);
            rest = tail;
            // Printed as it is, and (when it holds blanks) erased first: the shorter is kept.
            let start = out.len();
            let (print_pen, print_at) = print(run, pen, at, width, false, &mut out);
            if run.iter().any(|(_, _, c)| is_blank(c)) {
                alt.clear();
                let (erase_pen, erase_at) = erase(run, pen, at, width, &mut alt);
                if alt.len() < out.len() - start {
                    out.truncate(start);
                    out.extend_from_slice(&alt);
                    (pen, at) = (erase_pen, erase_at);
                    continue;
                }
            }
            (pen, at) = (print_pen, print_at);
        }
        if pen != Pen::DEFAULT {
            out.extend_from_slice(b"\x1b[0m");
        }
        self.at = at;
        let written = self.writer.write_all(&out);
        self.out = out;
        self.alt = alt;
        written
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.at = None;
        for _ in 0..n {
            self.writer.write_all(b"\n")?;
        }
        self.writer.flush()
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.shown == Some(false) {
            return Ok(());
        }
        self.shown = Some(false);
        execute!(self.writer, Hide)
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        if self.shown == Some(true) {
            return Ok(());
        }
        self.shown = Some(true);
        execute!(self.writer, Show)
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        let (x, y) = ratatui::crossterm::cursor::position()?;
        Ok(Position { x, y })
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let position = position.into();
        if self.at == Some(position) {
            return Ok(());
        }
        self.at = Some(position);
        execute!(self.writer, MoveTo(position.x, position.y))
    }

    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ClearType::All)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        use terminal::ClearType as Crossterm;
        self.forget();
        let clear = match clear_type {
            ClearType::All => Crossterm::All,
            ClearType::AfterCursor => Crossterm::FromCursorDown,
            ClearType::BeforeCursor => Crossterm::FromCursorUp,
            ClearType::CurrentLine => Crossterm::CurrentLine,
            ClearType::UntilNewLine => Crossterm::UntilNewLine,
        };
        execute!(self.writer, terminal::Clear(clear))
    }

    fn size(&self) -> io::Result<Size> {
        let size = match self.fixed {
            Some(size) => size,
            None => {
                let (width, height) = terminal::size()?;
                Size { width, height }
            }
        };
        self.width.set(size.width);
        Ok(size)
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        if let Some(size) = self.fixed {
            return Ok(WindowSize {
                columns_rows: size,
                pixels: Size::default(),
            });
        }
        let w = terminal::window_size()?;
        Ok(WindowSize {
            columns_rows: Size {
                width: w.columns,
                height: w.rows,
            },
            pixels: Size {
                width: w.width,
                height: w.height,
            },
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// Modifiers that show on a space (ratatui's diff names the same).
const VISIBLE_ON_BLANK: Modifier = Modifier::REVERSED
    .union(Modifier::UNDERLINED)
    .union(Modifier::SLOW_BLINK)
    .union(Modifier::RAPID_BLINK)
    .union(Modifier::CROSSED_OUT);

/// A cell that looks like what erasing leaves: a space with no background and nothing else
/// that shows on a space (a foreground colour, bold or italic do not).
fn is_blank(cell: &Cell) -> bool {
    cell.symbol() == " " && cell.bg == Color::Reset && !cell.modifier.intersects(VISIBLE_ON_BLANK)
}

/// Whether a space printed with `pen` looks like a default blank.
fn blank_with(pen: &Pen) -> bool {
    pen.bg == Color::Reset && !pen.modifier.intersects(VISIBLE_ON_BLANK)
}

/// Columns a printed symbol takes (at least one: ratatui gives every cell its column).
fn columns(cell: &Cell) -> u16 {
    cell.symbol().width().max(1) as u16
}

/// How many of `cells` form one run: one row, each cell starting where the one before ends.
fn run_len(cells: &[(u16, u16, &Cell)]) -> usize {
    let mut len = 1;
    while let Some(&(x, y, _)) = cells.get(len) {
        let (px, py, prev) = cells[len - 1];
        if y != py || u32::from(x) != u32::from(px) + u32::from(columns(prev)) {
            break;
        }
        len += 1;
    }
    len
}

/// Writes `run` cell by cell (skipping default blanks when `skip_blanks`: they were erased).
/// Returns the pen and the cursor position after it.
fn print(
    run: &[(u16, u16, &Cell)],
    mut pen: Pen,
    mut at: Option<Position>,
    width: u16,
    skip_blanks: bool,
    out: &mut Vec<u8>,
) -> (Pen, Option<Position>) {
    for &(x, y, cell) in run {
        if skip_blanks && is_blank(cell) {
            continue;
        }
        // Erased blanks up to here: a short gap is printed over with spaces when the pen
        // shows nothing on them, which is shorter than a cursor move.
        if let Some(from) = at.filter(|a| skip_blanks && a.y == y && a.x < x && x - a.x <= 3) {
            if blank_with(&pen) {
                out.extend(std::iter::repeat_n(b' ', usize::from(x - from.x)));
                at = Some(Position { x, y });
            }
        }
        move_to(at, Position { x, y }, out);
        let next = Pen::of(cell);
        pen.change_to(&next, out);
        pen = next;
        out.extend_from_slice(cell.symbol().as_bytes());
        // A symbol wider than one column, or one printed in the last column (the cursor waits
        // there to wrap), leaves the cursor where terminals disagree: move before the next one.
        let cols = columns(cell);
        at = (cols == 1 && x + 1 < width).then_some(Position { x: x + 1, y });
    }
    (pen, at)
}

/// Erases `run`'s columns with the default pen (to the end of the line when the run reaches
/// it), then prints the cells that are not default blanks.
fn erase(
    run: &[(u16, u16, &Cell)],
    mut pen: Pen,
    at: Option<Position>,
    width: u16,
    out: &mut Vec<u8>,
) -> (Pen, Option<Position>) {
    let (x, y, _) = run[0];
    let (lx, _, last) = run[run.len() - 1];
    let end = u32::from(lx) + u32::from(columns(last));
    let start = Position { x, y };
    move_to(at, start, out);
    pen.change_to(&Pen::DEFAULT, out);
    pen = Pen::DEFAULT;
    if end >= u32::from(width) {
        out.extend_from_slice(b"\x1b[K");
    } else {
        csi(end - u32::from(x), b'X', out);
    }
    print(run, pen, Some(start), width, true, out)
}

/// Moves the cursor from `from` (unknown: `None`) to `to` by the shortest sequence.
fn move_to(from: Option<Position>, to: Position, out: &mut Vec<u8>) {
    if from == Some(to) {
        return;
    }
    let mut absolute = Vec::with_capacity(10);
    absolute.extend_from_slice(b"\x1b[");
    push_number(u32::from(to.y) + 1, &mut absolute);
    if to.x > 0 {
        absolute.push(b';');
        push_number(u32::from(to.x) + 1, &mut absolute);
    }
    absolute.push(b'H');
    if let Some(from) = from.filter(|f| f.y == to.y) {
        let mut relative = Vec::with_capacity(8);
        if to.x > from.x {
            csi(u32::from(to.x - from.x), b'C', &mut relative);
        } else {
            csi(u32::from(from.x - to.x), b'D', &mut relative);
        }
        if relative.len() < absolute.len() {
            out.extend_from_slice(&relative);
            return;
        }
    }
    out.extend_from_slice(&absolute);
}

/// `CSI n <final>`, with `n` left out when it is 1 (the default of every sequence used here).
fn csi(n: u32, final_byte: u8, out: &mut Vec<u8>) {
    out.extend_from_slice(b"\x1b[");
    if n != 1 {
        push_number(n, out);
    }
    out.push(final_byte);
}

fn push_number(n: u32, out: &mut Vec<u8>) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// The graphic rendition a cell is printed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    underline: Color,
    modifier: Modifier,
}

impl Pen {
    const DEFAULT: Pen = Pen {
        fg: Color::Reset,
        bg: Color::Reset,
        underline: Color::Reset,
        modifier: Modifier::empty(),
    };

    fn of(cell: &Cell) -> Pen {
        Pen {
            fg: cell.fg,
            bg: cell.bg,
            underline: cell.underline_color,
            modifier: cell.modifier,
        }
    }

    /// Writes the SGR sequence that turns this pen into `to`: what changes only, or a reset and
    /// all of `to`, whichever is shorter.
    fn change_to(&self, to: &Pen, out: &mut Vec<u8>) {
        if self == to {
            return;
        }
        let mut changes = Vec::new();
        sgr_changes(self, to, &mut changes);
        let mut fresh = vec![0];
        sgr_changes(&Pen::DEFAULT, to, &mut fresh);
        let shorter = if length(&fresh) < length(&changes) {
            fresh
        } else {
            changes
        };
        out.extend_from_slice(b"\x1b[");
        for (i, p) in shorter.iter().enumerate() {
            if i > 0 {
                out.push(b';');
            }
            push_number(*p, out);
        }
        out.push(b'm');
    }
}

/// Bytes the parameters take, separators included.
fn length(params: &[u32]) -> usize {
    params
        .iter()
        .map(|&p| match p {
            0..=9 => 2,
            10..=99 => 3,
            _ => 4,
        })
        .sum()
}

/// SGR parameters that turn `from` into `to`.
fn sgr_changes(from: &Pen, to: &Pen, params: &mut Vec<u32>) {
    let gone = from.modifier - to.modifier;
    let mut add = to.modifier - from.modifier;
    // 22 ends bold and faint together, 25 both blinks: what stays is set again.
    if gone.intersects(Modifier::BOLD | Modifier::DIM) {
        params.push(22);
        add |= to.modifier & (Modifier::BOLD | Modifier::DIM);
    }
    if gone.intersects(Modifier::SLOW_BLINK | Modifier::RAPID_BLINK) {
        params.push(25);
        add |= to.modifier & (Modifier::SLOW_BLINK | Modifier::RAPID_BLINK);
    }
    for (m, off) in [
        (Modifier::ITALIC, 23),
        (Modifier::UNDERLINED, 24),
        (Modifier::REVERSED, 27),
        (Modifier::HIDDEN, 28),
        (Modifier::CROSSED_OUT, 29),
    ] {
        if gone.contains(m) {
            params.push(off);
        }
    }
    for (m, on) in [
        (Modifier::BOLD, 1),
        (Modifier::DIM, 2),
        (Modifier::ITALIC, 3),
        (Modifier::UNDERLINED, 4),
        (Modifier::SLOW_BLINK, 5),
        (Modifier::RAPID_BLINK, 6),
        (Modifier::REVERSED, 7),
        (Modifier::HIDDEN, 8),
        (Modifier::CROSSED_OUT, 9),
    ] {
        if add.contains(m) {
            params.push(on);
        }
    }
    if from.fg != to.fg {
        colour(to.fg, Layer::Fg, params);
    }
    if from.bg != to.bg {
        colour(to.bg, Layer::Bg, params);
    }
    if from.underline != to.underline {
        colour(to.underline, Layer::Underline, params);
    }
}

#[derive(Clone, Copy)]
enum Layer {
    Fg,
    Bg,
    Underline,
}

/// The parameters of one colour: `39`/`49`/`59` for the default, `30`-`37` and `90`-`97` (40s
/// and 100s for the background) for the 16 named colours, as ncurses' `setaf` for
/// xterm-256color writes them; `38;5;n` and `38;2;r;g;b` otherwise (the underline colour has
/// only those).
fn colour(c: Color, layer: Layer, params: &mut Vec<u32>) {
    let (reset, extended, base) = match layer {
        Layer::Fg => (39, 38, Some(30)),
        Layer::Bg => (49, 48, Some(40)),
        Layer::Underline => (59, 58, None),
    };
    let named = match c {
        Color::Reset => return params.push(reset),
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        Color::Indexed(i) => u32::from(i),
        Color::Rgb(r, g, b) => {
            return params.extend([extended, 2, u32::from(r), u32::from(g), u32::from(b)]);
        }
    };
    match base {
        Some(base) if named < 8 => params.push(base + named),
        Some(base) if named < 16 => params.push(base + 60 + named - 8),
        _ => params.extend([extended, 5, named]),
    }
}

#[cfg(test)]
mod tests;
