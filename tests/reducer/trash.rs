//! The trash screen's cursor: PageDown/PageUp move the viewport with the selection like every
//! other list (the trash's PageDown used to leave it), and a resize keeps the selection shown.

use super::*;
use expense_tracker::app::action::TrashLoaded;
use expense_tracker::app::Answer;
use expense_tracker::store::Trashed;

/// A state on the trash at `width`x`height` holding `n` trashed expenses.
fn trash(n: usize, width: u16, height: u16) -> State {
    let mut s = State::new(today(), 1, Currency::EUR);
    update(&mut s, Action::Resize { width, height });
    assert_eq!(update(&mut s, Action::OpenTrash), vec![Effect::LoadTrash]);
    let rows = (0..n)
        .map(|i| Trashed {
            expense: expense(i),
            deleted_at: 0,
            expires_at: 86_400_000,
        })
        .collect();
    update(
        &mut s,
        Action::Answer(Answer::TrashLoaded(Box::new(TrashLoaded {
            rows,
            now_ms: 0,
            ttl_ms: 30 * 86_400_000,
        }))),
    );
    s
}

fn at(s: &State) -> (usize, usize) {
    (s.trash.cursor.selected, s.trash.cursor.offset)
}

#[test]
fn page_down_moves_the_viewport_so_the_selection_keeps_its_place() {
    // 80x10: 7 rows on screen.
    let mut s = trash(20, 80, 10);
    update(&mut s, Action::SelectNext);
    update(&mut s, Action::PageDown);
    assert_eq!(
        at(&s),
        (8, 7),
        "the viewport moved a page with the selection"
    );
    update(&mut s, Action::PageDown);
    assert_eq!(at(&s), (15, 13), "the last page is full");
    update(&mut s, Action::PageDown);
    assert_eq!(at(&s), (19, 13));
    update(&mut s, Action::PageUp);
    assert_eq!(at(&s), (12, 6));
    update(&mut s, Action::PageUp);
    update(&mut s, Action::PageUp);
    assert_eq!(at(&s), (0, 0));
}

#[test]
fn a_resize_keeps_the_trash_selection_on_screen() {
    let mut s = trash(20, 80, 24);
    update(&mut s, Action::SelectLast);
    assert_eq!(at(&s), (19, 0), "all 20 rows fit in 21");
    update(
        &mut s,
        Action::Resize {
            width: 80,
            height: 10,
        },
    );
    assert_eq!(at(&s), (19, 13));
}
