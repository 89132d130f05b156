//! `expense import` end to end: any file, with any flags, is a dry run that lists its bad rows
//! by a line (or entry) the file has, or an error that names the file or the flag; a real import
//! leaves a store that `expense check` finds consistent. The reader (`cli/import/read.rs`) is
//! private to the CLI, so it is driven through `cli::run`, as a user's command is; the row
//! conversion is also fuzzed directly through `domain::import::convert`.

use crate::hostile::{self, number, text, TOKENS};
use chrono::NaiveDate;
use clap::Parser;
use expense_tracker::cli::{self, Cli, Ctx};
use expense_tracker::config::Config;
use expense_tracker::domain::import::{convert, Columns, Defaults, ImportSpec, Sign};
use expense_tracker::domain::Currency;
use expense_tracker::store::Store;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;
use std::sync::OnceLock;

/// Header names: ours, a German bank's, ones no mapping knows, and hostile ones.
const HEADERS: &[&str] = &[
    "date",
    "amount",
    "payee",
    "note",
    "category",
    "currency",
    "tags",
    "debit",
    "credit",
    "kind",
    "id",
    "version",
    "Datum",
    "Betrag",
    "Buchungstag",
    "Verwendungszweck",
    "Description",
    "Withdrawal",
    "Deposit",
    "",
    " date ",
    "DATE",
    "amount;",
    "\"amount\"",
];

/// Flags of `expense import`, well-formed and not.
const FLAGS: &[&str] = &[
    "--decimal-comma",
    "--no-header",
    "--skip-bad",
    "--sign=expense-positive",
    "--sign=sideways",
    "--encoding=windows-1252",
    "--encoding=utf-16",
    "--delimiter=;",
    "--delimiter=tab",
    "--delimiter=,,",
    "--date-format=%d.%m.%Y",
    "--date-format=%m/%d/%Y %H:%M",
    "--date-format=%Y",
    "--amount-col=2",
    "--amount-col=0",
    "--debit-col=debit",
    "--credit-col=credit",
    "--payee-col=3",
    "--category-col=99",
    "--date-col=Datum",
    "--currency=JPY",
    "--currency=XXX",
];

/// What a column holds, so that most rows get past the mapping to the row checks.
#[derive(Debug, Clone, Copy)]
enum Holds {
    Date,
    Amount,
    Currency,
    Kind,
    Text,
}

/// Columns a bank file may have, with what each holds.
const COLUMNS: &[(&str, Holds)] = &[
    ("payee", Holds::Text),
    ("note", Holds::Text),
    ("category", Holds::Text),
    ("currency", Holds::Currency),
    ("tags", Holds::Text),
    ("kind", Holds::Kind),
    ("Verwendungszweck", Holds::Text),
    ("Description", Holds::Text),
    ("Saldo", Holds::Amount),
    ("Buchungstext", Holds::Text),
    ("Wert", Holds::Amount),
];

fn date_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        5 => (1970i32..2100, 1u32..=12, 1u32..=28)
            .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        1 => (1i32..=9999, 1u32..=12, 1u32..=31)
            .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        1 => (1u32..=31, 1u32..=12, 1900i32..2100)
            .prop_map(|(d, m, y)| format!("{d:02}.{m:02}.{y}")),
        1 => select(&["2026-01-03T10:00:00", "2026-01-03 10:00", "0000-01-01", "10000-01-01"][..])
            .prop_map(String::from),
        1 => text(4),
    ]
}

fn amount_cell() -> impl Strategy<Value = String> {
    let sign = select(&["", "", "", "-", "+", "--", "- "][..]);
    let before = select(&["", "", "", "€", "$", "EUR ", "("][..]);
    let after = select(&["", "", "", " EUR", "€", ")", "-"][..]);
    prop_oneof![
        4 => "-?[1-9][0-9]{0,4}(\\.[0-9]{1,2})?".prop_map(String::from),
        1 => "[0-9]{1,5}([.,][0-9]{1,3})?".prop_map(String::from),
        2 => (sign, before, number(), after).prop_map(|(s, p, n, t)| format!("{s}{p}{n}{t}")),
        1 => text(4),
    ]
}

/// A cell holding `holds`, mostly well-formed.
fn cell_of(holds: Holds) -> BoxedStrategy<String> {
    match holds {
        Holds::Date => date_cell().boxed(),
        Holds::Amount => amount_cell().boxed(),
        Holds::Currency => prop_oneof![
            3 => select(&["EUR", "jpy", "KWD", "", "XXX", "€"][..]).prop_map(String::from),
            1 => text(2),
        ]
        .boxed(),
        Holds::Kind => prop_oneof![
            3 => select(&["expense", "income", "", "refund"][..]).prop_map(String::from),
            1 => text(2),
        ]
        .boxed(),
        Holds::Text => prop_oneof![
            3 => "[a-zA-Z0-9 éß&.'=@#:-]{0,12}".prop_map(String::from),
            2 => text(6),
        ]
        .boxed(),
    }
}

/// Any cell at all.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        cell_of(Holds::Date),
        cell_of(Holds::Amount),
        cell_of(Holds::Text),
        select(TOKENS).prop_map(String::from),
    ]
}

/// The ways a bank file gives amounts: one signed column, or money out and money in.
const AMOUNT_COLUMNS: &[&[&str]] = &[
    &["amount"],
    &["Betrag"],
    &["debit", "credit"],
    &["Withdrawal", "Deposit"],
];

/// A bank file's columns: a date, an amount (or debit and credit) and a few others, in any
/// order.
fn bank_columns() -> impl Strategy<Value = Vec<(&'static str, Holds)>> {
    (
        select(&["date", "Datum", "Buchungstag", "DATE"][..]),
        select(AMOUNT_COLUMNS),
        proptest::sample::subsequence(COLUMNS, 0..5),
    )
        .prop_flat_map(|(date, amounts, others)| {
            let mut cols = vec![(date, Holds::Date)];
            cols.extend(amounts.iter().map(|a| (*a, Holds::Amount)));
            cols.extend(others);
            Just(cols).prop_shuffle()
        })
}

/// A bank-shaped CSV file: rows whose cells fit their columns (now and then one cell more or
/// less), any delimiter, line end and BOM, and now and then a byte that is no UTF-8.
fn bank_file() -> impl Strategy<Value = Vec<u8>> {
    bank_columns().prop_flat_map(|cols| {
        let row: Vec<BoxedStrategy<String>> = cols.iter().map(|(_, h)| cell_of(*h)).collect();
        let styles = vec(prop_oneof![30 => 0u8..3, 1 => Just(3u8)], cols.len() + 1);
        let row = (row, styles, 0u8..12).prop_map(|(mut cells, styles, n)| {
            match n {
                0 => {
                    cells.pop();
                }
                1 => cells.push("extra".into()),
                _ => {}
            }
            cells.into_iter().zip(styles).collect::<Vec<_>>()
        });
        let header: Vec<&'static str> = cols.iter().map(|(h, _)| *h).collect();
        (Just(header), vec(row, 0..7), layout())
            .prop_map(|(header, rows, layout)| layout.write(&header, rows))
    })
}

/// A cell as the file writes it: bare, quoted (with `""` for a quote), or with a stray quote.
fn written(cell: &str, style: u8, delimiter: char) -> String {
    match style % 4 {
        0 | 1 if !cell.contains([delimiter, '"', '\n', '\r']) => cell.to_string(),
        0..=2 => format!("\"{}\"", cell.replace('"', "\"\"")),
        _ => format!("\"{cell}"),
    }
}

/// How a CSV file is laid out: delimiter, line end, BOM, and bytes that are no UTF-8.
#[derive(Debug, Clone)]
struct Layout {
    delimiter: char,
    eol: &'static str,
    bom: bool,
    junk: Vec<u8>,
}

fn layout() -> impl Strategy<Value = Layout> {
    (
        select(&[',', ',', ';', '\t', '|'][..]),
        select(&["\n", "\r\n", "\r", "\n\n"][..]),
        any::<bool>(),
        prop_oneof![3 => Just(Vec::new()), 1 => vec(any::<u8>(), 1..3)],
    )
        .prop_map(|(delimiter, eol, bom, junk)| Layout {
            delimiter,
            eol,
            bom,
            junk,
        })
}

impl Layout {
    /// The file: the header, then each row's cells written in their style.
    fn write(&self, header: &[&str], rows: Vec<Vec<(String, u8)>>) -> Vec<u8> {
        let d = self.delimiter;
        let line = |cells: Vec<String>| cells.join(&d.to_string());
        let mut out = String::new();
        if self.bom {
            out.push('\u{feff}');
        }
        out.push_str(&line(header.iter().map(|h| written(h, 0, d)).collect()));
        for row in rows {
            out.push_str(self.eol);
            out.push_str(&line(
                row.iter().map(|(c, style)| written(c, *style, d)).collect(),
            ));
        }
        let mut bytes = out.into_bytes();
        for &b in &self.junk {
            let at = usize::from(b) * bytes.len() / 256;
            bytes.insert(at, b | 0x80);
        }
        bytes
    }
}

/// A CSV file with any header and any cells.
fn csv_file() -> impl Strategy<Value = Vec<u8>> {
    (
        vec(select(HEADERS), 1..8),
        vec(vec((cell(), any::<u8>()), 0..9), 0..7),
        layout(),
    )
        .prop_map(|(header, rows, layout)| layout.write(&header, rows))
}

/// An export-shaped JSON array whose fields hold hostile values, or broken JSON.
fn json_file() -> impl Strategy<Value = Vec<u8>> {
    let field = |k: &'static str| {
        prop_oneof![
            3 => cell().prop_map(move |v| format!("\"{k}\":{}", serde_json::json!(v))),
            1 => any::<i64>().prop_map(move |n| format!("\"{k}\":{n}")),
            1 => Just(format!("\"{k}\":null")),
        ]
    };
    let row = (
        field("id"),
        field("date"),
        field("amount"),
        field("currency"),
        field("category"),
        field("payee"),
        field("kind"),
        prop_oneof![
            Just("\"tags\":[]".to_string()),
            Just("\"tags\":[\"a\",\"b c\"]".into())
        ],
        any::<u64>().prop_map(|v| format!("\"version\":{v}")),
        field("note"),
    )
        .prop_map(|(a, b, c, d, e, f, g, h, i, j)| {
            format!("{{{}}}", [a, b, c, d, e, f, g, h, i, j].join(","))
        });
    prop_oneof![
        4 => vec(row, 0..5).prop_map(|rows| format!("[{}]", rows.join(",")).into_bytes()),
        1 => (1usize..2000).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n)).into()),
        1 => text(20).prop_map(|t| format!("[{t}").into_bytes()),
    ]
}

/// Any file an import may be handed.
fn file() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => bank_file(),
        3 => csv_file(),
        2 => json_file(),
        1 => vec(any::<u8>(), 0..300),
        1 => text(40).prop_map(String::into_bytes),
    ]
}

/// Flags: none, the ones a bank file needs, or any (refused ones included).
fn flags() -> impl Strategy<Value = Vec<String>> {
    let fitting = select(
        &[
            "--decimal-comma",
            "--sign=expense-positive",
            "--encoding=windows-1252",
            "--date-format=%d.%m.%Y",
            "--skip-bad",
            "--currency=JPY",
        ][..],
    );
    let any_flag = prop_oneof![
        6 => select(FLAGS).prop_map(String::from),
        1 => (select(&["--date-format", "--delimiter", "--amount-col", "--currency"][..]), text(3))
            .prop_map(|(f, v)| format!("{f}={v}")),
    ];
    prop_oneof![
        2 => Just(Vec::new()),
        3 => vec(fitting.prop_map(String::from), 1..3),
        2 => vec(any_flag, 1..4),
    ]
}

/// One temporary store for all dry runs (they store nothing, so cases stay independent).
fn shared_store() -> Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE
        .get_or_init(|| Store::open_temporary().expect("a temporary store"))
        .clone()
}

/// What one run of a command printed and returned.
struct Run {
    result: Result<(), String>,
    out: String,
}

/// Runs `expense ARGS` against `store` in `dir`; `None` when clap refuses the flags (its own
/// messages, not ours).
fn expense(args: &[String], dir: &std::path::Path, store: Store) -> Option<Run> {
    let argv = std::iter::once("expense".to_string()).chain(args.iter().cloned());
    let command = Cli::try_parse_from(argv).ok()?.command?;
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let today = NaiveDate::from_ymd_opt(2026, 11, 21).expect("a day");
    let mut ctx = Ctx::new(
        Config::default(),
        today,
        dir.to_path_buf(),
        &mut out,
        &mut err,
        false,
        move || Ok(store.clone()),
    );
    let result = cli::run(&command, &mut ctx).map_err(|e| format!("{e:#}"));
    drop(ctx);
    Some(Run {
        result,
        out: String::from_utf8_lossy(&out).into_owned(),
    })
}

/// Writes `bytes` as `in.csv` (JSON is told by its first byte, not its name) and imports it
/// with `flags`.
fn import(bytes: &[u8], flags: &[String], store: Store) -> Result<Option<Run>, TestCaseError> {
    let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
    std::fs::write(dir.path().join("in.csv"), bytes)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut args = vec!["import".to_string(), "in.csv".to_string()];
    args.extend(flags.iter().cloned());
    Ok(expense(&args, dir.path(), store))
}

/// A dry run's bad rows name a line (or entry) the file has; an error names the file or flag.
fn check_dry_run(bytes: &[u8], run: &Run) -> Result<(), TestCaseError> {
    match &run.result {
        Ok(()) => {
            prop_assert!(
                run.out.starts_with("dry run: nothing is stored"),
                "{}",
                run.out
            );
            prop_assert!(run.out.contains(" new, "), "no counts: {}", run.out);
            // Physical lines, counting a lone CR as a line end too, plus one for a last line.
            let lines = bytes.iter().filter(|b| matches!(b, b'\n' | b'\r')).count() + 1;
            // Rows are listed in file order, so their lines increase; but a file whose lines
            // end in a lone CR has every row named "line 1" (see `found`), so not there.
            let lone_cr = bytes.windows(2).any(|w| w[0] == b'\r' && w[1] != b'\n')
                || bytes.last() == Some(&b'\r');
            let mut last = 0;
            let bad = run.out.split("bad rows:\n").nth(1).unwrap_or("");
            for row in bad
                .lines()
                .take_while(|l| l.starts_with("  ") && !l.contains("… and"))
            {
                let (place, why) = row.trim_start().split_once(": ").unwrap_or((row, ""));
                prop_assert!(!why.trim().is_empty(), "no reason: {row:?}");
                let n: usize = place
                    .split_once(' ')
                    .and_then(|(_, n)| n.parse().ok())
                    .ok_or_else(|| TestCaseError::fail(format!("no place: {row:?}")))?;
                prop_assert!(
                    (1..=lines).contains(&n),
                    "{place} of {lines} lines: {row:?}"
                );
                prop_assert!(
                    lone_cr || n > last,
                    "{place} after line {last}: {}",
                    run.out
                );
                last = n;
            }
        }
        Err(e) => {
            prop_assert!(
                e.starts_with("in.csv: ") || e.starts_with("--"),
                "{e:?} names neither the file nor a flag"
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(hostile::config(2))]

    /// Any file, any flags, as a dry run.
    #[test]
    fn a_dry_run_of_any_file_names_its_bad_rows(bytes in file(), mut flags in flags()) {
        flags.push("--dry-run".into());
        if let Some(run) = import(&bytes, &flags, shared_store())? {
            check_dry_run(&bytes, &run)?;
        }
    }

    /// The row conversion alone: a draft with a positive amount and a year 1-9999, or an error
    /// that says something.
    #[test]
    fn any_row_converts_or_says_why(
        header in vec(select(HEADERS).prop_map(String::from), 1..8),
        cells in vec(cell(), 0..9),
        decimal_comma in any::<bool>(),
        positive in any::<bool>(),
    ) {
        let spec = ImportSpec {
            decimal_comma,
            sign: if positive { Sign::ExpensePositive } else { Sign::ExpenseNegative },
            ..ImportSpec::default()
        };
        let Ok(cols) = Columns::resolve(Some(&header), &spec) else { return Ok(()) };
        let defaults = Defaults { currency: Currency::EUR, category: "uncategorized", rules: &[] };
        let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
        match convert(&refs, &cols, &spec, &defaults) {
            Ok(p) => {
                use chrono::Datelike;
                prop_assert!(p.draft.amount > 0, "{p:?}");
                prop_assert!((1..=9999).contains(&p.draft.date.year()), "{p:?}");
                prop_assert!(!p.draft.category.is_empty(), "{p:?}");
            }
            Err(e) => prop_assert!(!e.to_string().trim().is_empty(), "{e:?}"),
        }
    }
}

proptest! {
    // Each case opens its own store: a few hundred cases are enough for the store's side.
    #![proptest_config(hostile::config(20))]

    /// A real import of any file leaves a store that `expense check` finds consistent.
    #[test]
    fn a_real_import_leaves_a_consistent_store(
        bytes in file(),
        mut flags in flags(),
        skip_bad in any::<bool>(),
    ) {
        if skip_bad {
            flags.push("--skip-bad".into());
        }
        let store = Store::open_temporary().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let Some(run) = import(&bytes, &flags, store.clone())? else { return Ok(()) };
        if let Err(e) = &run.result {
            prop_assert!(
                e.starts_with("in.csv: ") || e.starts_with("--"),
                "{e:?} names neither the file nor a flag"
            );
        }
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let check = expense(&["check".to_string()], dir.path(), store)
            .ok_or_else(|| TestCaseError::fail("check parses"))?;
        prop_assert!(check.result.is_ok() && check.out.contains("consistent"), "{}", check.out);
    }
}

/// What these targets found in the import code, which another change owns: kept as tests that
/// run once it is fixed there.
mod found {
    use super::*;

    /// The lines of the bad rows of a dry run of `bytes`.
    fn bad_lines(bytes: &[u8]) -> Vec<String> {
        let run = import(bytes, &["--dry-run".to_string()], shared_store())
            .expect("a temporary directory")
            .expect("flags parse");
        assert!(run.result.is_ok(), "{:?}", run.result);
        let bad = run
            .out
            .split("bad rows:\n")
            .nth(1)
            .unwrap_or("")
            .to_string();
        bad.lines()
            .take_while(|l| l.starts_with("  "))
            .map(|l| l.trim_start().split(':').next().unwrap_or("").to_string())
            .collect()
    }

    /// The same file with LF line ends, for comparison: rows are named by their own lines.
    #[test]
    fn bad_rows_of_a_file_with_lf_line_ends_are_named_by_their_lines() {
        let lines = bad_lines(b"date,amount\n2026-01-01,x\n2026-01-02,y\n");
        assert_eq!(lines, ["line 2", "line 3"]);
    }

    /// A file whose lines end in a lone CR (classic Mac, some bank exports) is read row by row,
    /// but every row is named "line 1": `cli/import/read.rs` takes the line from
    /// `csv::Position::line()`, which counts only LF. Not a panic; a wrong place in the message.
    #[test]
    fn bad_rows_of_a_file_with_cr_line_ends_are_named_by_their_lines() {
        let lines = bad_lines(b"date,amount\r2026-01-01,x\r2026-01-02,y\r");
        assert_eq!(lines, ["line 2", "line 3"]);
    }
}
