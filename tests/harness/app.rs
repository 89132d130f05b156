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
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

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

    /// The TUI's notification channel, when this runtime has one.
    fn events(&self) -> Option<&mpsc::Receiver<Msg>> {
        None
    }

    /// Whether a notification of `seq` is news (not this TUI's own latest write).
    fn is_news(&self, _seq: u64) -> bool {
        true
    }

    /// Lets go of the store, as the TUI does when it quits.
    fn close(&mut self) {}
}

impl Runtime for Engine {
    fn execute(&mut self, batch: Vec<Effect>) -> Vec<Answer> {
        self.execute_all(batch, expense_tracker::clock::now_ms())
    }
}

/// A TUI's backend (attached to a session, or holding the store and serving it), with the
/// receiving end of its notification channel: the tests drive `ChangedElsewhere` themselves, or
/// wait for the `Msg::StoreChanged` it relays ([`Harness::await_change`]).
struct Remote {
    /// `None` once closed.
    backend: Option<Backend>,
    events: mpsc::Receiver<Msg>,
}

impl Remote {
    fn backend(&self) -> &Backend {
        self.backend.as_ref().expect("backend still open")
    }
}

impl Runtime for Remote {
    fn execute(&mut self, batch: Vec<Effect>) -> Vec<Answer> {
        self.backend
            .as_mut()
            .expect("backend still open")
            .execute(batch, expense_tracker::clock::now_ms())
    }

    fn events(&self) -> Option<&mpsc::Receiver<Msg>> {
        Some(&self.events)
    }

    fn is_news(&self, seq: u64) -> bool {
        self.backend().is_news(seq)
    }

    fn close(&mut self) {
        if let Some(backend) = self.backend.take() {
            backend.close().expect("closing the backend");
        }
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
    /// Where the session's socket is (`socket_path` of it).
    store_dir: PathBuf,
    /// Holds the session's socket; shared by the harnesses on one store.
    _dir: Rc<tempfile::TempDir>,
}

impl Harness {
    /// An 80x24 app on an empty store, effects run `via`.
    pub fn new(via: Via) -> Harness {
        Harness::sized(via, 80, 24)
    }

    /// A `width`x`height` app on an empty store, effects run `via`.
    pub fn sized(via: Via, width: u16, height: u16) -> Harness {
        let (store, dir, store_dir) = temporary_store();
        let (runtime, server): (Box<dyn Runtime>, _) = match via {
            Via::Local => (Box::new(Engine::new(store.clone())), None),
            Via::Session => {
                let server = Server::start(
                    store.clone(),
                    &socket_path(&store_dir),
                    expense_tracker::cli::launch::runner(),
                )
                .expect("session server");
                (Box::new(guest_backend(&store_dir)), Some(server))
            }
        };
        Harness::start(runtime, store, server, dir, store_dir, width, height)
    }

    /// An 80x24 app holding a new empty store as the first TUI does: a `tui::backend::Backend`
    /// on `Attached::Holder`, so its engine runs in this process, its `Holder` serves the store
    /// on the session socket (a `session::server::Server`), and the server's change
    /// notifications reach this harness's `Msg` channel. [`Harness::guest`] attaches another.
    pub fn holder() -> Harness {
        let (store, dir, store_dir) = temporary_store();
        let (tx, rx) = mpsc::channel();
        let backend = Backend::new(
            Attached::Holder(store.clone()),
            &store_dir,
            tx,
            HolderSetup::of(&Config::default()),
            expense_tracker::cli::launch::runner(),
        )
        .expect("holder backend");
        assert!(backend.is_holder());
        let runtime = Box::new(Remote {
            backend: Some(backend),
            events: rx,
        });
        Harness::start(runtime, store, None, dir, store_dir, 80, 24)
    }

    /// A second 80x24 app on this harness's store, attached to the session this harness serves
    /// (made by [`Harness::holder`] or `Via::Session`): every batch crosses the socket, and the
    /// holder's change notifications reach its `Msg` channel.
    pub fn guest(&self) -> Harness {
        let runtime = Box::new(guest_backend(&self.store_dir));
        Harness::start(
            runtime,
            self.store.clone(),
            None,
            Rc::clone(&self._dir),
            self.store_dir.clone(),
            80,
            24,
        )
    }

    /// Waits (at most `timeout`) for the `Msg::StoreChanged` that covers the store's newest
    /// commit on this harness's notification channel, then reloads as the TUI loop does for a
    /// change that is news: `Action::ChangedElsewhere`. Returns the notified sequence number.
    /// Panics on a timeout, on another message, and when the change is this harness's own.
    pub fn await_change(&mut self, timeout: Duration) -> u64 {
        let want = self.store.last_seq().expect("last seq");
        let deadline = Instant::now() + timeout;
        let events = self
            .runtime
            .events()
            .expect("a holder or a guest harness: it has a Msg channel");
        let seq = loop {
            match events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(Msg::StoreChanged(seq)) if seq >= want => break seq,
                Ok(Msg::StoreChanged(_)) => {}
                Ok(other) => panic!("waiting for StoreChanged({want}), got {other:?}"),
                Err(e) => panic!("no StoreChanged({want}) within {timeout:?}: {e}"),
            }
        };
        assert!(
            self.runtime.is_news(seq),
            "seq {seq} is this harness's own write"
        );
        self.send(Action::ChangedElsewhere);
        seq
    }

    fn start(
        runtime: Box<dyn Runtime>,
        store: Store,
        server: Option<Server>,
        dir: Rc<tempfile::TempDir>,
        store_dir: PathBuf,
        width: u16,
        height: u16,
    ) -> Harness {
        let config = Config::default();
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
            store_dir,
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
        self.runtime.close();
        if let Some(server) = self.server.take() {
            server.shutdown(Duration::from_secs(1));
        }
    }
}

/// A temporary store set up as `Holder::take` sets it up for the process that holds it, the
/// directory for its session socket, and that socket's store directory.
fn temporary_store() -> (Store, Rc<tempfile::TempDir>, PathBuf) {
    let setup = HolderSetup::of(&Config::default());
    let store = Store::open_temporary().expect("temporary store");
    store
        .use_month_start_day(setup.month_start_day)
        .expect("month aggregates");
    store.set_trash_ttl(setup.trash_ttl_ms);
    let dir = tempfile::tempdir().expect("tempdir");
    let store_dir = dir.path().join("store");
    (store, Rc::new(dir), store_dir)
}

/// A backend attached to the session serving `store_dir` (a second TUI).
fn guest_backend(store_dir: &std::path::Path) -> Remote {
    let attached = attach(store_dir, Duration::from_secs(5)).expect("attach");
    assert!(
        matches!(attached, Attached::Session(_)),
        "a listening server means a session, not the store"
    );
    let (tx, rx) = mpsc::channel();
    let backend = Backend::new(
        attached,
        store_dir,
        tx,
        HolderSetup::of(&Config::default()),
        expense_tracker::cli::launch::runner(),
    )
    .expect("backend");
    assert!(!backend.is_holder());
    Remote {
        backend: Some(backend),
        events: rx,
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
