//! The one-line entry (`i`): the add grammar, completion of the word under the cursor by its
//! role, the live preview of how the line reads, and ↑/↓ through the lines entered before.

use super::*;
use expense_tracker::app::state::{Preview, QuickState};

/// What the store knows: categories, payees (one with a blank) and tags, most used first.
fn known() -> Completions {
    let cats = [
        ("food:groceries", 40),
        ("food:restaurants", 12),
        ("transport:fuel", 8),
        ("fun:cinema", 4),
        ("rent", 3),
    ];
    let payees = [
        ("Lidl", 9, "food:groceries"),
        ("Landlord", 3, "rent"),
        ("Corner Shop", 2, "food:groceries"),
    ];
    Completions {
        categories: cats.iter().map(|(c, n)| (c.to_string(), *n)).collect(),
        payees: payees
            .iter()
            .map(|(p, n, c)| (p.to_string(), *n, c.to_string()))
            .collect(),
        tags: vec![("weekly".into(), 5), ("work".into(), 2)],
    }
}

/// The ledger with the quick entry open and the store's names loaded.
fn open() -> Fake {
    let mut f = Fake::with_rows(5);
    assert_eq!(f.send(Action::OpenQuick), vec![Effect::LoadCompletions]);
    f.send(Action::Answer(Answer::CompletionsLoaded(known())));
    f
}

fn quick(f: &Fake) -> &QuickState {
    match &f.state.overlay {
        Some(Overlay::Quick(q)) => q,
        other => panic!("expected the quick entry, got {other:?}"),
    }
}

fn line(f: &Fake) -> &str {
    quick(f).input.value()
}

fn suggestions(f: &Fake) -> Vec<&str> {
    quick(f).suggestions.iter().map(String::as_str).collect()
}

/// Closes the line (Esc closes an open list first) and opens a fresh one.
fn reopen(f: &mut Fake) {
    for _ in 0..2 {
        if f.state.overlay.is_some() {
            f.send(Action::Cancel);
        }
    }
    assert!(f.state.overlay.is_none());
    f.send(Action::OpenQuick);
}

fn edit(f: &mut Fake, req: InputRequest) {
    assert!(f.send(Action::Input(req)).is_empty());
}

/// Enters `text` as a whole line: open, type, Enter; returns the draft put.
fn enter_line(f: &mut Fake, text: &str) -> Draft {
    if f.state.overlay.is_none() {
        f.send(Action::OpenQuick);
    }
    f.type_str(text);
    let fx = f.send(Action::Submit);
    let [Effect::Put(d)] = fx.as_slice() else {
        panic!("{text}: expected one Put, got {fx:?}")
    };
    assert!(f.state.overlay.is_none(), "Enter closes the line");
    d.clone()
}

#[test]
fn the_word_under_the_cursor_is_completed_by_its_role() {
    let mut f = open();
    // `@` completes from payees: never a category.
    f.type_str("12.50 @Li");
    assert_eq!(suggestions(&f), ["Lidl"]);
    // `@` alone lists the payees, most used first.
    for _ in 0..2 {
        edit(&mut f, InputRequest::DeletePrevChar);
    }
    assert_eq!(suggestions(&f), ["Lidl", "Landlord", "Corner Shop"]);
    f.type_str("Lidl gro");
    // The category word completes from the categories.
    assert_eq!(suggestions(&f), ["food:groceries"]);
    // A tag from the tags, less those already on the line.
    f.type_str(" #w");
    assert_eq!(suggestions(&f), ["weekly", "work"]);
    f.type_str("eekly #w");
    assert_eq!(suggestions(&f), ["work"]);
    // A blank after the word: nothing under the cursor, no list.
    f.type_str(" ");
    assert!(suggestions(&f).is_empty());
    // Moving the cursor back onto a word lists that word's names.
    edit(&mut f, InputRequest::GoToStart);
    for _ in 0..14 {
        edit(&mut f, InputRequest::GoToNextChar);
    }
    assert_eq!(line(&f), "12.50 @Lidl gro #weekly #w ");
    assert_eq!(suggestions(&f), ["food:groceries"]);
}

#[test]
fn numbers_dates_notes_and_a_second_category_get_no_list() {
    let mut f = open();
    for text in [
        "12",
        "12 yesterday",
        "12 \"gro",
        "12 groceries fu",
        "12 fun!",
        "12 EUR",
    ] {
        reopen(&mut f);
        f.type_str(text);
        assert!(suggestions(&f).is_empty(), "{text}: {:?}", suggestions(&f));
    }
    // The category may come first; the grammar still says which word it is.
    reopen(&mut f);
    f.type_str("gro");
    assert_eq!(suggestions(&f), ["food:groceries"]);
}

#[test]
fn tab_writes_the_highlighted_name_over_the_word_under_the_cursor_only() {
    let mut f = open();
    f.type_str("12.50 gro @Lidl #weekly");
    // Back into `gro`: `12.50 gr|o @Lidl #weekly`.
    edit(&mut f, InputRequest::GoToStart);
    for _ in 0..8 {
        edit(&mut f, InputRequest::GoToNextChar);
    }
    assert_eq!(suggestions(&f), ["food:groceries"]);
    assert!(f.send(Action::Complete).is_empty());
    assert_eq!(line(&f), "12.50 food:groceries @Lidl #weekly");
    assert_eq!(quick(&f).input.cursor(), "12.50 food:groceries".len());
    assert!(suggestions(&f).is_empty(), "the list closes");
    // With no list, Tab changes nothing.
    f.send(Action::Complete);
    assert_eq!(line(&f), "12.50 food:groceries @Lidl #weekly");

    // At the end of the line: the `@` stays, a blank follows; ↓ picks another name first.
    reopen(&mut f);
    f.type_str("3 rent @");
    f.send(Action::SuggestNext);
    f.send(Action::SuggestNext);
    assert_eq!(quick(&f).highlighted(), Some("Corner Shop"));
    f.send(Action::SuggestPrev);
    assert_eq!(quick(&f).highlighted(), Some("Landlord"));
    f.send(Action::Complete);
    assert_eq!(line(&f), "3 rent @Landlord ");
    // A name with a blank is written quoted, so it stays one payee.
    f.type_str("#wo");
    f.send(Action::Complete);
    reopen(&mut f);
    f.type_str("3 gro @Co");
    f.send(Action::Complete);
    assert_eq!(line(&f), "3 gro @\"Corner Shop\" ");
    let fx = f.send(Action::Submit);
    let [Effect::Put(d)] = fx.as_slice() else {
        panic!("expected one Put, got {fx:?}")
    };
    assert_eq!(
        (d.payee.as_str(), d.category.as_str()),
        ("Corner Shop", "food:groceries")
    );
}

#[test]
fn the_preview_says_how_the_line_reads_before_enter() {
    let mut f = open();
    assert_eq!(quick(&f).preview, None, "nothing typed, nothing to say");
    f.type_str("12.50 groc @Lidl yesterday #weekly \"team lunch\"");
    assert_eq!(
        quick(&f).preview,
        Some(Preview::Understood(
            "12.50 EUR · food:groceries · @Lidl · Fri 20 Nov · #weekly · \"team lunch\"".into()
        ))
    );
    // Grouped amounts, income, another currency, another year; never a float.
    for (text, want) in [
        ("1234.5 rent", "1,234.50 EUR · rent · Sat 21 Nov"),
        ("+2500 salary! 1", "+2,500.00 EUR · salary · Sun 1 Nov"),
        (
            "USD 0.10 fuel 2025-12-06",
            "0.10 USD · transport:fuel · Sat 6 Dec 2025",
        ),
        ("-12.50 groc", "-12.50 EUR · food:groceries · Sat 21 Nov"),
    ] {
        reopen(&mut f);
        f.type_str(text);
        assert_eq!(
            quick(&f).preview,
            Some(Preview::Understood(want.into())),
            "{text}"
        );
    }
    // A bad amount: the grammar's reason, before Enter; Enter stores nothing.
    reopen(&mut f);
    f.type_str("12,3.4 groc");
    let bad = Preview::Refused(
        "word 1 '12,3.4': digit groups after ',' or ' ' must have exactly three digits".into(),
    );
    assert_eq!(quick(&f).preview, Some(bad.clone()));
    assert!(f.send(Action::Submit).is_empty());
    assert_eq!(quick(&f).preview, Some(bad));
    // A new category is refused unless marked new with `!`: said while typing.
    reopen(&mut f);
    f.type_str("12 xyzzy");
    match &quick(&f).preview {
        Some(Preview::Refused(why)) => {
            assert!(why.starts_with("word 2 'xyzzy': unknown category"), "{why}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    f.type_str("!");
    assert_eq!(
        quick(&f).preview,
        Some(Preview::Understood("12.00 EUR · xyzzy · Sat 21 Nov".into()))
    );
}

/// Opened before the store's names arrive, the line is read again when they do.
#[test]
fn the_preview_follows_the_names_when_they_arrive() {
    let mut f = Fake::with_rows(5);
    reopen(&mut f);
    f.type_str("12 groc");
    assert!(
        matches!(&quick(&f).preview, Some(Preview::Refused(_))),
        "{:?}",
        quick(&f).preview
    );
    f.send(Action::Answer(Answer::CompletionsLoaded(known())));
    assert_eq!(
        quick(&f).preview,
        Some(Preview::Understood(
            "12.00 EUR · food:groceries · Sat 21 Nov".into()
        ))
    );
}

/// A new store (its names arrived, and there are none): the first categories are new without a
/// `!`, as for `expense add`; once one exists, an unknown one is refused again.
#[test]
fn a_new_store_takes_its_first_categories_as_typed() {
    let mut f = Fake::with_rows(0);
    reopen(&mut f);
    f.send(Action::Answer(Answer::CompletionsLoaded(
        Completions::default(),
    )));
    f.type_str("12.50 groceries @Lidl");
    assert_eq!(
        quick(&f).preview,
        Some(Preview::Understood(
            "12.50 EUR · groceries · @Lidl · Sat 21 Nov".into()
        ))
    );
    let mut one = Completions::default();
    one.categories.push(("groceries".into(), 1));
    f.send(Action::Answer(Answer::CompletionsLoaded(one)));
    assert!(
        matches!(&quick(&f).preview, Some(Preview::Understood(_))),
        "groceries is known now"
    );
    for _ in 0..21 {
        f.send(Action::Input(InputRequest::DeletePrevChar));
    }
    f.type_str("3 xyzzy");
    assert!(
        matches!(&quick(&f).preview, Some(Preview::Refused(_))),
        "{:?}",
        quick(&f).preview
    );
}

#[test]
fn up_recalls_earlier_lines_newest_first_and_down_comes_back_to_the_typed_one() {
    let mut f = open();
    assert_eq!(enter_line(&mut f, "12.50 groc").amount, 1250);
    enter_line(&mut f, "3 rent @Landlord");
    enter_line(&mut f, "3 rent @Landlord");
    // A refused line is not one entered.
    reopen(&mut f);
    f.type_str("12 xyzzy");
    assert!(f.send(Action::Submit).is_empty());

    reopen(&mut f);
    f.type_str("9.99 ");
    f.send(Action::SuggestPrev);
    assert_eq!(
        line(&f),
        "3 rent @Landlord",
        "the newest first, once though entered twice"
    );
    assert_eq!(
        quick(&f).preview,
        Some(Preview::Understood(
            "3.00 EUR · rent · @Landlord · Sat 21 Nov".into()
        ))
    );
    assert!(suggestions(&f).is_empty(), "a recalled line opens no list");
    f.send(Action::SuggestPrev);
    assert_eq!(line(&f), "12.50 groc");
    f.send(Action::SuggestPrev);
    assert_eq!(line(&f), "12.50 groc", "the oldest stays");
    f.send(Action::SuggestNext);
    assert_eq!(line(&f), "3 rent @Landlord");
    f.send(Action::SuggestNext);
    assert_eq!(line(&f), "9.99 ", "back to the line typed, as typed");
    f.send(Action::SuggestNext);
    assert_eq!(line(&f), "9.99 ");

    // While a list shows, ↑ moves in it; Esc closes it and ↑ recalls again.
    f.type_str("gr");
    assert!(!suggestions(&f).is_empty());
    f.send(Action::SuggestPrev);
    assert_eq!(line(&f), "9.99 gr");
    f.send(Action::Cancel);
    assert!(
        f.state.overlay.is_some(),
        "Esc closed the list, not the line"
    );
    f.send(Action::SuggestPrev);
    assert_eq!(line(&f), "3 rent @Landlord");
    // A recalled line edited and entered is the newest.
    f.type_str(" #work");
    let d = enter_line_open(&mut f);
    assert_eq!(d.tags, ["work"]);
    reopen(&mut f);
    f.send(Action::SuggestPrev);
    assert_eq!(line(&f), "3 rent @Landlord #work");
}

/// Enter on the open line; returns the draft put.
fn enter_line_open(f: &mut Fake) -> Draft {
    let fx = f.send(Action::Submit);
    let [Effect::Put(d)] = fx.as_slice() else {
        panic!("expected one Put, got {fx:?}")
    };
    d.clone()
}

/// Quick entry takes `-12.50` as a refund and `-2` after an amount as two days ago.
#[test]
fn quick_entry_takes_a_refund() {
    let mut f = Fake::with_rows(5);
    f.send(Action::Answer(Answer::CompletionsLoaded(Completions {
        categories: vec![("food:groceries".into(), 3)],
        ..Completions::default()
    })));
    f.send(Action::OpenQuick);
    for c in "-12.50 groc -2".chars() {
        f.send(Action::Input(InputRequest::InsertChar(c)));
    }
    let fx = f.send(Action::Submit);
    let [Effect::Put(d)] = fx.as_slice() else {
        panic!("expected one Put, got {fx:?}")
    };
    assert_eq!((d.amount, d.kind), (-1250, Kind::Expense));
    assert_eq!(d.date, day(2026, 11, 19));
}

#[test]
fn quick_entry_uses_the_add_grammar() {
    let mut f = Fake::with_rows(5);
    f.send(Action::Answer(Answer::CompletionsLoaded(Completions {
        categories: vec![("food:groceries".into(), 3)],
        ..Completions::default()
    })));
    assert_eq!(f.send(Action::OpenQuick), vec![Effect::LoadCompletions]);
    for c in "12.50 xyz".chars() {
        f.send(Action::Input(InputRequest::InsertChar(c)));
    }
    assert!(
        f.send(Action::Submit).is_empty(),
        "an unknown category stores nothing"
    );
    match &quick(&f).preview {
        Some(Preview::Refused(e)) => assert!(e.contains("word 2 'xyz'"), "{e}"),
        other => panic!("expected the prompt with an error, got {other:?}"),
    }
    for _ in 0..3 {
        f.send(Action::Input(InputRequest::DeletePrevChar));
    }
    for c in "groc @Lidl yesterday".chars() {
        f.send(Action::Input(InputRequest::InsertChar(c)));
    }
    let fx = f.send(Action::Submit);
    let [Effect::Put(d)] = fx.as_slice() else {
        panic!("expected one Put, got {fx:?}")
    };
    assert_eq!(
        (d.amount, d.category.as_str(), d.payee.as_str()),
        (1250, "food:groceries", "Lidl")
    );
    assert_eq!(d.date, day(2026, 11, 20));
    assert!(f.state.overlay.is_none());
    f.send(Action::OpenQuick);
    f.send(Action::Cancel);
    assert!(f.state.overlay.is_none());
}
