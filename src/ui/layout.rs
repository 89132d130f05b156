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

/// Lines the ledger gives the recurring expenses still to come, below its table: none without
/// any; one summary line on a screen shorter than 18 lines (the table keeps its rows); else a
/// title line and up to three occurrences.
pub fn upcoming_lines(height: u16, upcoming: usize) -> u16 {
    if upcoming == 0 {
        return 0;
    }
    let body = areas(Rect::new(0, 0, MIN_WIDTH, height)).body.height;
    if body < 16 {
        1
    } else {
        1 + upcoming.min(3) as u16
    }
}

/// How many expense rows the ledger's table shows with `upcoming` occurrences below it.
pub fn ledger_table_rows(width: u16, height: u16, upcoming: usize) -> usize {
    let body = areas(Rect::new(0, 0, width, height)).body;
    usize::from(
        body.height
            .saturating_sub(upcoming_lines(height, upcoming))
            .saturating_sub(1),
    )
    .max(1)
}

/// How many lines under the schedules table describe the selected row (a rule line, its
/// state), with a rule above them; none on a short screen, where the table needs every row.
pub fn schedule_detail_lines(height: u16) -> u16 {
    if height >= 14 {
        3
    } else {
        0
    }
}

/// The schedules screen's table (column header included) and the detail under it.
pub fn schedule_areas(area: Rect) -> (Rect, Rect) {
    let body = areas(area).body;
    let detail_h = schedule_detail_lines(area.height).min(body.height);
    let table = Rect {
        height: body.height - detail_h,
        ..body
    };
    let detail = Rect {
        y: table.bottom(),
        height: detail_h,
        ..body
    };
    (table, detail)
}

/// How many rows the schedules table shows at this terminal size (at least 1): its page
/// height, used by its reducer and its render alike.
pub fn schedule_rows(width: u16, height: u16) -> usize {
    let (table, _) = schedule_areas(Rect::new(0, 0, width, height));
    usize::from(table.height.saturating_sub(1)).max(1)
}

/// How much of the review fits at a terminal size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewTier {
    /// Table, side charts, details.
    Full,
    /// Table and a row of small charts.
    Medium,
    /// Numbers only.
    Small,
}

/// The review's tier for the whole screen (the status line included, as the thresholds were
/// measured against terminal sizes): at 110x30 and up everything, from 60x18 the table with a
/// row of small charts, smaller only the numbers.
pub fn review_tier(area: Rect) -> ReviewTier {
    if area.width >= 110 && area.height >= 30 {
        ReviewTier::Full
    } else if area.width >= 60 && area.height >= 18 {
        ReviewTier::Medium
    } else {
        ReviewTier::Small
    }
}

/// The regions of the review once its numbers are loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewAreas {
    /// What fits.
    pub tier: ReviewTier,
    /// The title line and the totals.
    pub header: Rect,
    /// The category table, its column header row included.
    pub table: Rect,
    /// Under the table: the row of small charts (medium) or the payees and largest expenses
    /// (full); empty when small.
    pub below: Rect,
    /// The column of charts right of the table and details (full only).
    pub side: Rect,
    /// Status line.
    pub status: Rect,
}

/// How many header lines the review has with `totals` currency totals: the title, then one
/// line per currency (or one "nothing stored" line).
pub fn review_header_lines(totals: usize) -> usize {
    1 + totals.max(1)
}

/// Splits the review's screen. The table's height depends on the header (`header_lines`, see
/// [`review_header_lines`]) and, in the medium tier, on how many `rows` the table has: the
/// charts take the rows a short table does not need.
pub fn review_areas(area: Rect, header_lines: usize, rows: usize) -> ReviewAreas {
    let status = Rect {
        y: area.bottom().saturating_sub(1),
        height: area.height.min(1),
        ..area
    };
    let body = Rect {
        height: area.height.saturating_sub(1),
        ..area
    };
    let header_h = u16::try_from(header_lines)
        .unwrap_or(u16::MAX)
        .min(body.height);
    let header = Rect {
        height: header_h,
        ..body
    };
    let main = Rect {
        y: body.y + header_h,
        height: body.height - header_h,
        ..body
    };
    let tier = review_tier(area);
    let empty = Rect {
        y: main.bottom(),
        height: 0,
        ..main
    };
    let (table, below, side) = match tier {
        ReviewTier::Small => (main, empty, Rect { width: 0, ..empty }),
        ReviewTier::Medium => {
            // The charts take the rows the table does not need (up to half the screen), so a
            // short table leaves no blank band; at least 7 rows (a third on small screens).
            let needed = u16::try_from(rows + 1).unwrap_or(u16::MAX);
            let least = 7.min(main.height / 3);
            let chart_h = main
                .height
                .saturating_sub(needed)
                .clamp(least, (main.height / 2).max(least));
            let table = Rect {
                height: main.height - chart_h,
                ..main
            };
            let below = Rect {
                y: table.bottom(),
                height: chart_h,
                ..main
            };
            (table, below, Rect { width: 0, ..empty })
        }
        ReviewTier::Full => {
            let side_w = 36.min(main.width / 2);
            let left = Rect {
                width: main.width - side_w,
                ..main
            };
            let side = Rect {
                x: left.right(),
                width: side_w,
                ..main
            };
            let details_h = 12.min(left.height / 2);
            let table = Rect {
                height: left.height - details_h,
                ..left
            };
            let below = Rect {
                y: table.bottom(),
                height: details_h,
                ..left
            };
            (table, below, side)
        }
    };
    ReviewAreas {
        tier,
        header,
        table,
        below,
        side,
        status,
    }
}

/// How many category rows the review's table shows at this terminal size (at least 1), with
/// `header_lines` header lines and `rows` rows in the table: the review's page height, used by
/// its reducer and its render alike.
pub fn review_table_rows(width: u16, height: u16, header_lines: usize, rows: usize) -> usize {
    let table = review_areas(Rect::new(0, 0, width, height), header_lines, rows).table;
    usize::from(table.height.saturating_sub(1)).max(1)
}

/// True when the terminal is too small to draw anything useful.
pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_review_table_is_shorter_than_the_ledger() {
        // 80x24, one currency, many categories: 2 header lines, 7 chart rows, 1 column header.
        assert_eq!(ledger_rows(80, 24), 21);
        assert_eq!(review_table_rows(80, 24, 2, 60), 13);
        // A short table gives its spare rows to the charts (up to half the screen).
        assert_eq!(review_table_rows(80, 24, 2, 4), 10);
        // 120x40: the details band under the table.
        assert_eq!(ledger_rows(120, 40), 37);
        assert_eq!(review_table_rows(120, 40, 2, 60), 24);
        // Each more currency takes a header line.
        assert_eq!(review_table_rows(120, 40, 3, 60), 23);
        // Small: the table takes everything under the header.
        assert_eq!(review_table_rows(40, 12, 2, 60), 8);
        assert_eq!(review_table_rows(80, 10, 2, 60), 6);
        // Never 0, so a page always moves.
        assert_eq!(review_table_rows(40, 3, 2, 60), 1);
    }
}
