//! The add/edit form: fields, completions, validation, the draft put or updated, and what the
//! app says and selects once the store has it (the one-line entry's tests are in `quick.rs`).

use super::*;
use expense_tracker::app::Answer;
use expense_tracker::domain::answer::Conflicted;

#[test]
fn open_add_starts_on_amount_with_today_and_default_currency() {
    let mut f = Fake::with_rows(5);
    let fx = f.send(Action::OpenAdd);
    assert_eq!(fx, vec![Effect::LoadCompletions]);
    let form = f.form();
    assert_eq!(form.mode, FormMode::New);
    assert_eq!(form.focus, Field::Amount);
    assert_eq!(form.input(Field::Date).value(), "2026-11-21");
    assert_eq!(form.input(Field::Currency).value(), "EUR");
    assert_eq!(form.input(Field::Amount).value(), "");
    assert_eq!(form.kind, Kind::Expense);
    assert!(form.errors.is_empty());
}

#[test]
fn invalid_amount_shows_an_error_and_emits_nothing() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    f.type_str("12,3.4");
    let fx = f.send(Action::Submit);
    assert!(fx.is_empty(), "{fx:?}");
    let form = f.form();
    assert!(form.error(Field::Amount).is_some(), "{:?}", form.errors);
    assert_eq!(
        form.focus,
        Field::Amount,
        "focus goes to the first bad field"
    );
    assert!(!form.saving);
    // Editing the field clears its error.
    f.send(Action::Input(InputRequest::DeletePrevChar));
    assert!(f.form().error(Field::Amount).is_none());
}

fn valid_form(f: &mut Fake) {
    f.send(Action::OpenAdd);
    f.type_str("12+3.50");
    f.send(Action::FocusNext); // payee
    f.type_str("Bakery");
    f.send(Action::FocusNext); // category
    f.type_str("food");
}

#[test]
fn valid_form_puts_exactly_one_draft() {
    let mut f = Fake::with_rows(5);
    valid_form(&mut f);
    let fx = f.send(Action::Submit);
    let draft = Draft {
        date: today(),
        amount: 1550,
        currency: Currency::EUR,
        category: "food".into(),
        payee: "Bakery".into(),
        note: String::new(),
        tags: Vec::new(),
        kind: Kind::Expense,
    };
    assert_eq!(fx, vec![Effect::Put(draft)]);
    assert!(f.form().saving);
    // Keys wait while the store confirms: a second Enter cannot store twice.
    assert!(f.send(Action::Submit).is_empty());
}

#[test]
fn income_toggle_reaches_the_draft() {
    let mut f = Fake::with_rows(5);
    valid_form(&mut f);
    f.send(Action::ToggleKind);
    let fx = f.send(Action::Submit);
    match &fx[..] {
        [Effect::Put(d)] => assert_eq!(d.kind, Kind::Income),
        other => panic!("{other:?}"),
    }
}

/// `-12.50` in the amount is a refund: put as a negative expense; with the kind income it is
/// refused at the amount with the reason, and `-0` too; nothing is put.
#[test]
fn a_refund_in_the_form_is_a_negative_expense_and_never_an_income() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    f.type_str("-12.50");
    f.send(Action::FocusNext); // payee
    f.type_str("Bakery");
    f.send(Action::FocusNext); // category
    f.type_str("food");
    f.send(Action::ToggleKind);
    assert!(
        f.send(Action::Submit).is_empty(),
        "a negative income is refused"
    );
    let e = f.form().error(Field::Amount).map(str::to_string);
    assert!(
        e.as_deref()
            .is_some_and(|e| e.contains("an income cannot be negative")),
        "{e:?}"
    );
    f.send(Action::ToggleKind);
    let fx = f.send(Action::Submit);
    match &fx[..] {
        [Effect::Put(d)] => assert_eq!((d.amount, d.kind), (-1250, Kind::Expense)),
        other => panic!("{other:?}"),
    }
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    f.type_str("-0");
    f.send(Action::FocusNext);
    f.send(Action::FocusNext);
    f.type_str("food");
    assert!(f.send(Action::Submit).is_empty());
    let e = f.form().error(Field::Amount).map(str::to_string);
    assert_eq!(e.as_deref(), Some("'-0': a refund must be more than zero"));
}

#[test]
fn focus_next_and_prev_follow_tab_order() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    let mut order = vec![f.form().focus];
    for _ in 0..8 {
        f.send(Action::FocusNext);
        order.push(f.form().focus);
    }
    assert_eq!(
        order,
        vec![
            Field::Amount,
            Field::Payee,
            Field::Category,
            Field::Tags,
            Field::Note,
            Field::Currency,
            Field::Kind,
            Field::Date,
            Field::Amount,
        ]
    );
    f.send(Action::FocusPrev);
    assert_eq!(f.form().focus, Field::Date);
    f.send(Action::FocusPrev);
    assert_eq!(f.form().focus, Field::Kind, "wraps around backwards");
}

fn lidl_completions() -> Completions {
    Completions {
        categories: vec![("food:groceries".into(), 3), ("rent".into(), 1)],
        payees: vec![("Lidl".into(), 3, "food:groceries".into())],
        tags: vec![("weekly".into(), 2)],
    }
}

#[test]
fn payee_completion_suggests_and_proposes_the_category() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    f.send(Action::Answer(
        Answer::CompletionsLoaded(lidl_completions()),
    ));
    f.type_str("4.20");
    f.send(Action::FocusNext);
    assert_eq!(f.form().focus, Field::Payee);
    f.type_str("Li");
    assert_eq!(f.form().suggestions, vec!["Lidl".to_string()]);
    assert_eq!(f.form().suggestion, None);
    f.send(Action::SuggestNext);
    assert_eq!(f.form().suggestion, Some(0));
    // Enter on a highlighted suggestion accepts it, it does not save.
    let fx = f.send(Action::Submit);
    assert!(fx.is_empty());
    let form = f.form();
    assert_eq!(form.input(Field::Payee).value(), "Lidl");
    assert_eq!(form.input(Field::Category).value(), "food:groceries");
    assert!(form.suggestions.is_empty());
    // Now Enter saves with both.
    let fx = f.send(Action::Submit);
    match &fx[..] {
        [Effect::Put(d)] => {
            assert_eq!(
                (d.payee.as_str(), d.category.as_str()),
                ("Lidl", "food:groceries")
            );
            assert_eq!(d.amount, 420);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn leaving_a_known_payee_proposes_its_category_but_never_overwrites() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    f.send(Action::Answer(
        Answer::CompletionsLoaded(lidl_completions()),
    ));
    f.send(Action::FocusNext);
    f.type_str("Lidl");
    f.send(Action::FocusNext);
    assert_eq!(f.form().input(Field::Category).value(), "food:groceries");

    f.send(Action::Cancel);
    f.send(Action::OpenAdd);
    f.send(Action::FocusNext); // payee
    f.send(Action::FocusNext); // category
    f.type_str("rent");
    f.send(Action::FocusPrev); // payee
    f.type_str("Lidl");
    f.send(Action::FocusNext);
    assert_eq!(f.form().input(Field::Category).value(), "rent");
}

#[test]
fn typing_replaces_a_proposed_category_and_a_new_payee_takes_its_proposal_away() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    let mut c = lidl_completions();
    c.payees.push(("Landlord".into(), 1, "rent".into()));
    f.send(Action::Answer(Answer::CompletionsLoaded(c)));
    f.send(Action::FocusNext);
    f.type_str("Lidl");
    f.send(Action::FocusNext);
    assert!(f.form().category_proposed);
    // Typing over the proposal replaces it, as a user who did not look at it expects.
    f.type_str("food:lunch");
    assert_eq!(f.form().input(Field::Category).value(), "food:lunch");
    assert!(!f.form().category_proposed);
    // What the user typed is never replaced by a later payee.
    f.send(Action::FocusPrev);
    f.send(Action::Input(InputRequest::DeleteLine));
    f.type_str("Landlord");
    f.send(Action::FocusNext);
    assert_eq!(f.form().input(Field::Category).value(), "food:lunch");

    f.send(Action::Cancel);
    f.send(Action::OpenAdd);
    f.send(Action::FocusNext);
    f.type_str("Lidl");
    f.send(Action::FocusNext);
    // An edit key keeps the proposal and edits it.
    f.send(Action::Input(InputRequest::DeletePrevChar));
    assert_eq!(f.form().input(Field::Category).value(), "food:grocerie");
    assert!(!f.form().category_proposed);

    // Esc closes the list showing for the typed text first, then the form.
    f.send(Action::Cancel);
    assert!(f.form().shown_suggestions().is_empty());
    f.send(Action::Cancel);
    assert!(f.state.overlay.is_none());
    f.send(Action::OpenAdd);
    f.send(Action::FocusNext);
    f.type_str("Lidl");
    f.send(Action::FocusNext);
    // Another known payee replaces a proposal nobody touched; an unknown one clears it.
    f.send(Action::FocusPrev);
    f.send(Action::Input(InputRequest::DeleteLine));
    f.type_str("Landlord");
    f.send(Action::FocusNext);
    assert_eq!(f.form().input(Field::Category).value(), "rent");
    f.send(Action::FocusPrev);
    f.send(Action::Input(InputRequest::DeleteLine));
    f.type_str("Someone new");
    f.send(Action::FocusNext);
    assert_eq!(f.form().input(Field::Category).value(), "");
}

#[test]
fn esc_first_closes_suggestions_then_the_form() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    f.send(Action::Answer(
        Answer::CompletionsLoaded(lidl_completions()),
    ));
    f.send(Action::FocusNext);
    f.type_str("L");
    f.send(Action::SuggestNext);
    assert!(f.send(Action::Cancel).is_empty());
    assert!(f.form().suggestions.is_empty());
    assert_eq!(f.form().input(Field::Payee).value(), "L");
    f.send(Action::Cancel);
    assert!(f.state.overlay.is_none());
}

#[test]
fn tag_completion_appends_to_the_list() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    f.send(Action::Answer(
        Answer::CompletionsLoaded(lidl_completions()),
    ));
    for _ in 0..3 {
        f.send(Action::FocusNext);
    }
    assert_eq!(f.form().focus, Field::Tags);
    f.type_str("trip we");
    assert_eq!(f.form().suggestions, vec!["weekly".to_string()]);
    f.send(Action::SuggestNext);
    f.send(Action::Submit);
    assert_eq!(f.form().input(Field::Tags).value(), "trip weekly ");
}

#[test]
fn open_edit_updates_the_selected_row_at_its_version() {
    let mut f = Fake::with_rows(5);
    f.send(Action::SelectNext);
    let row = f.state.ledger.selected_row().cloned().unwrap();
    let fx = f.send(Action::OpenEdit);
    assert_eq!(fx, vec![Effect::LoadCompletions]);
    let form = f.form();
    assert_eq!(
        form.mode,
        FormMode::Edit {
            id: row.id,
            version: row.version
        }
    );
    assert_eq!(form.input(Field::Payee).value(), row.draft.payee);
    // Saving without changes writes the same fields back, conditional on the version.
    let fx = f.send(Action::Submit);
    assert_eq!(
        fx,
        vec![Effect::Update {
            id: row.id,
            expected_version: row.version,
            draft: row.draft.clone(),
        }]
    );
}

#[test]
fn enter_in_the_ledger_edits_and_with_nothing_selected_says_so() {
    let mut f = Fake::with_rows(2);
    f.send(Action::Submit);
    assert!(matches!(f.state.overlay, Some(Overlay::Form(_))));
    let mut f = Fake::with_rows(0);
    assert!(f.send(Action::OpenEdit).is_empty());
    assert!(f.state.overlay.is_none());
    assert!(f.state.toast.as_ref().unwrap().error);
}

#[test]
fn cancel_closes_the_form_without_effects() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    f.type_str("5");
    assert!(f.send(Action::Cancel).is_empty());
    assert!(f.state.overlay.is_none());
}

#[test]
fn store_failure_while_saving_is_shown_in_the_form() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenEdit);
    assert_eq!(f.send(Action::Submit).len(), 1);
    let msg = "This expense was changed elsewhere (version 2); reopen it to edit.";
    assert!(f
        .send(Action::Answer(Answer::Failed(msg.into())))
        .is_empty());
    let form = f.form();
    assert!(!form.saving, "keys work again");
    assert_eq!(form.store_error.as_deref(), Some(msg));
    assert!(
        f.state.toast.is_none(),
        "the message is in the form, not the status bar"
    );
}

#[test]
fn failure_without_a_saving_form_is_a_toast() {
    let mut f = Fake::with_rows(5);
    f.send(Action::Answer(Answer::Failed("disk full".into())));
    let toast = f.state.toast.clone().unwrap();
    assert!(toast.error);
    assert_eq!(toast.text, "disk full");
    // The next key clears it.
    f.send(Action::SelectNext);
    assert!(f.state.toast.is_none());
}

#[test]
fn stored_closes_the_saving_form_reloads_and_offers_undo() {
    let mut f = Fake::with_rows(5);
    valid_form(&mut f);
    let fx = f.send(Action::Submit);
    let Effect::Put(draft) = fx[0].clone() else {
        panic!()
    };
    let expense = Expense {
        id: ExpenseId(99),
        draft,
        created: 0,
        updated: 0,
        version: 1,
    };
    f.store.push(expense.clone());
    let fx = f.send(Action::Answer(Answer::Stored(Box::new(Stored {
        seq: 7,
        change: Change::Added,
        expense,
    }))));
    assert!(f.state.overlay.is_none());
    assert_eq!(load_windows(&fx).len(), 1);
    assert!(
        !fx.contains(&Effect::LoadCompletions),
        "completions load when a form opens"
    );
    assert_eq!(f.state.ledger.total, Some(6));
    let toast = f.state.toast.clone().unwrap();
    assert!(!toast.error);
    assert!(toast.text.starts_with("Added 15.50 EUR"), "{}", toast.text);
}

#[test]
fn the_saved_message_names_the_payee_only_when_there_is_one() {
    let mut f = Fake::with_rows(3);
    let mut e = expense(1);
    e.draft.payee.clear();
    f.send(Action::Answer(Answer::Stored(Box::new(Stored {
        seq: 3,
        change: Change::Added,
        expense: e.clone(),
    }))));
    let text = f.state.toast.clone().unwrap().text;
    assert_eq!(text, "Added 1.01 EUR · food:bakery · u undoes");
    e.draft.payee = "Bakery".into();
    f.send(Action::Answer(Answer::Stored(Box::new(Stored {
        seq: 4,
        change: Change::Edited,
        expense: e,
    }))));
    let text = f.state.toast.clone().unwrap().text;
    assert_eq!(text, "Saved 1.01 EUR · food:bakery · Bakery · u undoes");
}

#[test]
fn tick_changes_today_and_new_forms_use_it() {
    let mut f = Fake::with_rows(5);
    // A new day also posts what fell due (see `reducer/schedules.rs`).
    assert_eq!(
        f.send(Action::Tick(day(2026, 11, 22))),
        vec![Effect::PostDue {
            today: day(2026, 11, 22)
        }]
    );
    f.send(Action::OpenAdd);
    assert_eq!(f.form().input(Field::Date).value(), "2026-11-22");
}

#[test]
fn an_edit_into_another_month_says_where_it_went() {
    let mut f = Fake::with_rows(5);
    let mut e = expense(0);
    e.draft.date = day(2026, 10, 3);
    f.send(Action::Answer(Answer::Stored(Box::new(Stored {
        seq: 2,
        change: Change::Edited,
        expense: e.clone(),
    }))));
    let text = f.state.toast.clone().unwrap().text;
    assert!(text.contains("to October 2026, t goes there"), "{text}");
    // t goes there, with the expense under the cursor; after that t is this month again.
    let fx = f.send(Action::ThisMonth);
    let Some(Effect::LoadWindow(q)) = fx.first() else {
        panic!("{fx:?}")
    };
    assert_eq!(f.state.ledger.month, Month::containing(day(2026, 10, 3), 1));
    assert_eq!(q.focus, Some(e.id));
    f.send(Action::ThisMonth);
    assert_eq!(f.state.ledger.month, Month::containing(today(), 1));
    // Another month shown in between: the offer is gone.
    f.send(Action::Answer(Answer::Stored(Box::new(Stored {
        seq: 3,
        change: Change::Edited,
        expense: e.clone(),
    }))));
    f.send(Action::NextMonth);
    f.send(Action::ThisMonth);
    assert_eq!(f.state.ledger.month, Month::containing(today(), 1));
    // An add into the month on screen says nothing of months.
    f.send(Action::Answer(Answer::Stored(Box::new(Stored {
        seq: 4,
        change: Change::Added,
        expense: expense(1),
    }))));
    let text = f.state.toast.clone().unwrap().text;
    assert!(!text.contains("goes there"), "{text}");
    assert_eq!(f.state.ledger.landed, None);
}

/// A failed save moves the focus to the bad field: the payee's list must not follow it there,
/// and no key can write a payee into the amount.
#[test]
fn a_suggestion_never_lands_in_another_field() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    f.send(Action::Answer(Answer::CompletionsLoaded(Completions {
        categories: vec![("food:cafe".into(), 2)],
        payees: vec![("Café Central".into(), 2, "food:cafe".into())],
        tags: Vec::new(),
    })));
    f.type_str("12,3.4");
    f.send(Action::FocusNext);
    f.type_str("Caf");
    assert_eq!(f.form().shown_suggestions(), ["Café Central".to_string()]);
    // Enter with the list showing but nothing highlighted saves, and the amount is refused.
    assert!(f.send(Action::Submit).is_empty());
    assert_eq!(f.form().focus, Field::Amount);
    assert!(f.form().error(Field::Amount).is_some());
    assert!(f.form().shown_suggestions().is_empty());
    // ↓ now moves to the next field (there is no list here); Enter and Tab take nothing.
    f.send(Action::SuggestPrev);
    assert_eq!(f.form().focus, Field::Date);
    f.send(Action::FocusNext);
    assert_eq!(f.form().focus, Field::Amount);
    f.send(Action::FocusNext);
    f.send(Action::FocusPrev);
    assert_eq!(f.form().input(Field::Amount).value(), "12,3.4");
    assert_eq!(f.form().input(Field::Payee).value(), "Caf");
    // Even a list left in the state for another field is not taken.
    let Some(Overlay::Form(form)) = &mut f.state.overlay else {
        panic!()
    };
    form.suggestions = vec!["Café Central".into()];
    form.suggested_for = Some(Field::Payee);
    form.suggestion = Some(0);
    form.focus = Field::Amount;
    f.send(Action::Submit);
    assert_eq!(f.form().input(Field::Amount).value(), "12,3.4");
}

#[test]
fn tab_takes_the_suggestion_showing_then_moves_on() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    f.send(Action::Answer(
        Answer::CompletionsLoaded(lidl_completions()),
    ));
    f.type_str("4.20");
    f.send(Action::FocusNext);
    f.type_str("Li");
    // Tab with a list showing and nothing highlighted takes the first.
    f.send(Action::FocusNext);
    let form = f.form();
    assert_eq!(form.focus, Field::Payee);
    assert_eq!(form.input(Field::Payee).value(), "Lidl");
    assert_eq!(form.input(Field::Category).value(), "food:groceries");
    // Nothing left to take: Tab moves on.
    f.send(Action::FocusNext);
    assert_eq!(f.form().focus, Field::Category);
    // A highlighted one is the one taken; a tag is added to the ones typed.
    f.send(Action::FocusNext);
    assert_eq!(f.form().focus, Field::Tags);
    f.type_str("trip we");
    f.send(Action::SuggestNext);
    f.send(Action::FocusNext);
    assert_eq!(f.form().input(Field::Tags).value(), "trip weekly ");
    assert_eq!(f.form().focus, Field::Tags);
}

/// Opens the edit form on the first row, types a new amount and saves: the update is sent.
fn edit_and_save(f: &mut Fake) -> Expense {
    let row = f.state.ledger.selected_row().cloned().unwrap();
    f.send(Action::OpenEdit);
    for _ in 0..10 {
        f.send(Action::Input(InputRequest::DeletePrevChar));
    }
    f.type_str("99");
    assert!(matches!(
        &f.send(Action::Submit)[..],
        [Effect::Update { .. }]
    ));
    row
}

#[test]
fn a_conflict_keeps_what_was_typed_and_offers_both_versions() {
    let mut f = Fake::with_rows(5);
    let row = edit_and_save(&mut f);
    // Meanwhile another session changed the payee and the note.
    let mut theirs = row.clone();
    theirs.version = row.version + 1;
    theirs.draft.payee = "Aldi".into();
    theirs.draft.note = "from the phone".into();
    f.send(Action::Answer(Answer::Conflicted(Box::new(Conflicted {
        message: "changed elsewhere".into(),
        current: Some(theirs.clone()),
    }))));
    let form = f.form();
    assert!(!form.saving);
    assert_eq!(form.input(Field::Amount).value(), "99");
    assert_eq!(
        form.changed_elsewhere(),
        vec![
            (Field::Payee, "Aldi".to_string()),
            (Field::Note, "from the phone".to_string())
        ]
    );
    // Typing goes on; Enter then saves what was typed over the version stored now.
    f.type_str("0");
    let fx = f.send(Action::Submit);
    let mut mine = row.draft.clone();
    mine.amount = 99_000;
    assert_eq!(
        fx,
        vec![Effect::Update {
            id: row.id,
            expected_version: theirs.version,
            draft: mine,
        }]
    );
    // Or, the other way: the version stored elsewhere replaces what was typed.
    let mut f = Fake::with_rows(5);
    let row = edit_and_save(&mut f);
    f.send(Action::Answer(Answer::Conflicted(Box::new(Conflicted {
        message: "changed elsewhere".into(),
        current: Some(theirs.clone()),
    }))));
    f.send(Action::TakeOther);
    let form = f.form();
    assert!(form.conflict.is_none());
    assert_eq!(form.input(Field::Payee).value(), "Aldi");
    assert_eq!(form.input(Field::Amount).value(), "1.00");
    assert_eq!(
        form.mode,
        FormMode::Edit {
            id: row.id,
            version: theirs.version
        }
    );
}

#[test]
fn a_conflict_with_a_deleted_expense_adds_what_was_typed_again() {
    let mut f = Fake::with_rows(5);
    let row = edit_and_save(&mut f);
    f.send(Action::Answer(Answer::Conflicted(Box::new(Conflicted {
        message: "deleted elsewhere".into(),
        current: None,
    }))));
    assert!(f.form().changed_elsewhere().is_empty());
    let mut mine = row.draft.clone();
    mine.amount = 9_900;
    assert_eq!(f.send(Action::Submit), vec![Effect::Put(mine)]);
    // Taking the other version leaves it deleted: the form closes, nothing is written.
    let mut f = Fake::with_rows(5);
    edit_and_save(&mut f);
    f.send(Action::Answer(Answer::Conflicted(Box::new(Conflicted {
        message: "deleted elsewhere".into(),
        current: None,
    }))));
    assert!(f.send(Action::TakeOther).is_empty());
    assert!(f.state.overlay.is_none());
}

#[test]
fn a_saved_expense_stays_selected_wherever_it_moved() {
    let mut f = Fake::with_rows(200);
    // The expense at index 150 of the fake store, as the runtime would report its save.
    let saved = f.store[150].clone();
    let fx = f.send(Action::Answer(Answer::Stored(Box::new(Stored {
        seq: 9,
        change: Change::Edited,
        expense: saved.clone(),
    }))));
    let Some(Effect::LoadWindow(q)) = fx.first() else {
        panic!("expected a load, got {fx:?}")
    };
    assert_eq!(q.focus, Some(saved.id));
    let l = &f.state.ledger;
    assert_eq!(l.selected_row().map(|e| e.id), Some(saved.id));
    assert!(
        l.cursor.selected >= l.cursor.offset && l.cursor.selected < l.cursor.offset + 21,
        "selection on screen"
    );
}

/// The form files a typo as quick entry would: a unique prefix or fuzzy match of a known
/// category, said under the field; a category that matches nothing asks once whether it is new.
#[test]
fn a_typed_category_resolves_like_quick_entry_and_a_new_one_asks_first() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    f.send(Action::Answer(
        Answer::CompletionsLoaded(lidl_completions()),
    ));
    f.type_str("4.20");
    f.send(Action::FocusNext); // payee
    f.send(Action::FocusNext); // category
    f.type_str("groc");
    // Tab takes the suggestion: the same category leaving would resolve to.
    f.send(Action::FocusNext);
    assert_eq!(f.form().input(Field::Category).value(), "food:groceries");
    f.send(Action::Input(InputRequest::DeleteLine));
    f.type_str("groc");
    f.send(Action::FocusPrev); // leaving the category resolves it
    let form = f.form();
    assert_eq!(form.input(Field::Category).value(), "food:groceries");
    assert_eq!(
        form.hint,
        Some((Field::Category, "'groc' is food:groceries".to_string()))
    );
    // A truly new category: the first Enter asks, and stores nothing.
    f.send(Action::FocusNext); // back to the category
    f.send(Action::Input(InputRequest::DeleteLine));
    f.type_str("gifts");
    assert!(f.send(Action::Submit).is_empty());
    let form = f.form();
    assert_eq!(form.focus, Field::Category);
    assert!(
        form.error(Field::Category)
            .is_some_and(|e| e.contains("new category 'gifts'? Enter to create")),
        "{:?}",
        form.errors
    );
    // Esc picks instead: the question goes, the known ones are offered.
    f.send(Action::Cancel);
    assert!(f.form().error(Field::Category).is_none());
    assert!(f.send(Action::Submit).is_empty(), "asked again after Esc");
    // Enter again creates it.
    match &f.send(Action::Submit)[..] {
        [Effect::Put(d)] => assert_eq!(d.category, "gifts"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_amount_expression_shows_its_value_and_a_bad_field_says_so_when_left() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    f.type_str("12.50+3*2");
    assert_eq!(f.form().amount_preview.as_deref(), Some("= 18.50"));
    f.send(Action::Input(InputRequest::DeleteLine));
    f.type_str("12");
    assert_eq!(f.form().amount_preview, None, "a plain number needs none");
    f.send(Action::Input(InputRequest::DeleteLine));
    f.type_str("12,3.4");
    assert!(f.form().error(Field::Amount).is_none(), "not while typing");
    f.send(Action::FocusNext);
    assert!(
        f.form().error(Field::Amount).is_some(),
        "shown as the field is left: {:?}",
        f.form().errors
    );
    // An empty field left alone says nothing yet.
    assert!(f.form().error(Field::Payee).is_none());
    f.send(Action::FocusNext);
    assert!(f.form().error(Field::Category).is_none());
}
