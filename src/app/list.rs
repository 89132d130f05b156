//! One list cursor for every list on screen (ledger, history, trash, review's categories), after
//! television's `Picker`: an absolute selected index and the first visible row, moved by
//! `next/prev/page_down/page_up/first/last(total, page)`. Pure arithmetic: no IO, no terminal,
//! no store. The page height comes from `ui::layout` applied to the last `Resize`, so the reducer
//! and the renderer agree without render changing state.

/// The selection in a list of `total` rows shown `page` rows at a time.
///
/// Invariant after every move (and after [`Cursor::clamp`]): `selected < total` (or 0 when the
/// list is empty), `offset <= selected < offset + page`, and `offset + page` runs past `total`
/// only when the whole list fits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    /// Absolute index of the selected row.
    pub selected: usize,
    /// Absolute index of the first visible row.
    pub offset: usize,
}

impl Cursor {
    /// One row down, stopping at the last.
    pub fn next(&mut self, total: usize, page: usize) {
        self.selected = (self.selected + 1).min(last(total));
        self.clamp(total, page);
    }

    /// One row up, stopping at the first.
    pub fn prev(&mut self, total: usize, page: usize) {
        self.selected = self.selected.saturating_sub(1);
        self.clamp(total, page);
    }

    /// A page down: selection and viewport move together, so the selected row keeps its place
    /// on screen until the end of the list.
    pub fn page_down(&mut self, total: usize, page: usize) {
        let page = page.max(1);
        self.selected = (self.selected + page).min(last(total));
        self.offset = (self.offset + page).min(last(total).saturating_sub(page - 1));
        self.clamp(total, page);
    }

    /// A page up: selection and viewport move together, stopping at the top.
    pub fn page_up(&mut self, total: usize, page: usize) {
        let page = page.max(1);
        self.selected = self.selected.saturating_sub(page);
        self.offset = self.offset.saturating_sub(page);
        self.clamp(total, page);
    }

    /// The first row.
    pub fn first(&mut self, total: usize, page: usize) {
        self.selected = 0;
        self.clamp(total, page);
    }

    /// The last row.
    pub fn last(&mut self, total: usize, page: usize) {
        self.selected = last(total);
        self.clamp(total, page);
    }

    /// Back to the top of a new view.
    pub fn reset(&mut self) {
        *self = Cursor::default();
    }

    /// Keeps the selection inside the list and on screen after the list shrank, the page
    /// changed (a resize) or the selection was set directly; the viewport moves as little as
    /// it can and never leaves empty rows below the end while rows above are hidden.
    pub fn clamp(&mut self, total: usize, page: usize) {
        let page = page.max(1);
        self.selected = self.selected.min(last(total));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        self.offset = self.offset.min(total.saturating_sub(page));
    }

    /// True when some visible row is not in the loaded window `window_start..window_start +
    /// window_len`: the windowed lists (ledger, history) then fetch a new window around it.
    pub fn needs_window(
        &self,
        total: usize,
        page: usize,
        window_start: usize,
        window_len: usize,
    ) -> bool {
        let visible_end = (self.offset + page).min(total);
        let loaded_end = window_start + window_len;
        self.offset < visible_end && (self.offset < window_start || visible_end > loaded_end)
    }
}

/// Index of the last row (0 for an empty list).
fn last(total: usize) -> usize {
    total.saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::Cursor;

    /// The list as one line: the visible rows in brackets, `>` before the selected row.
    fn draw(c: &Cursor, total: usize, page: usize) -> String {
        let mut out = Vec::new();
        for i in 0..total {
            let mut cell = String::new();
            if i == c.offset {
                cell.push('[');
            }
            if i == c.selected {
                cell.push('>');
            }
            cell.push_str(&i.to_string());
            if i + 1 == (c.offset + page).min(total) {
                cell.push(']');
            }
            out.push(cell);
        }
        out.join(" ")
    }

    fn at(selected: usize, offset: usize) -> Cursor {
        Cursor { selected, offset }
    }

    #[test]
    fn next_scrolls_one_row_only_past_the_bottom() {
        let mut c = Cursor::default();
        assert_eq!(draw(&c, 6, 3), "[>0 1 2] 3 4 5");
        c.next(6, 3);
        c.next(6, 3);
        assert_eq!(draw(&c, 6, 3), "[0 1 >2] 3 4 5");
        c.next(6, 3);
        assert_eq!(draw(&c, 6, 3), "0 [1 2 >3] 4 5");
        c.next(6, 3);
        c.next(6, 3);
        c.next(6, 3);
        assert_eq!(draw(&c, 6, 3), "0 1 2 [3 4 >5]", "stops at the last row");
    }

    #[test]
    fn prev_scrolls_one_row_only_past_the_top() {
        let mut c = at(5, 3);
        c.prev(6, 3);
        c.prev(6, 3);
        assert_eq!(draw(&c, 6, 3), "0 1 2 [>3 4 5]");
        c.prev(6, 3);
        assert_eq!(draw(&c, 6, 3), "0 1 [>2 3 4] 5");
        for _ in 0..5 {
            c.prev(6, 3);
        }
        assert_eq!(draw(&c, 6, 3), "[>0 1 2] 3 4 5", "stops at the first row");
    }

    #[test]
    fn page_down_moves_selection_and_viewport_together() {
        let mut c = at(1, 0);
        c.page_down(10, 3);
        assert_eq!(draw(&c, 10, 3), "0 1 2 [3 >4 5] 6 7 8 9");
        c.page_down(10, 3);
        assert_eq!(draw(&c, 10, 3), "0 1 2 3 4 5 [6 >7 8] 9");
        c.page_down(10, 3);
        assert_eq!(
            draw(&c, 10, 3),
            "0 1 2 3 4 5 6 [7 8 >9]",
            "the last page is full"
        );
    }

    #[test]
    fn page_up_moves_selection_and_viewport_together() {
        let mut c = at(8, 7);
        c.page_up(10, 3);
        assert_eq!(draw(&c, 10, 3), "0 1 2 3 [4 >5 6] 7 8 9");
        c.page_up(10, 3);
        assert_eq!(draw(&c, 10, 3), "0 [1 >2 3] 4 5 6 7 8 9");
        c.page_up(10, 3);
        assert_eq!(draw(&c, 10, 3), "[>0 1 2] 3 4 5 6 7 8 9");
    }

    #[test]
    fn first_and_last_jump() {
        let mut c = at(4, 3);
        c.last(10, 3);
        assert_eq!(draw(&c, 10, 3), "0 1 2 3 4 5 6 [7 8 >9]");
        c.first(10, 3);
        assert_eq!(draw(&c, 10, 3), "[>0 1 2] 3 4 5 6 7 8 9");
    }

    #[test]
    fn a_short_list_fits_and_never_scrolls() {
        let mut c = Cursor::default();
        c.page_down(2, 5);
        assert_eq!(draw(&c, 2, 5), "[0 >1]");
        c.last(2, 5);
        c.next(2, 5);
        assert_eq!(draw(&c, 2, 5), "[0 >1]");
    }

    #[test]
    fn an_empty_list_stays_at_zero() {
        let mut c = Cursor::default();
        c.next(0, 3);
        c.page_down(0, 3);
        c.last(0, 3);
        assert_eq!(c, Cursor::default());
    }

    #[test]
    fn clamp_after_the_list_shrinks_keeps_the_selection_on_the_new_last_row() {
        let mut c = at(9, 7);
        c.clamp(5, 3);
        assert_eq!(draw(&c, 5, 3), "0 1 [2 3 >4]");
    }

    #[test]
    fn clamp_after_a_smaller_page_scrolls_to_the_selection() {
        let mut c = at(5, 2);
        assert_eq!(draw(&c, 10, 6), "0 1 [2 3 4 >5 6 7] 8 9");
        c.clamp(10, 2);
        assert_eq!(draw(&c, 10, 2), "0 1 2 3 [4 >5] 6 7 8 9");
    }

    #[test]
    fn clamp_after_a_taller_page_fills_it_from_above() {
        let mut c = at(9, 8);
        c.clamp(10, 5);
        assert_eq!(draw(&c, 10, 5), "0 1 2 3 4 [5 6 7 8 >9]");
    }

    #[test]
    fn needs_window_only_when_a_visible_row_is_not_loaded() {
        // Loaded rows 3..9, page of 3.
        assert!(!at(4, 3).needs_window(20, 3, 3, 6), "3..6 are loaded");
        assert!(!at(8, 6).needs_window(20, 3, 3, 6), "6..9 are loaded");
        assert!(at(9, 7).needs_window(20, 3, 3, 6), "row 9 is not");
        assert!(at(2, 2).needs_window(20, 3, 3, 6), "row 2 is not");
        assert!(
            !at(0, 0).needs_window(0, 3, 0, 0),
            "an empty list needs nothing"
        );
        assert!(
            !at(1, 0).needs_window(2, 3, 0, 2),
            "a short list loaded whole"
        );
    }
}
