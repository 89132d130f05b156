//! Where things go on screen, as pure functions of the terminal size. Shared by the renderer and
//! the reducer (page sizes), so the two always agree without render mutating state.

use ratatui::layout::Rect;

/// Smallest size the app draws into; below it the screen says "terminal too small".
pub const MIN_WIDTH: u16 = 30;
/// Smallest height the app draws into.
pub const MIN_HEIGHT: u16 = 6;

/// The regions of the main screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// Title line: month, totals.
    pub header: Rect,
    /// The table, including its column header row.
    pub body: Rect,
    /// Status line: hints, messages, filter input.
    pub status: Rect,
}

/// Splits the screen: one header line, the table, one status line.
pub fn areas(area: Rect) -> Areas {
    let header = Rect {
        height: area.height.min(1),
        ..area
    };
    let status_y = area.y + area.height.saturating_sub(1);
    let status = Rect {
        y: status_y,
        height: area.height.min(1),
        ..area
    };
    let body = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(2),
        ..area
    };
    Areas {
        header,
        body,
        status,
    }
}

/// How many expense rows the table shows at this terminal size (at least 1).
pub fn ledger_rows(width: u16, height: u16) -> usize {
    let body = areas(Rect::new(0, 0, width, height)).body;
    usize::from(body.height.saturating_sub(1)).max(1)
}

/// True when the terminal is too small to draw anything useful.
pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}
