//! The review screen's reducer: the month, the category table (selection, expand/collapse,
//! sort), Enter to the ledger filtered to a category, and the budget form (`Overlay::Budget`,
//! which `update` routes here while it is open). `R` opens the rename prompt (`update/rename.rs`).

use crate::app::action::Action;
use crate::app::effect::Effect;
use crate::app::state::{BudgetForm, Overlay, Screen, State, Toast};
use crate::domain::money::{eval_amount, format_grouped, format_plain};
use crate::domain::review::{Review, ReviewDetails, ReviewQuery};
use crate::domain::text::inert;
use crate::domain::{Currency, Month};
use crate::ui::layout::{review_header_lines, review_table_rows};
use tui_input::Input;

/// Shows the review of the ledger's month and loads it.
pub fn open(state: &mut State) -> Vec<Effect> {
    state.screen = Screen::Review;
    if state.review.month != state.ledger.month {
        show_month(state, state.ledger.month)
    } else {
        reload(state)
    }
}

/// Loads the numbers (aggregates) and then the details (bounded item scan) of the month.
pub fn reload(state: &State) -> Vec<Effect> {
    vec![
        Effect::LoadReview(ReviewQuery {
            month: state.review.month,
            currency: state.default_currency,
            rates: state.rates.clone(),
        }),
        Effect::LoadReviewDetails {
            month: state.review.month,
        },
    ]
}

fn show_month(state: &mut State, month: Month) -> Vec<Effect> {
    let r = &mut state.review;
    r.month = month;
    r.data = None;
    r.details = None;
    r.cursor.reset();
    reload(state)
}

/// The numbers arrived (answers for a month the person already left are dropped).
pub fn loaded(state: &mut State, review: Review) -> Vec<Effect> {
    if review.month == state.review.month {
        state.review.data = Some(review);
        clamp(state);
    }
    Vec::new()
}

/// The details arrived.
pub fn details_loaded(state: &mut State, details: ReviewDetails) -> Vec<Effect> {
    if details.month == state.review.month {
        state.review.details = Some(details);
    }
    Vec::new()
}

/// A budget was stored: close the form, say so, reload the numbers.
pub fn budget_saved(
    state: &mut State,
    category: String,
    limit: Option<(Currency, i64)>,
) -> Vec<Effect> {
    if matches!(state.overlay, Some(Overlay::Budget(_))) {
        state.overlay = None;
    }
    let text = match limit {
        Some((c, v)) => format!(
            "Budget of {} set to {} {c} a month",
            inert(&category),
            format_grouped(v, c)
        ),
        None => format!("Budget of {} removed", inert(&category)),
    };
    state.toast = Some(Toast { text, error: false });
    reload(state)
}

/// Rows the review's category table shows at the current size: its page, from the same
/// layout the render draws with (the header grows with each currency, and the medium tier's
/// charts take the rows a short table leaves).
pub fn page(state: &State) -> usize {
    let r = &state.review;
    let header = review_header_lines(r.data.as_ref().map_or(0, |d| d.totals.len()));
    review_table_rows(state.size.0, state.size.1, header, r.visible().len())
}

/// Keeps the selection inside the visible rows and on screen (after a load, an expand or
/// collapse, a resize).
pub fn clamp(state: &mut State) {
    let page = page(state);
    let n = state.review.visible().len();
    state.review.cursor.clamp(n, page);
}

/// Keys on the review screen (the budget form's go to [`budget_form`]).
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let page = page(state);
    let n = state.review.visible().len();
    let r = &mut state.review;
    match action {
        Action::SelectNext => r.cursor.next(n, page),
        Action::SelectPrev => r.cursor.prev(n, page),
        Action::PageDown => r.cursor.page_down(n, page),
        Action::PageUp => r.cursor.page_up(n, page),
        Action::SelectFirst => r.cursor.first(n, page),
        Action::SelectLast => r.cursor.last(n, page),
        Action::PrevMonth => return show_month(state, state.review.month.prev()),
        Action::NextMonth => return show_month(state, state.review.month.next()),
        Action::ThisMonth => {
            return show_month(state, Month::containing(state.today, state.month_start_day))
        }
        Action::CycleSort => {
            r.sort = r.sort.next();
            r.descending = false;
        }
        Action::ReverseSort => r.descending = !r.descending,
        Action::ToggleExpand | Action::Expand | Action::Collapse => expand(state, action),
        Action::OpenCategory | Action::Submit => return open_category(state),
        Action::EditBudget => open_budget_form(state),
        Action::RenameCategory => return super::rename::open(state),
        Action::OpenLedger | Action::Cancel => return back_to_ledger(state),
        other => return super::screen_wide(state, other).unwrap_or_default(),
    }
    Vec::new()
}

fn expand(state: &mut State, action: Action) {
    let Some(row) = state.review.selected_row().cloned() else {
        return;
    };
    let r = &mut state.review;
    let open = r.expanded.contains(&row.category);
    match action {
        Action::ToggleExpand if row.has_children && open => {
            r.expanded.remove(&row.category);
        }
        Action::ToggleExpand if row.has_children => {
            r.expanded.insert(row.category);
        }
        Action::Expand if row.has_children && !open => {
            r.expanded.insert(row.category);
        }
        // Already open: step onto the first sub-category.
        Action::Expand if open => r.cursor.selected += 1,
        Action::Collapse if open => {
            r.expanded.remove(&row.category);
        }
        Action::Collapse => {
            if let Some(parent) = row.parent() {
                let visible = r.visible();
                let data = r.data.as_ref();
                if let Some(p) = visible.iter().position(|&i| {
                    data.is_some_and(|d| {
                        d.categories[i].category == parent
                            && d.categories[i].currency == row.currency
                    })
                }) {
                    r.cursor.selected = p;
                }
            }
        }
        _ => {}
    }
    clamp(state);
}

/// The ledger of the review's month, filtered to the selected category (and below).
fn open_category(state: &mut State) -> Vec<Effect> {
    let Some(row) = state.review.selected_row().cloned() else {
        return Vec::new();
    };
    state.screen = Screen::Ledger;
    state.ledger.month = state.review.month;
    state.ledger.landed = None;
    state.ledger.category = Some(row.category);
    // The category's expenses, all of them: a text filter left from before would hide some.
    state.ledger.filter = Input::default();
    state.ledger.filter_editing = false;
    super::restart_ledger(state)
}

fn back_to_ledger(state: &mut State) -> Vec<Effect> {
    state.screen = Screen::Ledger;
    if state.ledger.month != state.review.month {
        state.ledger.month = state.review.month;
        state.ledger.landed = None;
        return super::restart_ledger(state);
    }
    Vec::new()
}

fn open_budget_form(state: &mut State) {
    let Some(row) = state.review.selected_row().cloned() else {
        state.toast = Some(Toast {
            text: "No category selected".into(),
            error: true,
        });
        return;
    };
    let value = row
        .budget
        .map(|b| format_plain(b, row.currency))
        .unwrap_or_default();
    state.overlay = Some(Overlay::Budget(BudgetForm {
        category: row.category,
        currency: row.currency,
        input: Input::new(value),
        error: None,
        saving: false,
    }));
}

/// Keys in the budget form: edit the amount, Enter saves it (empty removes the budget), Esc
/// closes the form.
pub fn budget_form(state: &mut State, action: Action) -> Vec<Effect> {
    let Some(Overlay::Budget(form)) = &mut state.overlay else {
        return Vec::new();
    };
    match action {
        Action::Input(req) => {
            form.input.handle(req);
            form.error = None;
        }
        Action::Submit if !form.saving => {
            let text = form.input.value().trim();
            let limit = if text.is_empty() {
                None
            } else {
                match eval_amount(text, form.currency) {
                    Ok(v) if v > 0 => Some((form.currency, v)),
                    Ok(_) => {
                        form.error = Some(format!(
                            "budget '{text}' must be above zero (empty removes it)"
                        ));
                        return Vec::new();
                    }
                    Err(e) => {
                        form.error = Some(format!("budget: {e}"));
                        return Vec::new();
                    }
                }
            };
            form.saving = true;
            return vec![Effect::SetBudget {
                category: form.category.clone(),
                limit,
            }];
        }
        Action::Cancel | Action::Quit => state.overlay = None,
        _ => {}
    }
    Vec::new()
}
