//! What every screen shares: undo and redo, the help overlay, quit.

use super::*;
use expense_tracker::app::Answer;

fn stored(seq: u64, change: Change) -> Action {
    Action::Answer(Answer::Stored(Box::new(Stored {
        seq,
        change,
        expense: expense(0),
    })))
}

fn stepped(redo: bool, text: &str, expense: Option<Expense>) -> Action {
    Action::Answer(Answer::Stepped(Box::new(Stepped {
        redo,
        text: text.into(),
        expense,
    })))
}

#[test]
fn undo_and_redo_go_to_the_whole_store_from_ledger_and_review() {
    let mut f = Fake::with_rows(5);
    f.send(stored(7, Change::Added));
    assert_eq!(f.send(Action::Undo), vec![Effect::Undo]);
    assert_eq!(f.send(Action::Redo), vec![Effect::Redo]);
    f.send(Action::OpenReview);
    assert_eq!(f.send(Action::Undo), vec![Effect::Undo]);
    assert_eq!(f.send(Action::Redo), vec![Effect::Redo]);
}

/// An undo that met a newer change says so; `u` again leaves that change and undoes the one
/// before it (`Effect::UndoSkip`), once: the `u` after that is a plain undo again.
#[test]
fn u_again_after_a_blocked_undo_skips_the_blocked_change() {
    let mut f = Fake::with_rows(5);
    let msg = "cannot undo edit 3.00 EUR fun: change 9 (edit ...) changed that expense since. \
               Press u again (expense undo --skip) to leave it as it is";
    assert_eq!(
        f.send(Action::Answer(Answer::UndoBlocked(msg.into()))),
        vec![]
    );
    assert_eq!(f.state.toast.as_ref().map(|t| t.error), Some(true));
    assert!(f
        .state
        .toast
        .as_ref()
        .unwrap()
        .text
        .contains("Press u again"));
    assert_eq!(f.send(Action::Undo), vec![Effect::UndoSkip]);
    assert_eq!(f.send(Action::Undo), vec![Effect::Undo]);
}

#[test]
fn a_step_says_what_it_did_and_keeps_its_expense_under_the_cursor() {
    let mut f = Fake::with_rows(5);
    let e = expense(3);
    let fx = f.send(stepped(
        false,
        "Undid: edit 1.03 EUR rent @Landlord (amount 1.00 → 1.03)",
        Some(e.clone()),
    ));
    let toast = f.state.toast.clone().unwrap();
    assert!(!toast.error);
    assert!(toast.text.starts_with("Undid: edit"), "{}", toast.text);
    let windows = load_windows(&fx);
    assert_eq!(windows.len(), 1);
    assert_eq!(windows[0].focus, Some(e.id));
    assert!(!fx.contains(&Effect::LoadCompletions));
    // An expense of another month, a removal and a batch step leave the row that was under
    // the cursor there.
    let under = f.state.ledger.selected_row().unwrap().id;
    let mut other = expense(1);
    other.draft.date = day(2026, 1, 5);
    let fx = f.send(stepped(true, "Redid: add 1.01 EUR", Some(other)));
    assert_eq!(load_windows(&fx)[0].focus, Some(under));
    let fx = f.send(stepped(false, "Undid: add 1.01 EUR", None));
    assert_eq!(load_windows(&fx)[0].focus, Some(under));
    let fx = f.send(stepped(true, "Redid: import: restored 2 expenses", None));
    assert_eq!(load_windows(&fx)[0].focus, Some(under));
}

#[test]
fn a_failed_undo_shows_why() {
    let mut f = Fake::with_rows(5);
    assert_eq!(f.send(Action::Undo), vec![Effect::Undo]);
    f.send(Action::Answer(Answer::Failed(
        "expense 01X was changed elsewhere".into(),
    )));
    let toast = f.state.toast.clone().unwrap();
    assert!(toast.error);
    assert!(toast.text.contains("changed elsewhere"), "{}", toast.text);
}

#[test]
fn undo_with_nothing_to_undo_says_so() {
    let mut f = Fake::with_rows(5);
    f.send(stepped(false, "Nothing to undo", None));
    let toast = f.state.toast.clone().unwrap();
    assert!(!toast.error);
    assert_eq!(toast.text, "Nothing to undo");
}

#[test]
fn help_opens_scrolls_and_closes() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenHelp);
    f.send(Action::ScrollDown);
    f.send(Action::ScrollDown);
    f.send(Action::ScrollUp);
    assert!(matches!(f.state.overlay, Some(Overlay::Help { scroll: 1 })));
    f.send(Action::Cancel);
    assert!(f.state.overlay.is_none());
    assert_eq!(
        f.state.ledger.cursor.selected, 0,
        "help keys never move the ledger"
    );
}

#[test]
fn quit_sets_quitting_and_asks_to_leave() {
    let mut f = Fake::with_rows(5);
    assert_eq!(f.send(Action::Quit), vec![Effect::Quit]);
    assert!(f.state.quitting);
}

/// A store out of reach shows its reason until it is back; coming back says so in place of the
/// failures met meanwhile, and a return that nobody was told about (after ctrl-z) says nothing.
#[test]
fn a_store_away_is_shown_until_it_is_back() {
    let mut f = Fake::with_rows(3);
    let why =
        "the store is held by stopped process 42: resume it (fg in its shell, or kill -CONT 42)";
    f.send(Action::Answer(Answer::StoreAway(Some(why.into()))));
    assert_eq!(f.state.store_away.as_deref(), Some(why));
    f.send(Action::Answer(Answer::Failed(format!("not saved: {why}"))));
    f.send(Action::Answer(Answer::StoreAway(None)));
    assert_eq!(f.state.store_away, None);
    let toast = f.state.toast.clone().expect("a notice that it is back");
    assert!(
        !toast.error && toast.text.starts_with("The store is back"),
        "{toast:?}"
    );

    let mut quiet = Fake::with_rows(3);
    quiet.send(Action::Answer(Answer::StoreAway(None)));
    assert_eq!(quiet.state.toast, None);
}

/// The loop skips drawing for what `changes_nothing` names: applying it must leave the state
/// as it was (compared whole, through `Debug`), with a message on screen and a failing trigger
/// shown. What changes the screen is not named.
#[test]
fn what_changes_nothing_leaves_the_state_as_it_was() {
    use expense_tracker::app::update::changes_nothing;
    let mut f = Fake::with_rows(5);
    f.send(Action::Answer(Answer::Failed("a message on screen".into())));
    f.send(Action::Answer(Answer::TriggerHealth(Some(
        "trigger x fails".into(),
    ))));
    let quiet = [
        Action::Tick(today()),
        Action::PollTriggers,
        Action::Answer(Answer::TriggerHealth(Some("trigger x fails".into()))),
    ];
    for action in quiet {
        assert!(changes_nothing(&f.state, &action), "{action:?}");
        let before = format!("{:?}", f.state);
        f.send_raw(action.clone());
        assert_eq!(
            format!("{:?}", f.state),
            before,
            "{action:?} changed the state"
        );
    }
    let loud = [
        Action::Tick(today().succ_opt().expect("a next day")),
        Action::Answer(Answer::TriggerHealth(None)),
        Action::SelectNext,
        Action::Resize {
            width: 100,
            height: 30,
        },
    ];
    for action in loud {
        assert!(!changes_nothing(&f.state, &action), "{action:?}");
        let before = format!("{:?}", f.state);
        f.send_raw(action.clone());
        assert_ne!(
            format!("{:?}", f.state),
            before,
            "{action:?} changed nothing"
        );
    }
}
