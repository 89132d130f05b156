//! When the loop draws: only after something that may change the screen. The clock's tick on
//! the same day and the triggers' health poll every two seconds (`event::POLL_TRIGGERS`) used
//! to draw a frame each; an idle TUI now draws none, and writes nothing
//! (`app::update::changes_nothing` says what changes nothing; a frame with no changed cell
//! writes nothing either, see `frugal`).

use crate::app::update::changes_nothing;
use crate::app::{Action, State};
use crate::ui::{self, Chrome};
use ratatui::backend::Backend;
use ratatui::Terminal;

/// Whether the screen may differ from the last frame drawn.
#[derive(Debug)]
pub struct Painter {
    dirty: bool,
}

impl Default for Painter {
    fn default() -> Self {
        Painter { dirty: true }
    }
}

impl Painter {
    /// Call before `update(state, action)`: remembers whether the action may change the screen.
    pub fn note(&mut self, state: &State, action: &Action) {
        if !changes_nothing(state, action) {
            self.dirty = true;
        }
    }

    /// The screen must be drawn again whatever happened (the terminal was given away and taken
    /// back).
    pub fn invalidate(&mut self) {
        self.dirty = true;
    }

    /// Draws `state` when it may have changed since the last frame; returns whether it drew.
    pub fn paint<B: Backend>(
        &mut self,
        term: &mut Terminal<B>,
        state: &State,
        chrome: &Chrome,
    ) -> Result<bool, B::Error> {
        if !self.dirty {
            return Ok(false);
        }
        term.draw(|f| ui::render(state, chrome, f))?;
        self.dirty = false;
        Ok(true)
    }
}
