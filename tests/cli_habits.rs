//! Habits carried over from git and other CLIs: short ids in `expense list`, `expense trash` and
//! `expense recurring` that the commands naming an id take back by any unique start (an
//! ambiguous one lists the candidates), `--json` on every command that prints, with the field
//! names of `list --json` (those of the commands that change something in `cli_habits/json.rs`),
//! dry runs that write nothing (`cli_habits/dry_run.rs`), and completion of the store's names,
//! quoted for bash. Run as the real binary with assert_cmd.

mod common;
#[path = "cli_habits/dry_run.rs"]
mod dry_run;
#[path = "cli_habits/json.rs"]
mod json;

use assert_cmd::Command;
use common::Sandbox;
use serde_json::Value;

const A: &str = "01KC3ABCD00000000000000001";
const B: &str = "01KC3ABCE00000000000000002";
const C: &str = "01KC3XYZ000000000000000003";

fn run(sb: &Sandbox, args: &[&str]) -> Command {
    Command::from_std(sb.cmd(args))
}

/// A fixed clock for the tests of schedules, whose dates follow "today".
const NOW: &str = "2026-04-10T10:00:00Z";

/// `expense ARGS` at [`NOW`].
fn at_now(sb: &Sandbox, args: &[&str]) -> Command {
    let mut c = sb.cmd(args);
    c.env("EXPENSE_NOW", NOW);
    Command::from_std(c)
}

fn json_now(sb: &Sandbox, args: &[&str]) -> Value {
    let out = at_now(sb, args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

fn ok(sb: &Sandbox, args: &[&str]) -> String {
    let out = run(sb, args).assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

fn fails(sb: &Sandbox, args: &[&str]) -> String {
    let out = run(sb, args).assert().failure().get_output().stderr.clone();
    let err = String::from_utf8(out).unwrap();
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn json(sb: &Sandbox, args: &[&str]) -> Value {
    serde_json::from_str(&ok(sb, args)).unwrap()
}

/// A store holding A and B (sharing their first 8 characters) and C, imported with these ids.
fn store() -> Sandbox {
    let sb = Sandbox::new();
    let csv = sb.tmp.path().join("ids.csv");
    std::fs::write(
        &csv,
        format!(
            "id,date,amount,currency,category,payee,note,tags,kind,version\n\
             {A},2026-01-02,12.50,EUR,food,Lidl,,,expense,1\n\
             {B},2026-01-03,7.00,EUR,fun,Kino,,,expense,1\n\
             {C},2026-01-04,3.00,EUR,food,Cafe,,,expense,1\n"
        ),
    )
    .unwrap();
    let out = json(&sb, &["import", "--json", csv.to_str().unwrap()]);
    assert_eq!(out["added"], 3, "{out}");
    assert_eq!(out["duplicates"], 0);
    assert!(out["batch"].is_u64(), "{out}");
    assert_eq!(out["skipped"], Value::Array(Vec::new()));
    sb
}

fn listed(sb: &Sandbox) -> Value {
    json(sb, &["list", "--month", "2026-01", "--json"])
}

#[test]
fn list_shows_the_shortest_unique_start_and_json_and_csv_keep_whole_ids() {
    let sb = store();
    let plain = ok(&sb, &["list", "--month", "2026-01"]);
    let firsts: Vec<&str> = plain
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    // A and B are told apart at their 9th character; C at its 6th, shown at 8.
    assert_eq!(firsts[..3], [&A[..9], &B[..9], "01KC3XYZ"], "{plain}");
    let rows = listed(&sb);
    let ids: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [A, B, C]);
    let csv = ok(&sb, &["list", "--month", "2026-01", "--csv"]);
    assert!(csv.contains(&format!("{C},2026-01-04")), "{csv}");
}

#[test]
fn a_unique_start_names_one_expense_for_edit_rm_history_and_restore() {
    let sb = store();
    let saved = ok(&sb, &["edit", "01kc3x", "--amount", "4"]);
    assert!(saved.contains(&format!("id {C} version 2")), "{saved}");
    let h = json(&sb, &["history", "01KC3XY", "--json"]);
    assert_eq!(h[0]["id"], C);
    assert_eq!(h[0]["event"], "MODIFY");
    assert_eq!(h[0]["old"]["amount"], "3.00");
    assert_eq!(h[0]["new"]["amount"], "4.00");
    let plain = ok(&sb, &["history", "01KC3XY"]);
    assert_eq!(plain.lines().count(), 2, "{plain}");

    let moved = ok(&sb, &["rm", "01kc3abce"]);
    assert!(moved.contains(B), "{moved}");
    // A deleted expense's start is found in the trash by history and restore.
    let h = json(&sb, &["history", &B[..9], "--json"]);
    assert_eq!(h[0]["id"], B, "{h}");
    let back = ok(&sb, &["trash", "restore", "01KC3A"]);
    assert!(back.contains(B), "{back}");
    assert_eq!(listed(&sb).as_array().unwrap().len(), 3);
}

#[test]
fn an_ambiguous_start_lists_the_candidates_and_changes_nothing() {
    let sb = store();
    let before = listed(&sb);
    let err = fails(&sb, &["edit", "01KC3ABC", "--amount", "1"]);
    assert!(err.contains("'01KC3ABC' starts 2 expenses"), "{err}");
    assert!(
        err.contains(&format!("{A}  2026-01-02  12.50 EUR  food")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{B}  2026-01-03  7.00 EUR  fun")),
        "{err}"
    );
    assert!(!err.contains(C), "{err}");
    let err = fails(&sb, &["rm", "01kc3"]);
    assert!(err.contains("'01KC3' starts 3 expenses"), "{err}");
    let err = fails(&sb, &["history", "01KC3"]);
    assert!(err.contains("starts 3 expenses"), "{err}");
    assert_eq!(listed(&sb), before);

    ok(&sb, &["rm", A]);
    ok(&sb, &["rm", B]);
    let err = fails(&sb, &["trash", "restore", "01KC3"]);
    assert!(err.contains("starts 2 ids in the trash"), "{err}");
    assert!(err.contains(&format!("{A}  2026-01-02")), "{err}");
    assert_eq!(listed(&sb).as_array().unwrap().len(), 1);
}

#[test]
fn an_unknown_start_says_so_and_a_bad_one_opens_nothing() {
    let sb = store();
    let err = fails(&sb, &["edit", "01KC3Q", "--amount", "1"]);
    assert!(
        err.contains("no expense has an id starting with '01KC3Q'"),
        "{err}"
    );
    let err = fails(&sb, &["rm", "9ZZZ"]);
    assert!(
        err.contains("no expense has an id starting with '9ZZZ'"),
        "{err}"
    );
    let err = fails(&sb, &["history", "01KC3Q"]);
    assert!(err.contains("no expense has an id"), "{err}");
    let err = fails(&sb, &["rm", "01-x"]);
    assert!(err.contains("is not an id"), "{err}");
    let fresh = Sandbox::new();
    fails(&fresh, &["rm", "01-x"]);
    assert!(!fresh.data.exists(), "a bad id created a store");
}

#[test]
fn undo_redo_and_history_print_json() {
    let sb = store();
    ok(&sb, &["edit", C, "--payee", "Bar"]);
    let u = json(&sb, &["undo", "--json"]);
    assert_eq!(u["done"], true, "{u}");
    assert_eq!(u["action"], "undo");
    assert_eq!(u["record"]["id"], C);
    assert_eq!(u["record"]["new"]["payee"], "Cafe");
    assert!(u["text"].as_str().unwrap().starts_with("Undid:"), "{u}");
    let r = json(&sb, &["redo", "--json"]);
    assert_eq!(r["action"], "redo");
    assert_eq!(r["record"]["new"]["payee"], "Bar");
    let r = json(&sb, &["redo", "--json"]);
    assert_eq!(r["done"], false, "{r}");
    assert_eq!(r["record"], Value::Null);

    let h = json(&sb, &["history", "--json", "--limit", "3"]);
    let h = h.as_array().unwrap();
    assert_eq!(h.len(), 3);
    assert_eq!(h[0]["origin"], "redo", "{h:?}");
    assert!(h[0]["seq"].as_u64() > h[1]["seq"].as_u64());

    // The redone edit first, then the whole import in one step.
    ok(&sb, &["undo"]);
    let u = json(&sb, &["undo", "--json"]);
    assert_eq!(u["batch"]["undone"], 3, "{u}");
    assert_eq!(listed(&sb), Value::Array(Vec::new()));
}

/// The first word of each line that starts with an id (the rows of a table).
fn first_words(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.starts_with("01") || w.starts_with("7Z"))
        .map(String::from)
        .collect()
}

#[test]
fn trash_shows_short_ids_that_restore_and_purge_take_back() {
    let sb = store();
    // A alone in the trash still shows 9 characters: B, in the ledger, shares its first 8, and
    // `history` looks there first.
    ok(&sb, &["rm", A]);
    let table = ok(&sb, &["trash", "list"]);
    assert_eq!(first_words(&table), [&A[..9]], "{table}");
    assert!(table.lines().next().unwrap().starts_with("ID "), "{table}");

    let moved = json(&sb, &["rm", "01kc3abce", "--json"]);
    assert_eq!(moved["id"], B, "{moved}");
    assert_eq!(moved["trash_days"], 30);
    assert_eq!(moved["expense"]["amount"], "7.00");
    assert_eq!(moved["expense"]["payee"], "Kino");
    ok(&sb, &["rm", C]);
    let table = ok(&sb, &["trash"]);
    let mut shown = first_words(&table);
    shown.sort();
    assert_eq!(shown, [&A[..9], &B[..9], "01KC3XYZ"], "{table}");

    // An ambiguous start lists its candidates and purges nothing.
    let err = fails(&sb, &["trash", "purge", "01KC3AB"]);
    assert!(err.contains("'01KC3AB' starts 2 ids in the trash"), "{err}");
    assert!(
        err.contains(&format!("{A}  2026-01-02  12.50 EUR  food")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{B}  2026-01-03  7.00 EUR  fun")),
        "{err}"
    );
    let trash = json(&sb, &["trash", "list", "--json"]);
    assert_eq!(trash.as_array().unwrap().len(), 3, "{trash}");

    let gone = json(&sb, &["trash", "purge", &A[..9], "--json"]);
    assert_eq!(gone["purged"], 1, "{gone}");
    assert_eq!(gone["expense"]["id"], A);
    assert_eq!(gone["expense"]["amount"], "12.50");
    let back = json(&sb, &["trash", "restore", "01kc3abc", "--json"]);
    assert_eq!(back["id"], B, "{back}");
    assert_eq!(back["category"], "fun");
    assert_eq!(back["version"], 2, "restored as the next version");

    let trash = json(&sb, &["trash", "list", "--json"]);
    let rows = trash.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{trash}");
    assert_eq!(rows[0]["id"], C);
    assert_eq!(rows[0]["expense"]["id"], C);
    assert_eq!(rows[0]["expense"]["amount"], "3.00");
    assert_eq!(rows[0]["expense"]["currency"], "EUR");
    assert!(
        rows[0]["expires_at_ms"].as_i64() > rows[0]["deleted_at_ms"].as_i64(),
        "{trash}"
    );
    let all = json(&sb, &["trash", "purge", "--all", "--json"]);
    assert_eq!(all["purged"], 1, "{all}");
    assert_eq!(all["expense"], Value::Null);
    assert_eq!(listed(&sb).as_array().unwrap().len(), 1, "B is back");
}

#[test]
fn edit_prints_the_row_as_list_json_has_it() {
    let sb = store();
    let row = json(&sb, &["edit", "01kc3x", "--amount", "4.25", "--json"]);
    assert_eq!(row["id"], C, "{row}");
    assert_eq!(row["amount"], "4.25");
    assert_eq!(row["version"], 2);
    let same = json(&sb, &["edit", "01kc3x", "--amount", "4.25", "--json"]);
    assert_eq!(same["version"], 2, "unchanged: the same version");
    assert_eq!(listed(&sb)[2], row, "the same fields as list --json");
}

/// Two schedules at [`NOW`]: rent posting itself on the 1st, the gym on the 5th waiting for a
/// confirmation since February (three occurrences wait).
fn schedules() -> (Sandbox, String, String) {
    let sb = Sandbox::new();
    let add = |args: &[&str]| -> Value { json_now(&sb, args) };
    let rent = add(&[
        "recurring",
        "add",
        "950",
        "rent!",
        "@Landlord",
        "--every",
        "month",
        "--on",
        "1",
        "--json",
    ]);
    let gym = add(&[
        "recurring",
        "add",
        "30",
        "gym!",
        "--every",
        "month",
        "--on",
        "5",
        "--start",
        "2026-02-01",
        "--confirm",
        "--json",
    ]);
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    (sb, id(&rent), id(&gym))
}

#[test]
fn recurring_shows_short_ids_and_an_ambiguous_start_lists_the_schedules() {
    let (sb, rent, gym) = schedules();
    let list = json_now(&sb, &["recurring", "list", "--json"]);
    let rows = list.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{list}");
    let r = rows.iter().find(|r| r["id"] == rent.as_str()).unwrap();
    assert_eq!(r["amount"], "950.00");
    assert_eq!(r["currency"], "EUR");
    assert_eq!(r["category"], "rent");
    assert_eq!(r["payee"], "Landlord");
    assert_eq!(r["rule"]["unit"], "months");
    assert_eq!(r["rule"]["on"], 1);
    assert_eq!(r["next"], "2026-05-01");
    let g = rows.iter().find(|r| r["id"] == gym.as_str()).unwrap();
    assert_eq!(
        g["waiting"],
        serde_json::json!(["2026-02-05", "2026-03-05", "2026-04-05"])
    );

    let out = at_now(&sb, &["recurring"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(out).unwrap();
    let shorts: Vec<&str> = rows
        .iter()
        .map(|r| r["short_id"].as_str().unwrap())
        .collect();
    assert_eq!(first_words(&table), shorts, "{table}");
    for s in &shorts {
        assert!(s.len() >= 8 && s.len() < 26, "{s}");
    }

    // Both start with 7ZZ: the candidates are listed, nothing is paused.
    let out = at_now(&sb, &["recurring", "pause", "7zz"])
        .assert()
        .failure();
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("'7ZZ' starts 2 schedule ids"), "{err}");
    assert!(
        err.contains(&format!(
            "{rent}  next 2026-05-01  950.00 EUR  rent  @Landlord"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("{gym}  next 2026-02-05  30.00 EUR  gym")),
        "{err}"
    );
    let after = json_now(&sb, &["recurring", "list", "--json"]);
    assert_eq!(after, list, "nothing changed");
    at_now(&sb, &["recurring", "pause", shorts[0]])
        .assert()
        .success();
}

#[test]
fn due_and_upcoming_print_json_with_the_fields_of_list() {
    let (sb, rent, gym) = schedules();
    let due = json_now(&sb, &["recurring", "due", "--json"]);
    let dates: Vec<&str> = due
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2026-02-05", "2026-03-05", "2026-04-05"], "{due}");
    assert_eq!(due[0]["schedule"], gym.as_str());
    assert_eq!(due[0]["amount"], "30.00");
    assert_eq!(due[0]["category"], "gym");
    assert_eq!(due[0]["due"], true);

    let up = json_now(&sb, &["upcoming", "--days", "30", "--json"]);
    let rows = up.as_array().unwrap();
    let r = rows
        .iter()
        .find(|r| r["schedule"] == rent.as_str())
        .expect("rent on May 1st");
    assert_eq!(r["date"], "2026-05-01", "{up}");
    assert_eq!(r["amount"], "950.00");
    assert_eq!(r["currency"], "EUR");
    assert_eq!(r["payee"], "Landlord");
    assert_eq!(r["due"], false);
    assert!(
        rows.iter()
            .any(|r| r["schedule"] == gym.as_str() && r["date"] == "2026-05-05"),
        "{up}"
    );
}

#[test]
fn budgets_categories_report_triggers_and_check_print_json() {
    let sb = store();
    std::fs::write(
        sb.config.join("config.toml"),
        "[[trigger]]\nname = \"log\"\ncommand = \"true\"\n",
    )
    .unwrap();
    ok(&sb, &["add", "20", "food", "@Lidl", "2026-01-05"]);
    ok(&sb, &["budget", "set", "food", "300"]);

    let b = json(&sb, &["budget", "list", "--json"]);
    assert_eq!(
        b,
        serde_json::json!([{"category": "food", "amount": "300.00", "currency": "EUR"}])
    );

    let c = json(&sb, &["categories", "list", "--json"]);
    let food = c
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["category"] == "food")
        .unwrap();
    assert_eq!(food["count"], 3, "{c}");
    assert_eq!(food["totals"][0]["spent"], "35.50");
    assert_eq!(food["totals"][0]["currency"], "EUR");
    assert_eq!(food["budget"]["amount"], "300.00");

    let r = json(&sb, &["report", "--month", "2026-01", "--json"]);
    assert_eq!(r["month"], "2026-01", "{r}");
    assert_eq!(r["totals"][0]["spent"], "42.50");
    assert_eq!(r["totals"][0]["count"], 4);
    assert_eq!(r["largest"][0]["id"].as_str().map(str::len), Some(26));
    assert_eq!(r["largest"][0]["amount"], "20.00");
    assert_eq!(r["largest"][0]["payee"], "Lidl");
    assert_eq!(r["top_payees"][0]["payee"], "Lidl");
    assert_eq!(r["top_payees"][0]["total"], "32.50");

    let t = json(&sb, &["triggers", "--json"]);
    assert_eq!(t[0]["name"], "log", "{t}");
    assert_eq!(t[0]["configured"], true);
    assert_eq!(t[0]["dead_letters"], 0);
    // It starts with the records after it was configured: the add and the budget.
    assert_eq!(t[0]["delivered"], 2, "{t}");
    assert_eq!(t[0]["lag_records"], 0);

    let k = json(&sb, &["check", "--json"]);
    assert_eq!(k["consistent"], true, "{k}");
    assert_eq!(k["items"], 4);
    assert_eq!(k["records"], Value::Null);
    assert_eq!(k["problems"], Value::Array(Vec::new()));
    let k = json(&sb, &["check", "--stream", "--json"]);
    assert_eq!(k["records"], 5, "import (3), add, budget: {k}");
    assert_eq!(k["repaired"], Value::Null);
}

/// The first roff request of a page that is not clap_mangen's preamble (`.ie`/`.el`, which
/// define a quote string): the `.TH` title line.
fn title_line(page: &str) -> &str {
    page.lines()
        .find(|l| !l.starts_with(".ie") && !l.starts_with(".el"))
        .unwrap_or("")
}

#[test]
fn man_prints_the_page_with_every_subcommand() {
    use clap::CommandFactory;
    let sb = Sandbox::new();
    let page = ok(&sb, &["man"]);
    assert!(
        title_line(&page).starts_with(".TH EXPENSE 1 "),
        "{}",
        &page[..200.min(page.len())]
    );
    let subs = page
        .split(".SH SUBCOMMANDS")
        .nth(1)
        .expect("a SUBCOMMANDS section");
    let cli = expense_tracker::cli::Cli::command();
    // A hidden command (`linger`, started by the others) is not one a person types.
    let names: Vec<&str> = cli
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name())
        .collect();
    assert!(names.len() > 20, "{names:?}");
    for name in names {
        // roff escapes the hyphen: expense\-add(1).
        assert!(subs.contains(&format!("expense\\-{name}(1)")), "{name}");
    }
    assert!(!sb.data.exists(), "man opened a store");
}

#[test]
fn man_dir_writes_one_page_per_command_that_man_reads() {
    let sb = Sandbox::new();
    let dir = sb.tmp.path().join("share/man/man1");
    let listed = ok(&sb, &["man", "--dir", dir.to_str().unwrap()]);
    let written: Vec<&str> = listed.lines().collect();
    assert_eq!(written[0], dir.join("expense.1").to_str().unwrap());
    for name in [
        "expense.1",
        "expense-add.1",
        "expense-trash-purge.1",
        "expense-recurring-post.1",
    ] {
        let page = std::fs::read_to_string(dir.join(name)).unwrap();
        let title = name.trim_end_matches(".1").to_uppercase();
        assert!(
            title_line(&page).starts_with(&format!(".TH {title} 1 ")),
            "{name}"
        );
        assert!(
            written.contains(&dir.join(name).to_str().unwrap()),
            "{name} listed"
        );
    }
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), written.len());
    assert!(!sb.data.exists(), "man opened a store");
    // Read by man itself where it is installed (the pages are for it); elsewhere the checks
    // above are all there is.
    let has_man = std::process::Command::new("man")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if has_man {
        let out = std::process::Command::new("man")
            .arg("-l")
            .arg(dir.join("expense-add.1"))
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .env("MANWIDTH", "100")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("EXPENSE-ADD(1)"), "{text}");
        assert!(text.contains("Add an expense from one line"), "{text}");
        assert!(text.contains("--dry-run"), "{text}");
    }
}

/// What `expense` offers for the last of `words` (the command line after `expense`) when bash
/// asks, as the script `COMPLETE=bash expense` registers asks: `expense -- expense WORDS...`
/// with the index of the word being completed; one candidate a line. Stderr must stay empty.
fn complete(sb: &Sandbox, data: &std::path::Path, words: &[&str]) -> String {
    let last = words.last().copied().unwrap_or("");
    complete_as_bash(sb, data, words, &words.join(" "), last)
}

/// [`complete`] with what bash 5.2 gives the function besides: the line after `expense
/// --data-dir DATA ` (the cursor at its end), `words` as bash splits it (also at `@`, `:`, `=`:
/// `food:gr` is `food`, `:`, `gr`) and `cur`, the end of the line readline replaces (`$2`).
fn complete_as_bash(
    sb: &Sandbox,
    data: &std::path::Path,
    words: &[&str],
    line: &str,
    cur: &str,
) -> String {
    let mut c = std::process::Command::new(common::bin());
    common::scrub(&mut c, &sb.config);
    let mut pieces = vec!["expense", "--data-dir", data.to_str().unwrap()];
    pieces.extend_from_slice(words);
    let line = format!("expense --data-dir {} {line}", data.display());
    c.arg("--")
        .args(&pieces)
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", (pieces.len() - 1).to_string())
        .env("_CLAP_IFS", "\n")
        .env("_EXPENSE_COMP_LINE", &line)
        .env("_EXPENSE_COMP_POINT", line.len().to_string())
        .env("_EXPENSE_COMP_CUR", cur);
    let out = c.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `expense stream --follow` holding the sandbox's store and serving it (completion asks it, as
/// it would ask a TUI); killed when dropped, also when the test fails.
struct Holder(std::process::Child);

impl Holder {
    fn start(sb: &Sandbox) -> Holder {
        let child = sb
            .cmd(&["stream", "--follow"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let holder = Holder(child);
        assert!(
            common::wait_until(|| sb.data.join("store.sock").exists()),
            "the holder serves the store"
        );
        holder
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn completion_offers_the_stores_names_through_its_session() {
    let sb = Sandbox::new();
    ok(&sb, &["add", "3", "groceries!", "@Lidl", "#weekly"]);
    ok(&sb, &["add", "5", "gifts!", "@Etsy", "#birthday"]);
    ok(&sb, &["add", "4", "groceries", "@Lidl"]);
    // Nobody holds the store: the completer does not open it, so it knows no names.
    assert_eq!(complete(&sb, &sb.data, &["add", "3", "gr"]), "");

    // A command holding the store serves it until it is stopped, as a TUI would.
    let mut holder = sb
        .cmd(&["stream", "--follow"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let served = common::wait_until(|| sb.data.join("store.sock").exists());
    let offers = |words: &[&str]| complete(&sb, &sb.data, words);
    let seen = served.then(|| {
        [
            offers(&["add", "3", "gr"]),
            offers(&["add", "3", "@E"]),
            offers(&["list", "--category", "gi"]),
            offers(&["edit", "01KC3", "--tags", "weekly,b"]),
            offers(&["budget", "set", "G"]),
        ]
    });
    holder.kill().unwrap();
    holder.wait().unwrap();
    let seen = seen.expect("the holder serves the store");
    assert_eq!(seen[0], "groceries", "not gifts");
    assert_eq!(seen[1], "@Etsy");
    assert_eq!(seen[2], "gifts");
    assert_eq!(seen[3], "weekly,birthday");
    assert_eq!(seen[4], "groceries\ngifts", "either case, most used first");
}

#[test]
fn completion_without_a_store_offers_nothing_and_creates_nothing() {
    let sb = Sandbox::new();
    assert_eq!(complete(&sb, &sb.data, &["add", "3", "gr"]), "");
    assert_eq!(complete(&sb, &sb.data, &["list", "--category", ""]), "");
    assert!(!sb.data.exists(), "a completion created the data dir");
    // The static scripts stay, and completion still knows the commands themselves.
    assert!(ok(&sb, &["completions", "bash"]).contains("complete -F _expense"));
    assert_eq!(complete(&sb, &sb.data, &["categ"]), "categories");
    assert!(!sb.data.exists());
}

#[test]
fn completion_quotes_names_so_bash_inserts_each_as_one_word() {
    let sb = Sandbox::new();
    ok(
        &sb,
        &["add", "3", "food:groceries!", "--payee", "Café Central"],
    );
    ok(&sb, &["add", "4", "food&drink!", "--payee", "H&M"]);
    let _holder = Holder::start(&sb);
    let offer =
        |words: &[&str], line: &str, cur: &str| complete_as_bash(&sb, &sb.data, words, line, cur);
    // Pieces as bash 5.2 splits them: `@` and `:` and `=` break words for completion.
    assert_eq!(
        offer(&["add", "3", "@", "Caf"], "add 3 @Caf", "@Caf"),
        "@Café\\ Central"
    );
    assert_eq!(offer(&["add", "3", "@", "H"], "add 3 @H", "@H"), "@H\\&M");
    // Typed on with the backslash, the word still reads as the name.
    assert_eq!(
        offer(
            &["add", "3", "@", "Café\\ C"],
            "add 3 @Café\\ C",
            "@Café\\ C"
        ),
        "@Café\\ Central"
    );
    assert_eq!(
        offer(&["add", "3", "--payee", "Caf"], "add 3 --payee Caf", "Caf"),
        "Café\\ Central"
    );
    // Inside quotes only what the quotes need (bash closes the quote).
    assert_eq!(
        offer(&["add", "3", "--payee", "\"H"], "add 3 --payee \"H", "H"),
        "H&M"
    );
    // Readline keeps what comes before a word-break character: the reply is the rest.
    assert_eq!(
        offer(&["add", "3", "food", ":", "gr"], "add 3 food:gr", "gr"),
        "groceries"
    );
    assert_eq!(
        offer(
            &["list", "--category", "=", "food\\&"],
            "list --category=food\\&",
            "food\\&"
        ),
        "food\\&drink"
    );
}

/// Tab pressed in a real bash (in tmux) after `source <(COMPLETE=bash expense)`: the payee
/// with a space and the one with `&` go into the line as one word each, which the command
/// then gets whole.
#[test]
fn completion_in_bash_gives_the_command_the_whole_name() {
    use common::tmux::Shell;
    let sb = Sandbox::new();
    ok(&sb, &["add", "3", "food!", "--payee", "Café Central"]);
    ok(&sb, &["add", "4", "food", "--payee", "H&M"]);
    let _holder = Holder::start(&sb);
    let shell = Shell::start(&sb, 200, 20);
    // bash finds the completion of a command typed by name (a quoted path has none).
    let dir = std::path::Path::new(common::bin()).parent().unwrap();
    shell.run(&format!("PATH='{}':\"$PATH\"", dir.display()));
    shell.run("source <(COMPLETE=bash expense)");
    let timeout = common::TIMEOUT;
    for (typed, shown, file) in [
        ("@Caf", "@Café\\ Central", "a.json"),
        ("@H", "@H\\&M", "b.json"),
    ] {
        let line = format!(
            "expense --data-dir '{}' add --dry-run --json 3 food {typed}",
            sb.data.display()
        );
        shell.keys(&["-l", &line]);
        shell.keys(&["Tab"]);
        shell.wait_for(&format!("food {shown}"), timeout);
        shell.run(&format!("> {file}"));
        let path = sb.tmp.path().join(file);
        let read = || -> Option<Value> { serde_json::from_slice(&std::fs::read(&path).ok()?).ok() };
        assert!(
            common::wait_until(|| read().is_some()),
            "{}",
            shell.screen()
        );
        let row = read().unwrap();
        assert_eq!(
            row["payee"],
            shown.trim_start_matches('@').replace('\\', ""),
            "{row}"
        );
        assert_eq!(row["category"], "food");
    }
}
