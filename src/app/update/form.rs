//! The add/edit form reducer: focus, text editing, completion, validation on submit. The
//! schedule form is this form with the rule's fields after the expense's
//! (`update/schedules/form.rs` holds what is its own).

use super::schedules::form as schedule_form;
use super::suggest::{candidates, Source};
use crate::app::action::Action;
use crate::app::effect::Effect;
use crate::app::state::{FormMode, FormState, Overlay, RuleField, State, Toast};
use crate::domain::answer::Conflicted;
use crate::domain::money::{eval_signed_amount, format_plain, Currency};
use crate::domain::quick::{resolve_category, QuickReason};
use crate::domain::validate::{validate_draft, Field};
use crate::domain::{Draft, Expense, Kind};
use tui_input::{Input, InputRequest};

/// How many suggestions the form lists.
pub const MAX_SUGGESTIONS: usize = 6;

/// An empty expense form (today, the default currency), focused on the amount.
pub(super) fn blank(state: &State) -> FormState {
    let mut inputs = vec![Input::default(); Field::ALL.len()];
    let mut set = |f: Field, v: String| inputs[crate::app::state::field_index(f)] = Input::new(v);
    set(Field::Date, state.today.format("%Y-%m-%d").to_string());
    set(Field::Currency, state.default_currency.code().to_string());
    FormState {
        mode: FormMode::New,
        focus: Field::Amount,
        inputs,
        kind: Kind::Expense,
        errors: Vec::new(),
        store_error: None,
        suggestions: Vec::new(),
        suggested_for: None,
        suggestion: None,
        saving: false,
        category_proposed: false,
        amount_preview: None,
        new_category: None,
        hint: None,
        rule: None,
        known_category: None,
        base: None,
        conflict: None,
    }
}

/// Opens an empty form (today, default currency), focused on the amount.
pub fn open_new(state: &mut State) -> Vec<Effect> {
    let form = blank(state);
    state.overlay = Some(Overlay::Form(Box::new(form)));
    vec![Effect::LoadCompletions]
}

/// Opens the form on the selected expense.
pub fn open_edit(state: &mut State) -> Vec<Effect> {
    let Some(e) = state.ledger.selected_row().cloned() else {
        state.toast = Some(Toast {
            text: "Nothing selected to edit (a adds one)".into(),
            error: true,
        });
        return Vec::new();
    };
    let mut form = blank(state);
    fill(&mut form, &e);
    state.overlay = Some(Overlay::Form(Box::new(form)));
    vec![Effect::LoadCompletions]
}

fn fill(form: &mut FormState, e: &Expense) {
    form.mode = FormMode::Edit {
        id: e.id,
        version: e.version,
    };
    form.base = Some(e.draft.clone());
    fill_draft(form, &e.draft);
}

/// Puts `d`'s fields into the form's inputs.
pub(super) fn fill_draft(form: &mut FormState, d: &Draft) {
    for field in Field::ALL {
        if field != Field::Kind {
            *form.input_mut(field) = Input::new(field.text_of(d));
        }
    }
    form.kind = d.kind;
}

/// The form's save met another version: the typed text stays, the stored version is kept
/// beside it for `take_other`, and the fields changed elsewhere are marked.
pub fn conflicted(state: &mut State, conflict: Conflicted) {
    match &mut state.overlay {
        Some(Overlay::Form(form)) if form.saving => {
            form.saving = false;
            form.store_error = None;
            form.conflict = Some(conflict);
        }
        _ => {
            state.toast = Some(Toast {
                text: conflict.message,
                error: true,
            })
        }
    }
}

/// After a conflict: the version stored elsewhere replaces what was typed (the person chose
/// it); when that version is gone, the form closes.
fn take_other(state: &mut State) {
    let Some(Overlay::Form(form)) = &mut state.overlay else {
        return;
    };
    let Some(conflict) = form.conflict.take() else {
        return;
    };
    match conflict.current {
        Some(e) => {
            fill(form, &e);
            form.errors.clear();
            form.hint = None;
            form.amount_preview = None;
            form.store_error = None;
            form.new_category = None;
            suggest(state);
        }
        None => {
            state.overlay = None;
            state.toast = Some(Toast {
                text: "Left as deleted elsewhere (u brings it back if it was yours)".into(),
                error: false,
            });
        }
    }
}

/// Form reducer.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let Some(Overlay::Form(form)) = &mut state.overlay else {
        return Vec::new();
    };
    if form.saving {
        return Vec::new(); // the store is confirming; keys wait for the answer
    }
    match action {
        // Tab takes the suggestion showing (the highlighted one, else the first), as shells
        // and `hledger add` do; with none showing, or nothing typed to complete, it moves on.
        Action::FocusNext if form.tab_takes() => {
            let i = form.suggestion.unwrap_or(0);
            accept(state, i)
        }
        Action::FocusNext => move_focus(state, true),
        Action::FocusPrev => move_focus(state, false),
        Action::TakeOther => take_other(state),
        Action::Input(req) if form.rule_focus().is_some() => schedule_form::input(form, req),
        Action::SuggestNext | Action::SuggestPrev => {
            let down = action == Action::SuggestNext;
            if form.shown_suggestions().is_empty() {
                move_focus(state, down);
            } else {
                let n = form.suggestions.len();
                form.suggestion = Some(match (form.suggestion, down) {
                    (None, true) => 0,
                    (None, false) => n - 1,
                    (Some(i), true) => (i + 1) % n,
                    (Some(i), false) => (i + n - 1) % n,
                });
            }
        }
        Action::ToggleKind => form.kind = toggle(form.kind),
        Action::Input(req) => {
            if form.focus == Field::Kind {
                if let InputRequest::InsertChar(c) = req {
                    form.kind = match c {
                        'e' | 'E' | '-' => Kind::Expense,
                        'i' | 'I' | '+' => Kind::Income,
                        _ => toggle(form.kind),
                    };
                }
            } else {
                let focus = form.focus;
                if focus == Field::Category && form.category_proposed {
                    form.category_proposed = false;
                    if matches!(req, InputRequest::InsertChar(_)) {
                        *form.input_mut(focus) = Input::default();
                    }
                }
                form.input_mut(focus).handle(req);
                form.errors.retain(|(f, _)| *f != focus);
                if form.hint.as_ref().is_some_and(|(f, _)| *f == focus) {
                    form.hint = None;
                }
                if matches!(focus, Field::Amount | Field::Currency) {
                    form.amount_preview = preview(form);
                }
                suggest(state);
            }
        }
        Action::Submit => {
            if let Some(i) = form
                .suggestion
                .filter(|_| !form.shown_suggestions().is_empty())
            {
                accept(state, i);
            } else {
                return submit(state);
            }
        }
        Action::Cancel => {
            if form.new_category.take().is_some() {
                // Not new after all: back to the category, with the known ones to pick from.
                form.errors.retain(|(f, _)| *f != Field::Category);
                form.focus = Field::Category;
                suggest(state);
            } else if form.tab_takes() {
                form.suggestion = None;
                form.suggestions.clear();
            } else {
                state.overlay = None;
            }
        }
        _ => {}
    }
    Vec::new()
}

fn toggle(kind: Kind) -> Kind {
    match kind {
        Kind::Expense => Kind::Income,
        Kind::Income => Kind::Expense,
    }
}

/// One field of the form's tab order: an expense field, or (in a schedule form) a rule field.
#[derive(Clone, Copy, PartialEq)]
enum Slot {
    Expense(Field),
    Rule(RuleField),
}

/// Moves the focus to the next (or previous) field: the expense's, then the rule's in a
/// schedule form, round again. The field left is checked at once.
fn move_focus(state: &mut State, forward: bool) {
    let today = state.today;
    let Some(Overlay::Form(form)) = &mut state.overlay else {
        return;
    };
    let mut slots: Vec<Slot> = Field::ALL.iter().map(|f| Slot::Expense(*f)).collect();
    if form.rule.is_some() {
        slots.extend(RuleField::ALL.iter().map(|f| Slot::Rule(*f)));
    }
    let here = match form.rule_focus() {
        Some(r) => Slot::Rule(r),
        None => Slot::Expense(form.focus),
    };
    let i = slots.iter().position(|s| *s == here).unwrap_or(0);
    let n = slots.len();
    let next = slots[if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    }];
    match next {
        Slot::Expense(f) => form.focus = f,
        Slot::Rule(_) => {}
    }
    if let Some(rule) = form.rule.as_deref_mut() {
        rule.focus = match next {
            Slot::Rule(r) => Some(r),
            Slot::Expense(_) => None,
        };
    }
    match here {
        Slot::Rule(left) => schedule_form::check_left(form, left, today),
        Slot::Expense(leaving) => {
            if leaving == Field::Payee {
                propose_category(state);
            }
            if leaving == Field::Category {
                resolve(state);
            }
            check_left(state, leaving);
        }
    }
    suggest(state);
}

/// What `12.50+3*2` comes to, when the amount is an expression that evaluates (a plain number
/// needs no preview; an error shows when the field is left).
fn preview(form: &FormState) -> Option<String> {
    let text = form.input(Field::Amount).value().trim();
    let digits_only = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | ' ' | '\''));
    if text.is_empty() || digits_only {
        return None;
    }
    let currency = Currency::parse(form.input(Field::Currency).value()).ok()?;
    let v = eval_signed_amount(text, currency).ok()?;
    Some(format!("= {}", format_plain(v, currency)))
}

/// The reason `field` (just left) is invalid, shown under it at once rather than on save; other
/// fields' reasons wait until they are left or the form is saved.
fn check_left(state: &mut State, field: Field) {
    let today = state.today;
    let Some(Overlay::Form(form)) = &mut state.overlay else {
        return;
    };
    if field == Field::Kind || form.input(field).value().trim().is_empty() {
        return;
    }
    form.errors.retain(|(f, _)| *f != field);
    if let Err(errors) = validate_draft(&form.raw(), today) {
        if let Some((f, e)) = errors.into_iter().find(|(f, _)| *f == field) {
            form.errors.push((f, e.to_string()));
        }
    }
}

/// Resolves the category as quick entry does: kept when known (or a parent of known ones),
/// else a unique prefix or fuzzy match (`groc` -> `food:groceries`, said under the field). A
/// category that matches nothing is left as typed, and saving asks once whether it is new.
/// Returns false when the category cannot be resolved (ambiguous: said under the field).
fn resolve(state: &mut State) -> bool {
    let Some(Overlay::Form(form)) = &mut state.overlay else {
        return true;
    };
    let typed = form.input(Field::Category).value().trim().to_string();
    if typed.is_empty() || form.new_category.as_deref() == Some(typed.as_str()) {
        return true;
    }
    match resolve_category(&typed, false, &state.completions.categories) {
        Ok(found) => {
            if found != typed {
                form.hint = Some((Field::Category, format!("'{typed}' is {found}")));
                *form.input_mut(Field::Category) = Input::new(found);
            }
            true
        }
        Err(QuickReason::AmbiguousCategory(some)) => {
            form.errors.retain(|(f, _)| *f != Field::Category);
            form.errors.push((
                Field::Category,
                format!("'{typed}' could be {}: pick one", some.join(", ")),
            ));
            false
        }
        // Unknown: asked on save. Anything else (a bad name) validation words.
        Err(_) => true,
    }
}

/// A known payee proposes the category it had last time, when the category is still empty (or
/// holds an earlier proposal, which a changed payee replaces).
fn propose_category(state: &mut State) {
    let Some(Overlay::Form(form)) = &mut state.overlay else {
        return;
    };
    if form.category_proposed {
        *form.input_mut(Field::Category) = Input::default();
        form.category_proposed = false;
    }
    if !form.input(Field::Category).value().trim().is_empty() {
        return;
    }
    let payee = form.input(Field::Payee).value().trim().to_string();
    if let Some((_, _, cat)) = state
        .completions
        .payees
        .iter()
        .find(|(p, _, _)| *p == payee)
    {
        *form.input_mut(Field::Category) = Input::new(cat.clone());
        form.category_proposed = true;
    }
}

/// Recomputes the suggestions for the focused field from what the store knows.
fn suggest(state: &mut State) {
    let Some(Overlay::Form(form)) = &mut state.overlay else {
        return;
    };
    form.suggested_for = Some(form.focus);
    if form.rule_focus().is_some() {
        form.suggestions.clear();
        form.suggestion = None;
        return;
    }
    let text = form.input(form.focus).value();
    let c = &state.completions;
    form.suggestions = match form.focus {
        Field::Category => candidates(c, Source::Category, text, &[], MAX_SUGGESTIONS),
        Field::Payee => candidates(c, Source::Payee, text, &[], MAX_SUGGESTIONS),
        Field::Tags => {
            let current = text
                .rsplit([' ', ','])
                .next()
                .unwrap_or("")
                .trim_start_matches('#');
            let used: Vec<&str> = text.split([' ', ',']).collect();
            candidates(c, Source::Tag, current, &used, MAX_SUGGESTIONS)
        }
        _ => Vec::new(),
    };
    form.suggestion = None;
}

fn accept(state: &mut State, i: usize) {
    let Some(Overlay::Form(form)) = &mut state.overlay else {
        return;
    };
    // Only the list of the field that has the keyboard: never a payee into the amount.
    let Some(choice) = form.shown_suggestions().get(i).cloned() else {
        return;
    };
    let focus = form.focus;
    if focus == Field::Category {
        form.category_proposed = false;
    }
    let value = if focus == Field::Tags {
        let text = form.input(focus).value();
        let keep = text.rfind([' ', ',']).map_or("", |p| &text[..=p]);
        format!("{keep}{choice} ")
    } else {
        choice
    };
    *form.input_mut(focus) = Input::new(value);
    form.suggestions.clear();
    form.suggestion = None;
    if focus == Field::Payee {
        propose_category(state);
    }
}

fn submit(state: &mut State) -> Vec<Effect> {
    let today = state.today;
    if !resolve(state) {
        if let Some(Overlay::Form(form)) = &mut state.overlay {
            form.focus = Field::Category;
            if let Some(rule) = form.rule.as_deref_mut() {
                rule.focus = None;
            }
        }
        suggest(state);
        return Vec::new();
    }
    let Some(Overlay::Form(form)) = &mut state.overlay else {
        return Vec::new();
    };
    let typed = form.input(Field::Category).value().trim().to_string();
    let known = |c: &str| {
        let c = c.to_lowercase();
        let t = typed.to_lowercase();
        c == t || c.starts_with(&format!("{t}:"))
    };
    // With no known categories (a new store, or completions not loaded yet) there is nothing
    // a typo could have missed: no question.
    let cats = &state.completions.categories;
    let is_new = !typed.is_empty()
        && !cats.is_empty()
        && form.known_category.as_deref() != Some(typed.as_str())
        && !cats.iter().any(|(c, _)| known(c))
        && validate_draft(&form.raw(), today).is_ok();
    if is_new && form.new_category.as_deref() != Some(typed.as_str()) {
        form.new_category = Some(typed.clone());
        form.focus = Field::Category;
        if let Some(rule) = form.rule.as_deref_mut() {
            rule.focus = None;
        }
        form.errors.retain(|(f, _)| *f != Field::Category);
        form.errors.push((
            Field::Category,
            format!("new category '{typed}'? Enter to create, Esc to pick a known one"),
        ));
        return Vec::new();
    }
    // The rule's reasons show with the expense's, not one after the other.
    schedule_form::check_all(form, today);
    match validate_draft(&form.raw(), today) {
        Ok(draft) => {
            form.errors.clear();
            form.store_error = None;
            form.suggestions.clear();
            let fx = match (form.mode, &form.conflict) {
                // After a conflict, Enter saves what was typed over the version stored now, or
                // adds it again when that one was deleted.
                (FormMode::Edit { .. }, Some(Conflicted { current: None, .. })) => {
                    Effect::Put(draft)
                }
                (
                    FormMode::Edit { id, .. },
                    Some(Conflicted {
                        current: Some(e), ..
                    }),
                ) => Effect::Update {
                    id,
                    expected_version: e.version,
                    draft,
                },
                (FormMode::New, _) => Effect::Put(draft),
                (FormMode::Edit { id, version }, None) => Effect::Update {
                    id,
                    expected_version: version,
                    draft,
                },
                (FormMode::Schedule | FormMode::PostDue { .. }, _) => {
                    match schedule_form::effect(form, draft, today) {
                        Some(fx) => fx,
                        None => return Vec::new(),
                    }
                }
            };
            form.saving = true;
            if matches!(
                fx,
                Effect::SaveSchedule(_) | Effect::HandleOccurrence { .. }
            ) {
                state.schedules.writing = true;
            }
            vec![fx]
        }
        Err(errors) => {
            if let Some((f, _)) = errors.first() {
                form.focus = *f;
            }
            if let Some(rule) = form.rule.as_deref_mut() {
                rule.focus = None;
            }
            form.errors = errors
                .into_iter()
                .map(|(f, e)| (f, e.to_string()))
                .collect();
            // The list of the field left behind goes; the field with the error gets its own.
            suggest(state);
            Vec::new()
        }
    }
}
