//! `expense categories` from the shell: `list` (plain and --json) with counts, totals and
//! budgets; `rename OLD NEW` moves the tree and its budget in one batch that the history shows
//! as one line and one `expense undo` takes back exactly; bad input says why and changes
//! nothing; `--dry-run` changes nothing; import settings that name the old category are listed.

mod common;

use common::{fails, list_json, ok, Sandbox};

/// food (2), food:coffee (2), foodstuff (1), rent (1, income), budget food 200 EUR; a
/// config.toml whose import rule and default category name food.
fn seeded() -> Sandbox {
    let sb = Sandbox::new();
    std::fs::write(
        sb.config.join("config.toml"),
        "[import]\ndefault_category = \"food\"\n\n[[import.rules]]\npayee = \"lidl\"\n\
         category = \"food:groceries\"\n\n[[import.rules]]\npayee = \"bvg\"\ncategory = \
         \"transport\"\n",
    )
    .unwrap();
    for line in [
        &["12.50", "food!", "@Lidl", "2026-03-01"][..],
        &["7", "food", "2026-03-02"],
        &["3.20", "food:coffee!", "2026-03-03"],
        &["2.80", "food:coffee", "2026-03-04"],
        &["9.99", "foodstuff!", "2026-03-05"],
        &["+1000", "rent!", "2026-03-06"],
    ] {
        let mut args = vec!["add"];
        args.extend_from_slice(line);
        ok(sb.cmd(&args).output().unwrap());
    }
    ok(sb.cmd(&["budget", "set", "food", "200"]).output().unwrap());
    sb
}

/// Everything a rename may change: the expenses (with versions), the budgets, the categories.
fn state(sb: &Sandbox) -> (Vec<serde_json::Value>, String) {
    let rows = list_json(sb, &["--month", "2026-03"]);
    let budgets = ok(sb.cmd(&["budget", "list", "--json"]).output().unwrap());
    (rows, budgets)
}

fn categories(sb: &Sandbox) -> Vec<String> {
    let mut c: Vec<String> = list_json(sb, &["--month", "2026-03"])
        .iter()
        .map(|r| r["category"].as_str().unwrap().to_string())
        .collect();
    c.sort();
    c
}

#[test]
fn list_shows_counts_totals_and_budgets() {
    let sb = seeded();
    let text = ok(sb.cmd(&["categories"]).output().unwrap());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[0].starts_with("food ")
            && lines[0].contains(" 2  19.50 EUR")
            && lines[0].ends_with("budget 200.00 EUR"),
        "{text}"
    );
    assert!(
        lines[3].starts_with("rent") && lines[3].contains("+1,000.00 EUR"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&ok(sb
        .cmd(&["categories", "list", "--json"])
        .output()
        .unwrap()))
    .unwrap();
    assert_eq!(json[0]["category"], "food");
    assert_eq!(json[0]["count"], 2);
    assert_eq!(json[0]["totals"][0]["spent"], "19.50");
    assert_eq!(json[0]["totals"][0]["currency"], "EUR");
    assert_eq!(json[0]["budget"]["amount"], "200.00");
    assert_eq!(json[1]["budget"], serde_json::Value::Null);
    assert_eq!(json[3]["totals"][0]["income"], "1000.00");
}

#[test]
fn bad_input_says_why_and_changes_nothing() {
    let sb = seeded();
    ok(sb
        .cmd(&["add", "3", "drinks!", "2026-03-07"])
        .output()
        .unwrap());
    ok(sb
        .cmd(&["budget", "set", "drinks", "5", "--currency", "USD"])
        .output()
        .unwrap());
    let before = state(&sb);
    let history = ok(sb.cmd(&["history", "--limit", "3"]).output().unwrap());
    let cases = [
        (&["food", "food"][..], "'food' is already its name"),
        (
            &["food", " food : hot "],
            "cannot move into its own subcategory",
        ),
        (
            &["nope", "x"],
            "no expense, budget or schedule uses category 'nope' (known: ",
        ),
        (
            &["food", "a::b"],
            "new name: category 'a::b' has an empty part",
        ),
        (
            &["food", "bad\u{1b}[31m"],
            "holds a control character (U+001B)",
        ),
        (
            &["food", "drinks"],
            "in different currencies and cannot be merged",
        ),
        (
            &["food", "drinks", "--budget", "max"],
            "'max' is not one of sum, keep-new",
        ),
    ];
    for (args, says) in cases {
        let mut all = vec!["categories", "rename"];
        all.extend_from_slice(args);
        let err = fails(sb.cmd(&all).output().unwrap());
        assert!(err.contains(says), "{args:?}: {err}");
        if !args.contains(&"--budget") {
            assert!(err.contains("nothing was changed"), "{args:?}: {err}");
        }
    }
    assert_eq!(state(&sb), before);
    assert_eq!(
        ok(sb.cmd(&["history", "--limit", "3"]).output().unwrap()),
        history
    );
    // A dry run says what would change, and changes nothing.
    let dry = ok(sb
        .cmd(&["categories", "rename", "food", "meals", "--dry-run"])
        .output()
        .unwrap());
    assert!(
        dry.contains("rename food: 2 expenses (and 2 in subcategories) will move to meals")
            && dry.contains("budget food 200.00 EUR moves to meals")
            && dry.ends_with("nothing was changed (--dry-run)\n"),
        "{dry}"
    );
    assert_eq!(state(&sb), before);
    // A mistyped store is not created by a dry run or a list.
    let elsewhere = sb.tmp.path().join("typo");
    for args in [
        &["categories"][..],
        &["categories", "rename", "a", "b", "--dry-run"],
    ] {
        fails(sb.cmd_at(&elsewhere, args).output().unwrap());
        assert!(!elsewhere.exists(), "{args:?} created a store");
    }
}

#[test]
fn rename_then_undo_and_redo() {
    let sb = seeded();
    // One in the trash keeps its name, and the rename says so.
    let rows = list_json(&sb, &["--month", "2026-03"]);
    let gone = rows.iter().find(|r| r["amount"] == "7.00").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(sb.cmd(&["rm", &gone]).output().unwrap());
    let before = state(&sb);
    let out = ok(sb
        .cmd(&["categories", "rename", "food", "meals"])
        .output()
        .unwrap());
    assert_eq!(
        out,
        "Renamed food → meals: 3 expenses, budget moved\n\
         budget food 200.00 EUR moves to meals\n\
         1 expense in the trash keeps food (restored, it comes back there)\n\
         config.toml still names food (change it by hand; expense never rewrites your config):\n  \
         [[import.rules]] payee = \"lidl\": category \"food:groceries\" → \"meals:groceries\"\n  \
         [import] default_category \"food\" → \"meals\"\n\
         expense undo takes it all back\n"
    );
    assert_eq!(
        categories(&sb),
        ["foodstuff", "meals", "meals:coffee", "meals:coffee", "rent"]
    );
    let budgets = ok(sb.cmd(&["budget", "list"]).output().unwrap());
    assert!(
        budgets.starts_with("meals ") && !budgets.contains("food"),
        "{budgets}"
    );
    // One line in the history; every record in the stream, origin rename, one batch.
    let history = ok(sb.cmd(&["history", "--limit", "2"]).output().unwrap());
    let first = history.lines().next().unwrap();
    assert!(
        first.contains("BATCH   rename  renamed food → meals: 3 expenses, budget moved (records"),
        "{history}"
    );
    let stream = ok(sb.cmd(&["stream", "--since", "0"]).output().unwrap());
    let renames: Vec<serde_json::Value> = stream
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["origin"] == "rename")
        .collect();
    assert_eq!(renames.len(), 5, "3 MODIFYs and 2 budget records");
    assert!(renames
        .iter()
        .filter(|r| r["eventName"] == "MODIFY")
        .all(|r| r["dynamodb"]["NewImage"]["category"]
            .as_str()
            .unwrap()
            .starts_with("meals")));
    ok(sb.cmd(&["check", "--stream"]).output().unwrap());

    let undo = ok(sb.cmd(&["undo"]).output().unwrap());
    assert_eq!(
        undo,
        "Undid: rename food → meals (3 expenses, budget moved)\n"
    );
    // Back exactly: the same expenses and budgets (versions go on counting).
    let (rows, budgets) = state(&sb);
    let strip = |rows: &[serde_json::Value]| -> Vec<serde_json::Value> {
        rows.iter()
            .map(|r| {
                let mut r = r.clone();
                r.as_object_mut().unwrap().remove("version");
                r
            })
            .collect()
    };
    assert_eq!(strip(&rows), strip(&before.0));
    assert_eq!(budgets, before.1);
    ok(sb.cmd(&["check", "--stream"]).output().unwrap());
    let redo = ok(sb.cmd(&["redo"]).output().unwrap());
    assert_eq!(
        redo,
        "Redid: rename food → meals (3 expenses, budget moved)\n"
    );
    assert_eq!(categories(&sb)[1], "meals");
    ok(sb.cmd(&["check", "--stream"]).output().unwrap());
}
