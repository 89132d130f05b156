//! Bytes per frame: the whole app (keymap, reducer, an engine on a store of 2,000 demo
//! expenses, render) drawn as `tui::run` draws it, through the TUI's own backend
//! (`tui::frugal`) and its `Painter`, into a `Vec<u8>`. A terminal emulator (vt100) reads the
//! bytes, and after every step its screen must be what `ui::render` draws for the state (text,
//! colours, reverse video, the cursor), so fewer bytes never means a wrong screen.
//!
//! Bytes are not timings: they are asserted. `cargo test --test frame_bytes -- --nocapture`
//! prints the figures kept in benches/README.md ("Bytes per frame").

use chrono::NaiveDate;
use expense_tracker::app::{update, Action, Answer, Effect, State};
use expense_tracker::cli::demo;
use expense_tracker::config::Config;
use expense_tracker::domain::Currency;
use expense_tracker::engine::Engine;
use expense_tracker::store::{Origin, Store};
use expense_tracker::tui::frugal::Frugal;
use expense_tracker::tui::keymap::{Context, Keymap};
use expense_tracker::tui::paint::Painter;
use expense_tracker::ui::theme::Theme;
use expense_tracker::ui::{self, Chrome, HelpEntry};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Rect, Size};
use ratatui::style::{Color, Modifier};
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Write;
use std::rc::Rc;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).expect("valid date")
}

/// The app drawn into bytes, and the emulator that reads them.
struct App {
    state: State,
    keymap: Keymap,
    help: Vec<HelpEntry>,
    hints: ui::footer::Hints,
    engine: Engine,
    term: Terminal<Frugal<Vec<u8>>>,
    painter: Painter,
    queue: VecDeque<Action>,
    emulator: vt100::Parser,
    /// Whether the last step drew a frame.
    drew: bool,
    /// The bytes the last step wrote.
    last: Vec<u8>,
    /// The same app drawn as before issue 15: every turn, through ratatui's `CrosstermBackend`.
    before: Terminal<CrosstermBackend<Shared>>,
    /// What it writes, and how much it wrote in the last step.
    before_bytes: Shared,
    before_last: usize,
}

/// A writer whose bytes can be taken from outside the backend that owns it.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl App {
    /// A `width`x`height` app on a store of `count` demo expenses, its first frame drawn.
    fn new(count: usize, width: u16, height: u16) -> App {
        let store = Store::open_temporary().expect("temporary store");
        store.use_month_start_day(1).expect("month aggregates");
        let drafts = demo::generate(
            count,
            demo::default_months(count),
            7,
            today(),
            Currency::EUR,
        );
        store
            .put_batch(drafts, Origin::Demo, 0)
            .expect("demo expenses");
        let config = Config::default();
        let keymap = Keymap::load(None).expect("built-in keymap");
        let before_bytes = Shared::default();
        // A fixed viewport: CrosstermBackend would ask this process's terminal for its size.
        let viewport = TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, width, height)),
        };
        let before = Terminal::with_options(CrosstermBackend::new(before_bytes.clone()), viewport)
            .expect("terminal");
        let mut app = App {
            state: State::new(today(), config.month_start_day, config.currency),
            help: keymap.help(),
            hints: keymap.hints(),
            keymap,
            engine: Engine::new(store),
            term: Terminal::new(Frugal::fixed(Vec::new(), Size::new(width, height)))
                .expect("terminal"),
            painter: Painter::default(),
            queue: VecDeque::new(),
            emulator: vt100::Parser::new(height, width, 0),
            drew: false,
            last: Vec::new(),
            before,
            before_bytes,
            before_last: 0,
        };
        app.state.help_lines = ui::help::line_count(&app.help);
        // As `tui::run` starts: the size, then the first page and what fell due.
        app.queue.push_back(Action::Resize { width, height });
        let first = update::start(&app.state);
        let answers = app.engine.execute_all(first, 0);
        app.queue.extend(answers.into_iter().map(Action::Answer));
        app.settle();
        app
    }

    /// Presses a key (a character, or "esc").
    fn press(&mut self, key: &str) -> usize {
        let code = match key {
            "esc" => KeyCode::Esc,
            c => KeyCode::Char(c.chars().next().expect("a key")),
        };
        let ev = Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
        let actions = self.keymap.resolve(Context::of(&self.state), &ev);
        self.queue.extend(actions);
        self.settle()
    }

    /// Sends an action that is not a key (a tick, a resize, an answer).
    fn send(&mut self, action: Action) -> usize {
        self.queue.push_back(action);
        self.settle()
    }

    /// `tui::run`'s turn: the queue through the reducer (the painter told of every action),
    /// one frame if anything may have changed, then what waits for the frame. Returns the
    /// bytes written, which the emulator reads.
    fn settle(&mut self) -> usize {
        self.drew = false;
        loop {
            let mut later = Vec::new();
            while let Some(action) = self.queue.pop_front() {
                self.painter.note(&self.state, &action);
                let mut batch = Vec::new();
                for fx in update(&mut self.state, action) {
                    match fx {
                        Effect::Quit | Effect::Suspend => {}
                        fx @ Effect::LoadReviewDetails { .. } => later.push(fx),
                        fx => batch.push(fx),
                    }
                }
                let answers = self.engine.execute_all(batch, 0);
                self.queue.extend(answers.into_iter().map(Action::Answer));
            }
            let chrome = Chrome {
                theme: &Theme::DEFAULT,
                help: &self.help,
                hints: &self.hints,
            };
            self.drew |= self
                .painter
                .paint(&mut self.term, &self.state, &chrome)
                .expect("draw");
            self.before
                .draw(|f| ui::render(&self.state, &chrome, f))
                .expect("draw");
            if later.is_empty() {
                break;
            }
            let answers = self.engine.execute_all(later, 0);
            self.queue.extend(answers.into_iter().map(Action::Answer));
        }
        self.before_last = std::mem::take(&mut *self.before_bytes.0.borrow_mut()).len();
        self.last = std::mem::take(self.term.backend_mut().writer_mut());
        self.emulator.process(&self.last);
        self.assert_screen_is_the_state();
        self.last.len()
    }

    /// The emulator shows what `ui::render` draws for the state, cursor included.
    fn assert_screen_is_the_state(&self) {
        let (width, height) = self.state.size;
        let mut reference = Terminal::new(TestBackend::new(width, height)).expect("terminal");
        let chrome = Chrome {
            theme: &Theme::DEFAULT,
            help: &self.help,
            hints: &self.hints,
        };
        reference
            .draw(|f| ui::render(&self.state, &chrome, f))
            .expect("draw");
        let backend = reference.backend();
        let screen = self.emulator.screen();
        let diffs = differences(screen, backend.buffer());
        assert!(
            diffs.is_empty(),
            "the screen is not the state:\n{}\n{}",
            diffs.join("\n"),
            screen.contents()
        );
        assert_eq!(
            screen.hide_cursor(),
            !backend.cursor_visible(),
            "cursor shown"
        );
        if backend.cursor_visible() {
            let p = backend.cursor_position();
            assert_eq!(screen.cursor_position(), (p.y, p.x), "cursor position");
        }
    }
}

/// vt100's name for a colour as the frame holds it.
fn vt_colour(c: Color) -> vt100::Color {
    match c {
        Color::Reset => vt100::Color::Default,
        Color::Rgb(r, g, b) => vt100::Color::Rgb(r, g, b),
        Color::Indexed(i) => vt100::Color::Idx(i),
        named => {
            let order = [
                Color::Black,
                Color::Red,
                Color::Green,
                Color::Yellow,
                Color::Blue,
                Color::Magenta,
                Color::Cyan,
                Color::Gray,
                Color::DarkGray,
                Color::LightRed,
                Color::LightGreen,
                Color::LightYellow,
                Color::LightBlue,
                Color::LightMagenta,
                Color::LightCyan,
                Color::White,
            ];
            let i = order
                .iter()
                .position(|c| *c == named)
                .expect("a named colour");
            vt100::Color::Idx(i as u8)
        }
    }
}

/// Cells where the emulated screen differs from `frame` (text, colours, bold, italic,
/// underline, reverse).
fn differences(screen: &vt100::Screen, frame: &Buffer) -> Vec<String> {
    let mut diffs = Vec::new();
    for y in 0..frame.area.height {
        for x in 0..frame.area.width {
            let got = screen.cell(y, x).expect("on the screen");
            if got.is_wide_continuation() {
                continue;
            }
            let want = &frame[(x, y)];
            let text = got.contents();
            let m = want.modifier;
            // A blank shows no foreground, bold or italic.
            let blank = want.symbol() == " ";
            let seen = (
                if text.is_empty() { " " } else { &text },
                got.fgcolor(),
                got.bgcolor(),
                got.bold(),
                got.italic(),
                got.underline(),
                got.inverse(),
            );
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
                diffs.push(format!("{x},{y}: shows {seen:?}, state draws {meant:?}"));
            }
        }
    }
    diffs
}

#[test]
fn a_selection_move_at_120x40_writes_a_quarter_less_than_before() {
    let mut app = App::new(2_000, 120, 40);
    let mut sizes = Vec::new();
    let mut before = Vec::new();
    let mut erased = 0;
    for _ in 0..20 {
        sizes.push(app.press("j"));
        before.push(app.before_last);
        assert!(app.drew);
        // The row the highlight left ends in blanks: erased to the end of the line.
        erased += usize::from(app.last.windows(3).any(|w| w == b"\x1b[K"));
        if std::env::var_os("FRAME_BYTES_SHOW").is_some() {
            eprintln!("{:?}", String::from_utf8_lossy(&app.last));
        }
    }
    for (now, was) in sizes.iter().zip(&before) {
        assert!(
            now * 4 <= was * 3,
            "{now} bytes, {was} before: {sizes:?} {before:?}"
        );
    }
    sizes.sort_unstable();
    before.sort_unstable();
    eprintln!(
        "bytes per `j` at 120x40, 20 moves: median {} max {} (before: median {} max {})",
        sizes[10], sizes[19], before[10], before[19]
    );
    assert_eq!(
        erased, 20,
        "every move erases the old row's trailing blanks"
    );
}

#[test]
fn an_idle_tui_writes_nothing() {
    let mut app = App::new(500, 120, 40);
    // The clock on the same day, the triggers' health poll and its unchanged answer: no frame.
    assert_eq!(app.send(Action::Tick(today())), 0);
    eprintln!("bytes per idle tick: {} (before: {})", 0, app.before_last);
    assert!(app.before_last > 0, "before, every tick drew a frame");
    assert!(!app.drew, "a tick on the same day draws no frame");
    assert_eq!(app.send(Action::PollTriggers), 0);
    assert!(!app.drew, "the triggers' poll draws no frame");
    // A frame drawn anyway with nothing changed writes nothing either.
    app.painter.invalidate();
    assert_eq!(app.settle(), 0);
    assert!(app.drew);
    // What changes the screen still draws: a new day (the header's month may change with it).
    assert!(app.send(Action::Answer(Answer::Failed("a message".into()))) > 0);
    app.send(Action::Tick(today().succ_opt().expect("next day")));
    assert!(app.drew, "a new day draws");
}

#[test]
fn messages_the_form_cursor_and_resizes_show_right() {
    let mut app = App::new(500, 120, 40);
    // A message shows, and goes with the next key.
    assert!(app.send(Action::Answer(Answer::Failed("cannot do that".into()))) > 0);
    assert!(app.emulator.screen().contents().contains("cannot do that"));
    assert!(app.press("j") > 0);
    assert!(!app.emulator.screen().contents().contains("cannot do that"));
    // The add form shows the cursor in its field, typing moves it, closing hides it.
    app.press("a");
    assert!(!app.emulator.screen().hide_cursor());
    app.press("1");
    app.press("2");
    app.press("esc");
    assert!(app.emulator.screen().hide_cursor());
    // A smaller window, then a larger one: cleared and drawn whole at the new size.
    for (w, h) in [(100, 30), (130, 45)] {
        app.emulator.set_size(h, w);
        app.term.backend_mut().set_size(Size::new(w, h));
        app.before.resize(Rect::new(0, 0, w, h)).expect("resize");
        assert!(
            app.send(Action::Resize {
                width: w,
                height: h
            }) > 0
        );
        app.press("j");
    }
}
