//! The harness: the whole app without a terminal. Keys go through the default keymap against the
//! state's context, actions through `app::update`, each action's effects as one batch to a
//! runtime (an `Engine` here, or a `Backend` attached to a session server across the socket),
//! answers back as `Action::Answer`, and every settled state is drawn into a `TestBackend` with
//! `ui::render`, like `tui::run` and its `drain` do. "Today" is fixed; record timestamps use the
//! process clock, as the TUI and the session server both do.

use chrono::NaiveDate;
use expense_tracker::app::{update, Action, Answer, Effect, State};
use expense_tracker::config::Config;
use expense_tracker::engine::Engine;
use expense_tracker::session::client::{attach, Attached};
use expense_tracker::session::holder::HolderSetup;
use expense_tracker::session::server::Server;
use expense_tracker::session::socket_path;
use expense_tracker::store::Store;
use expense_tracker::tui::backend::Backend;
use expense_tracker::tui::event::Msg;
use expense_tracker::tui::keymap::{Context, Keymap};
use expense_tracker::ui::theme::Theme;
use expense_tracker::ui::{self, Chrome, HelpEntry};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use std::collections::VecDeque;
use std::sync::mpsc;
use std::time::Duration;

/// The harness's fixed today.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).expect("valid date")
}

/// Where the effects run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// An `Engine` on the store, in this process (the TUI that holds the store).
    Local,
    /// A `tui::backend::Backend` attached to a `session::server::Server` on the store: every
    /// batch crosses the socket (the second TUI).
    Session,
}

/// How a batch of effects is executed: the only thing the two variants differ in.
trait Runtime {
    fn execute(&mut self, batch: Vec<Effect>) -> Vec<Answer>;
}

impl Runtime for Engine {
    fn execute(&mut self, batch: Vec<Effect>) -> Vec<Answer> {
        self.execute_all(batch, expense_tracker::clock::now_ms())
    }
}

/// A remote TUI's backend, with the receiving end of its notification channel (kept so the
/// relay thread stays up; the tests drive `ChangedElsewhere` themselves).
struct Remote {
    backend: Backend,
    _events: mpsc::Receiver<Msg>,
}

impl Runtime for Remote {
    fn execute(&mut self, batch: Vec<Effect>) -> Vec<Answer> {
        self.backend
            .execute(batch, expense_tracker::clock::now_ms())
    }
}

/// The app on a temporary store, driven by keys.
pub struct Harness {
    state: State,
    keymap: Keymap,
    help: Vec<HelpEntry>,
    hints: expense_tracker::ui::footer::Hints,
    runtime: Box<dyn Runtime>,
    term: Terminal<TestBackend>,
    store: Store,
    /// Serves the store in the session variant; shut down before the store goes.
    server: Option<Server>,
    queue: VecDeque<Action>,
    /// Effects that run after the next frame (`LoadReviewDetails`), as in `tui::run`.
    later: Vec<Effect>,
    /// Holds the session's socket.
    _dir: tempfile::TempDir,
}

impl Harness {
    /// An 80x24 app on an empty store, effects run `via`.
    pub fn new(via: Via) -> Harness {
        Harness::sized(via, 80, 24)
    }

    /// A `width`x`height` app on an empty store, effects run `via`.
    pub fn sized(via: Via, width: u16, height: u16) -> Harness {
        let config = Config::default();
        let setup = HolderSetup::of(&config);
        let store = Store::open_temporary().expect("temporary store");
        // What `Holder::take` sets up for the process that holds the store.
        store
            .use_month_start_day(setup.month_start_day)
            .expect("month aggregates");
        store.set_trash_ttl(setup.trash_ttl_ms);
        let dir = tempfile::tempdir().expect("tempdir");
        let store_dir = dir.path().join("store");
        let (runtime, server): (Box<dyn Runtime>, _) = match via {
            Via::Local => (Box::new(Engine::new(store.clone())), None),
            Via::Session => {
                let server = Server::start(
                    store.clone(),
                    &socket_path(&store_dir),
                    expense_tracker::cli::launch::runner(),
                )
                .expect("session server");
                let attached = attach(&store_dir, Duration::from_secs(5)).expect("attach");
                assert!(
                    matches!(attached, Attached::Session(_)),
                    "a listening server means a session, not the store"
                );
                let (tx, rx) = mpsc::channel();
                let backend = Backend::new(
                    attached,
                    &store_dir,
                    tx,
                    setup,
                    expense_tracker::cli::launch::runner(),
                )
                .expect("backend");
                assert!(!backend.is_holder());
                let remote = Remote {
                    backend,
                    _events: rx,
                };
                (Box::new(remote), Some(server))
            }
        };
        let keymap = Keymap::load(None).expect("built-in keymap");
        let help = keymap.help();
        let hints = keymap.hints();
        let mut state = State::new(today(), config.month_start_day, config.currency);
        state.rates = config.rates.clone();
        state.trash_ttl_ms = config.trash_ttl_ms();
        state.ascii_charts = config.chart_markers == expense_tracker::config::ChartMarkers::Ascii;
        state.help_lines = ui::help::line_count(&help);
        let mut h = Harness {
            state,
            keymap,
            help,
            hints,
            runtime,
            term: Terminal::new(TestBackend::new(width, height)).expect("terminal"),
            store,
            server,
            queue: VecDeque::new(),
            later: Vec::new(),
            _dir: dir,
        };
        // As `tui::run` starts: the size, then the first page and the completions.
        h.queue.push_back(Action::Resize { width, height });
        let first = vec![Effect::LoadCompletions, update::reload(&h.state).remove(0)];
        let answers = h.runtime.execute(first);
        h.queue.extend(answers.into_iter().map(Action::Answer));
        h.settle();
        h
    }

    /// Presses one key: a character (`"a"`, `"T"`), a name (`"enter"`, `"esc"`, `"tab"`,
    /// `"backtab"`, `"up"`, `"down"`, `"left"`, `"right"`, `"backspace"`, `"delete"`, `"home"`,
    /// `"end"`, `"pgup"`, `"pgdown"`, `"space"`), optionally `ctrl-`/`alt-` first (`"ctrl-r"`).
    /// It is resolved by the keymap in the state's context, as the TUI does.
    pub fn press(&mut self, spec: &str) -> &mut Self {
        let ev = Event::Key(key(spec));
        let action = self.keymap.resolve(Context::of(&self.state), &ev);
        self.queue.extend(action);
        self.settle();
        self
    }

    /// Types `text` one key at a time.
    pub fn type_str(&mut self, text: &str) -> &mut Self {
        for c in text.chars() {
            let ev = Event::Key(char_key(c));
            let action = self.keymap.resolve(Context::of(&self.state), &ev);
            self.queue.extend(action);
            self.settle();
        }
        self
    }

    /// Sends an action that does not come from a key (`Action::ChangedElsewhere`, a tick).
    pub fn send(&mut self, action: Action) -> &mut Self {
        self.queue.push_back(action);
        self.settle();
        self
    }

    /// The last frame as text, one line per row.
    pub fn screen(&self) -> String {
        let buf = self.term.backend().buffer();
        let area = buf.area;
        (0..area.height)
            .map(|y| {
                (0..area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The terminal's backend, for `insta::assert_snapshot!`.
    pub fn backend(&self) -> &TestBackend {
        self.term.backend()
    }

    /// The store, for assertions on what it holds.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Runs the queue to rest and draws, then what waits for the frame, as `tui::run` does.
    fn settle(&mut self) {
        loop {
            self.drain();
            let chrome = Chrome {
                theme: &Theme::DEFAULT,
                help: &self.help,
                hints: &self.hints,
            };
            let state = &self.state;
            self.term
                .draw(|f| ui::render(state, &chrome, f))
                .expect("draw");
            if self.later.is_empty() {
                break;
            }
            let answers = self.runtime.execute(std::mem::take(&mut self.later));
            self.queue.extend(answers.into_iter().map(Action::Answer));
        }
    }

    /// `tui::drain`: each action through `update`, its effects as one batch.
    fn drain(&mut self) {
        while let Some(action) = self.queue.pop_front() {
            let mut batch = Vec::new();
            for fx in update(&mut self.state, action) {
                match fx {
                    Effect::Quit | Effect::Suspend => {}
                    fx @ Effect::LoadReviewDetails { .. } => self.later.push(fx),
                    fx => batch.push(fx),
                }
            }
            if !batch.is_empty() {
                let answers = self.runtime.execute(batch);
                self.queue.extend(answers.into_iter().map(Action::Answer));
            }
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown(Duration::from_secs(1));
        }
    }
}

/// A typed character as a terminal reports it (upper case comes with Shift).
fn char_key(c: char) -> KeyEvent {
    let mods = if c.is_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    KeyEvent::new(KeyCode::Char(c), mods)
}

/// Parses a key spec for [`Harness::press`].
fn key(spec: &str) -> KeyEvent {
    let mut rest = spec;
    let mut mods = KeyModifiers::NONE;
    loop {
        if let Some(r) = rest.strip_prefix("ctrl-").filter(|r| !r.is_empty()) {
            mods |= KeyModifiers::CONTROL;
            rest = r;
        } else if let Some(r) = rest.strip_prefix("alt-").filter(|r| !r.is_empty()) {
            mods |= KeyModifiers::ALT;
            rest = r;
        } else {
            break;
        }
    }
    let code = match rest {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => {
            mods |= KeyModifiers::SHIFT;
            KeyCode::BackTab
        }
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pgup" => KeyCode::PageUp,
        "pgdown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "backspace" => KeyCode::Backspace,
        "delete" => KeyCode::Delete,
        "space" => KeyCode::Char(' '),
        s => {
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => {
                    let k = char_key(c);
                    return KeyEvent::new(k.code, k.modifiers | mods);
                }
                _ => panic!("unknown key {spec:?}"),
            }
        }
    };
    KeyEvent::new(code, mods)
}
