//! The frugal backend against a terminal emulator (vt100): whatever frames ratatui draws, the
//! screen the bytes produce is the frame, and it takes fewer bytes than `CrosstermBackend`.

use super::*;
use proptest::prelude::*;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::Terminal;

/// vt100's name for a colour as the frame holds it.
fn vt_colour(c: Color) -> vt100::Color {
    let named = |i| vt100::Color::Idx(i);
    match c {
        Color::Reset => vt100::Color::Default,
        Color::Black => named(0),
        Color::Red => named(1),
        Color::Green => named(2),
        Color::Yellow => named(3),
        Color::Blue => named(4),
        Color::Magenta => named(5),
        Color::Cyan => named(6),
        Color::Gray => named(7),
        Color::DarkGray => named(8),
        Color::LightRed => named(9),
        Color::LightGreen => named(10),
        Color::LightYellow => named(11),
        Color::LightBlue => named(12),
        Color::LightMagenta => named(13),
        Color::LightCyan => named(14),
        Color::White => named(15),
        Color::Indexed(i) => named(i),
        Color::Rgb(r, g, b) => vt100::Color::Rgb(r, g, b),
    }
}

/// Where the emulated screen differs from `frame` (text, colours, bold, italic, underline,
/// reverse: what vt100 keeps), with what it shows there; empty when it shows the frame.
fn differences(screen: &vt100::Screen, frame: &Buffer) -> Vec<((u16, u16), String)> {
    let mut diffs = Vec::new();
    for y in 0..frame.area.height {
        let mut covered = 0;
        for x in 0..frame.area.width {
            let want = &frame[(x, y)];
            if covered > 0 {
                // The second column of a wide symbol.
                covered -= 1;
                continue;
            }
            covered = columns(want) - 1;
            let Some(got) = screen.cell(y, x) else {
                diffs.push(((x, y), "off the screen".into()));
                continue;
            };
            let text = match got.contents() {
                t if t.is_empty() => " ".to_string(),
                t => t,
            };
            let seen = (
                text.as_str(),
                got.fgcolor(),
                got.bgcolor(),
                got.bold(),
                got.italic(),
                got.underline(),
                got.inverse(),
            );
            let m = want.modifier;
            // A blank shows no foreground, bold or italic (ratatui's diff leaves such a cell
            // to the terminal when a wide symbol before it goes).
            let blank = want.symbol() == " ";
            let meant = (
                want.symbol(),
                if blank {
                    got.fgcolor()
                } else {
                    vt_colour(want.fg)
                },
                vt_colour(want.bg),
                if blank {
                    got.bold()
                } else {
                    m.contains(Modifier::BOLD)
                },
                if blank {
                    got.italic()
                } else {
                    m.contains(Modifier::ITALIC)
                },
                m.contains(Modifier::UNDERLINED),
                m.contains(Modifier::REVERSED),
            );
            if seen != meant {
                diffs.push(((x, y), format!("shows {seen:?}, frame has {meant:?}")));
            }
        }
    }
    diffs
}

/// What drawing frames through a backend did: the bytes of each frame, and the cells the
/// emulated screen got wrong after each.
struct Replayed {
    sizes: Vec<usize>,
    wrong: Vec<Vec<((u16, u16), String)>>,
    bytes: Vec<Vec<u8>>,
}

impl Replayed {
    /// Panics naming the first frame that shows wrong.
    fn assert_right(&self) {
        for (i, wrong) in self.wrong.iter().enumerate() {
            assert!(
                wrong.is_empty(),
                "frame {i} ({:?}) shows wrong:\n{wrong:?}",
                String::from_utf8_lossy(&self.bytes[i]),
            );
        }
    }
}

/// Draws `frames` one after another through `backend` (with the cursor where each says), feeds
/// every frame's bytes to an emulator, and compares its screen with the frame after each (the
/// cursor is asserted here).
fn replay<B: Backend<Error = io::Error>>(
    backend: B,
    take: impl Fn(&mut B) -> Vec<u8>,
    frames: &[(Buffer, Option<Position>)],
) -> Replayed {
    let area = frames[0].0.area;
    let viewport = ratatui::TerminalOptions {
        viewport: ratatui::Viewport::Fixed(area),
    };
    let mut term = Terminal::with_options(backend, viewport).expect("terminal");
    let mut emulator = vt100::Parser::new(area.height, area.width, 0);
    let mut out = Replayed {
        sizes: Vec::new(),
        wrong: Vec::new(),
        bytes: Vec::new(),
    };
    for (i, (frame, cursor)) in frames.iter().enumerate() {
        term.draw(|f| {
            f.buffer_mut().clone_from(frame);
            if let Some(p) = cursor {
                f.set_cursor_position(*p);
            }
        })
        .expect("draw");
        let bytes = take(term.backend_mut());
        emulator.process(&bytes);
        let screen = emulator.screen();
        match cursor {
            Some(p) => {
                assert!(!screen.hide_cursor(), "frame {i}: the cursor is hidden");
                assert_eq!(screen.cursor_position(), (p.y, p.x), "frame {i}: cursor");
            }
            None => assert!(screen.hide_cursor(), "frame {i}: the cursor shows"),
        }
        out.sizes.push(bytes.len());
        out.wrong.push(differences(screen, frame));
        out.bytes.push(bytes);
    }
    out
}

fn frugal(frames: &[(Buffer, Option<Position>)]) -> Replayed {
    let area = frames[0].0.area;
    replay(
        Frugal::fixed(Vec::new(), area.as_size()),
        |b| std::mem::take(b.writer_mut()),
        frames,
    )
}

/// The same through ratatui's `CrosstermBackend`, which writes into itself (`Write`): what it
/// wrote is read back through a shared buffer.
fn crossterm(frames: &[(Buffer, Option<Position>)]) -> Replayed {
    let written = Shared::default();
    replay(
        ratatui::backend::CrosstermBackend::new(written.clone()),
        |_| std::mem::take(&mut *written.0.borrow_mut()),
        frames,
    )
}

/// A writer whose bytes can be taken from outside the backend that owns it.
#[derive(Clone, Default)]
struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A 120-column table of `rows` rows, text on the left half, row `selected` reversed across
/// the whole width as the ledger's highlight is.
fn table(rows: u16, selected: u16) -> Buffer {
    let mut buf = Buffer::empty(Rect::new(0, 0, 120, rows + 1));
    buf.set_string(
        0,
        0,
        "Date       Payee        Amount",
        Style::new().add_modifier(Modifier::BOLD),
    );
    for r in 0..rows {
        let y = r + 1;
        buf.set_string(0, y, "2026-12-07", Style::new().fg(Color::DarkGray));
        buf.set_string(11, y, format!("Payee {r}"), Style::new());
        buf.set_string(40, y, format!("{}.40 EUR", r + 3), Style::new());
    }
    buf.set_style(
        Rect::new(0, selected + 1, 120, 1),
        Style::new().add_modifier(Modifier::REVERSED),
    );
    buf
}

#[test]
fn a_moved_highlight_erases_blanks_instead_of_printing_them_and_takes_fewer_bytes() {
    let frames = [(table(5, 1), None), (table(5, 2), None)];
    let ours = frugal(&frames);
    ours.assert_right();
    let ours = ours.sizes;
    let theirs = crossterm(&frames);
    theirs.assert_right();
    let theirs = theirs.sizes;
    // The row that lost the highlight needs its text and an erase; the new one all of it.
    assert!(
        ours[1] < theirs[1] * 2 / 3,
        "{} bytes against crossterm's {}",
        ours[1],
        theirs[1]
    );
    assert!(ours[0] < theirs[0], "first frame: {ours:?} vs {theirs:?}");
}

#[test]
fn an_unchanged_frame_writes_nothing_even_with_the_cursor_shown() {
    let frame = table(5, 1);
    let at = Some(Position { x: 3, y: 2 });
    let drawn = frugal(&[(frame.clone(), at), (frame.clone(), at), (frame, None)]);
    drawn.assert_right();
    let sizes = drawn.sizes;
    assert!(sizes[0] > 0);
    assert_eq!(sizes[1], 0, "nothing changed, nothing written");
    assert_eq!(sizes[2], "\x1b[?25l".len(), "only the cursor hides");
}

#[test]
fn a_styled_blank_is_printed_not_erased() {
    let mut second = Buffer::empty(Rect::new(0, 0, 30, 2));
    second.set_string(0, 0, "a", Style::new());
    second.set_style(Rect::new(0, 1, 30, 1), Style::new().bg(Color::Blue));
    let mut first = Buffer::empty(Rect::new(0, 0, 30, 2));
    first.set_string(0, 1, "x".repeat(30), Style::new().fg(Color::Red));
    // Every cell's background is compared, the blue blanks included.
    frugal(&[(first, None), (second, None)]).assert_right();
}

#[test]
fn sgr_names_only_what_changes_or_resets_when_that_is_shorter() {
    let pen = |fg, modifier| Pen {
        fg,
        bg: Color::Reset,
        underline: Color::Reset,
        modifier,
    };
    let change = |from: Pen, to: Pen| {
        let mut out = Vec::new();
        from.change_to(&to, &mut out);
        String::from_utf8(out).expect("ascii")
    };
    let bold_dim = Modifier::BOLD | Modifier::DIM;
    assert_eq!(
        change(pen(Color::Red, bold_dim), pen(Color::Red, Modifier::DIM)),
        "\x1b[22;2m",
        "22 ends both: faint is set again"
    );
    assert_eq!(
        change(
            pen(Color::Reset, bold_dim),
            pen(Color::Reset, Modifier::DIM)
        ),
        "\x1b[0;2m",
        "a reset is shorter"
    );
    assert_eq!(
        change(
            pen(Color::Reset, Modifier::empty()),
            pen(Color::DarkGray, Modifier::REVERSED)
        ),
        "\x1b[7;90m"
    );
    assert_eq!(
        change(pen(Color::Indexed(200), Modifier::REVERSED), Pen::DEFAULT),
        "\x1b[0m"
    );
    assert_eq!(
        change(
            pen(Color::Red, Modifier::BOLD | Modifier::ITALIC),
            pen(Color::Red, Modifier::BOLD)
        ),
        "\x1b[23m"
    );
    let underlined = Pen {
        underline: Color::LightRed,
        ..pen(Color::Reset, Modifier::UNDERLINED)
    };
    assert_eq!(change(Pen::DEFAULT, underlined), "\x1b[4;58;5;9m");
    assert_eq!(
        change(
            pen(Color::Rgb(1, 2, 3), Modifier::empty()),
            pen(Color::Blue, Modifier::empty())
        ),
        "\x1b[34m"
    );
}

#[test]
fn cursor_moves_take_the_shortest_form() {
    let moved = |from: Option<(u16, u16)>, to: (u16, u16)| {
        let mut out = Vec::new();
        let p = |(x, y)| Position { x, y };
        move_to(from.map(p), p(to), &mut out);
        String::from_utf8(out).expect("ascii")
    };
    assert_eq!(moved(None, (0, 4)), "\x1b[5H");
    assert_eq!(moved(None, (9, 4)), "\x1b[5;10H");
    assert_eq!(moved(Some((3, 4)), (4, 4)), "\x1b[C");
    assert_eq!(moved(Some((3, 4)), (30, 4)), "\x1b[27C");
    assert_eq!(moved(Some((30, 4)), (28, 4)), "\x1b[2D");
    assert_eq!(moved(Some((3, 4)), (3, 4)), "");
    assert_eq!(moved(Some((3, 3)), (3, 4)), "\x1b[5;4H");
}

/// Text, wide symbols and blanks, written with one of a few styles.
fn write_op() -> impl Strategy<Value = (u16, u16, &'static str, usize)> {
    let texts = prop::sample::select(vec![
        "a", "bc", " ", "    ", "x  y", "あ", "aあb", "  z", "é",
    ]);
    (0u16..16, 0u16..4, texts, 0usize..STYLES.len())
}

const STYLES: [Style; 9] = [
    Style::reset(),
    Style::new(),
    Style::new().fg(Color::DarkGray),
    Style::new().fg(Color::Red).bg(Color::Blue),
    Style::new().add_modifier(Modifier::REVERSED),
    Style::new().add_modifier(Modifier::BOLD),
    Style::new().add_modifier(Modifier::ITALIC.union(Modifier::UNDERLINED)),
    Style::new().fg(Color::Indexed(200)).bg(Color::Rgb(1, 2, 3)),
    Style::new()
        .remove_modifier(Modifier::REVERSED)
        .add_modifier(Modifier::DIM),
];

/// A frame: writes on a blank 16x4 buffer, perhaps a highlighted row, perhaps a cursor.
fn frame() -> impl Strategy<Value = (Buffer, Option<Position>)> {
    (
        prop::collection::vec(write_op(), 0..12),
        prop::option::of(0u16..4),
        prop::option::of((0u16..16, 0u16..4)),
    )
        .prop_map(|(ops, highlight, cursor)| {
            let mut buf = Buffer::empty(Rect::new(0, 0, 16, 4));
            for (x, y, text, style) in ops {
                buf.set_string(x, y, text, STYLES[style]);
            }
            if let Some(y) = highlight {
                buf.set_style(Rect::new(0, y, 16, 1), STYLES[4]);
            }
            (buf, cursor.map(|(x, y)| Position { x, y }))
        })
}

proptest! {
    // `tests.rs` -> `tests.proptest-regressions` beside it (proptest's default for a file under
    // `src/` is a `proptest-regressions/` folder at the top of the repository).
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    })]

    /// The screen shows every frame, except where ratatui's diff leaves a cell to the terminal
    /// that paints it otherwise (a wide symbol overwritten by a narrow one with a background
    /// colour: the terminal blanks its second column with that colour, which the diff does not
    /// know), and there `CrosstermBackend` is wrong too. Never more bytes than it either.
    #[test]
    fn whatever_is_drawn_the_screen_shows_the_frame(
        frames in prop::collection::vec(frame(), 1..6)
    ) {
        let ours = frugal(&frames);
        let theirs = crossterm(&frames);
        for (i, (wrong, also)) in ours.wrong.iter().zip(&theirs.wrong).enumerate() {
            for (cell, what) in wrong {
                prop_assert!(
                    also.iter().any(|(c, _)| c == cell),
                    "frame {} ({:?}): {:?} {}, which crossterm gets right",
                    i, String::from_utf8_lossy(&ours.bytes[i]), cell, what
                );
            }
        }
        for (i, (n, m)) in ours.sizes.iter().zip(&theirs.sizes).enumerate() {
            prop_assert!(n <= m, "frame {}: {} bytes, crossterm {}", i, n, m);
        }
    }
}
