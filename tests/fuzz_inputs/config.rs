//! The config loader: any `config.toml` and any `EXPENSE_*` values give settings within their
//! ranges, or an error that names the file (and the line, when it gives one) or the variable.

use crate::hostile::{self, text, TOKENS};
use expense_tracker::config::Config;
use expense_tracker::domain::validate::parse_category;
use expense_tracker::domain::Currency;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;
use std::collections::BTreeMap;
use std::path::Path;

/// What a key holds, so that most generated values get past TOML's types to the checks.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Int,
    Str,
    Bool,
    List,
    /// A column: a number or a header name.
    Column,
    /// One of these words (else refused).
    Choice(&'static [&'static str]),
}

use Shape::{Bool, Choice, Column, Int, List, Str};

/// config.toml's tables with their keys: the schema the generator follows most of the time.
const SCHEMA: &[(&str, &[(&str, Shape)])] = &[
    (
        "",
        &[
            ("currency", Choice(&["EUR", "jpy", "KWD"])),
            ("month_start_day", Int),
            ("trash_days", Int),
            ("linger_minutes", Int),
            ("theme", Choice(&["default", "mono"])),
            ("chart_markers", Choice(&["unicode", "ascii"])),
        ],
    ),
    ("[import]", &[("default_category", Str)]),
    ("[import.profiles.bank]", PROFILE),
    ("[import.profiles.\"my bank\"]", PROFILE),
    ("[[import.rules]]", &[("payee", Str), ("category", Str)]),
    ("[[trigger]]", TRIGGER),
    ("[[trigger]]", TRIGGER),
    (
        "[backup]",
        &[("every_days", Int), ("keep", Int), ("dir", Str)],
    ),
    ("[stream]", &[("keep_days", Int), ("region", Str)]),
    (
        "[rates]",
        &[
            ("USD", Str),
            ("JPY", Str),
            ("KWD", Str),
            ("EUT", Str),
            ("usd", Str),
        ],
    ),
];

const PROFILE: &[(&str, Shape)] = &[
    ("date_col", Column),
    ("amount_col", Column),
    ("debit_col", Column),
    ("credit_col", Column),
    ("payee_col", Column),
    ("category_col", Column),
    ("currency_col", Column),
    ("note_col", Column),
    ("tags_col", Column),
    ("date_format", Str),
    ("sign", Choice(&["expense-negative", "expense-positive"])),
    ("decimal_comma", Bool),
    ("delimiter", Str),
    ("encoding", Choice(&["utf-8", "windows-1252", "latin1"])),
    ("currency", Choice(&["EUR", "jpy", "KWD"])),
    ("header", Bool),
];

const TRIGGER: &[(&str, Shape)] = &[
    ("name", Str),
    ("command", Str),
    ("events", List),
    ("category", Str),
    ("min_amount", Str),
    ("origins", List),
    ("payee", Str),
    ("tags", List),
    ("kind", Choice(&["expense", "income"])),
    ("changed", List),
    (
        "view",
        Choice(&["keys_only", "new_image", "new_and_old_images"]),
    ),
    ("batch_size", Int),
    ("batch_window_ms", Int),
    ("batch_window", Int),
    ("max_record_age", Int),
    ("format", Choice(&["plain", "dynamodb"])),
    ("max_attempts", Int),
    ("backoff_ms", Int),
    ("timeout_secs", Int),
];

/// Keys that belong nowhere, or not as written.
const STRAY_KEYS: &[&str] = &[
    "colour",
    "E U R",
    "\"quoted key\"",
    "import.default_category",
    "[colours]",
];

/// Values every key is tried with: strings the checks know, and the ones they must refuse.
const WORDS: &[&str] = &[
    "EUR",
    "jpy",
    "EUT",
    "mono",
    "ascii",
    "neon",
    "%d.%m.%Y",
    "%Y-%m-%d %H:%M",
    "%H",
    "%",
    "%Q",
    "expense-negative",
    "expense-positive",
    "upside-down",
    ";",
    "tab",
    "\\t",
    "||",
    "utf-8",
    "latin1",
    "ebcdic",
    "INSERT",
    "MODIFY",
    "delete",
    "user",
    "import",
    "robot",
    "new_image",
    "keys_only",
    "dynamodb",
    "json",
    "food:groceries",
    "a::b",
    "",
    " ",
    "big-spend",
    "two words",
    "12.50",
    "0.001",
    "1e3",
    "-5",
    "eu-west-1",
    "EU West",
    "/tmp/x",
    "expense",
    "income",
    "amount",
    "category",
    "t1",
    "t1",
    "big-spend",
    "cat",
    "Date",
    "Betrag",
    "default",
    "unicode",
];

/// A TOML basic string holding `s`, escaped so it is valid TOML whatever `s` holds.
fn basic(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn int() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => 0i64..40,
        1 => select(&[0i64, 1, -1, 28, 29, 3650, 3651, 100_000, 100_001, 300_000, 604_801][..]),
        1 => Just(i64::MIN),
        1 => Just(i64::MAX),
        1 => any::<i64>(),
    ]
    .prop_map(|n| n.to_string())
}

fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop_oneof![select(WORDS), select(TOKENS)].prop_map(basic),
        1 => text(6).prop_map(|t| basic(&t)),
    ]
}

/// A value of `shape`, or now and then of any shape.
fn value_of(shape: Shape) -> BoxedStrategy<String> {
    let fitting = match shape {
        Int => int().boxed(),
        Str => string().boxed(),
        Bool => select(&["true", "false"][..])
            .prop_map(String::from)
            .boxed(),
        List => vec(string(), 0..4)
            .prop_map(|w| format!("[{}]", w.join(", ")))
            .boxed(),
        Column => prop_oneof![int(), string()].boxed(),
        Choice(words) => prop_oneof![3 => select(words).prop_map(basic), 1 => string()].boxed(),
    };
    prop_oneof![19 => fitting, 1 => value()].boxed()
}

/// A TOML value of any shape: mostly well-formed (strings, integers at the edges of every
/// range, floats, booleans, arrays, inline tables, dates), sometimes not (an unescaped string,
/// deep nesting).
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => string(),
        3 => int(),
        1 => select(&["true", "false", "1.5", "inf", "nan", "-0.0", "1e999", "1979-05-27"][..])
            .prop_map(String::from),
        1 => vec(string(), 0..4).prop_map(|w| format!("[{}]", w.join(", "))),
        1 => text(3).prop_map(|v| format!("{{ name = {} }}", basic(&v))),
        1 => text(6).prop_map(|t| format!("\"{t}\"")),
        1 => text(6).prop_map(|t| format!("'{t}'")),
        1 => (1usize..3000).prop_map(|n| match n % 2 {
            0 => format!("{}1{}", "[".repeat(n), "]".repeat(n)),
            _ => format!("{}1{}", "{a=".repeat(n), "}".repeat(n)),
        }),
    ]
}

/// One table: its header and lines, mostly its own keys with values of their shape.
fn table(header: &'static str, keys: &'static [(&'static str, Shape)]) -> BoxedStrategy<String> {
    let line = prop_oneof![
        30 => select(keys).prop_flat_map(|(k, shape)| {
            value_of(shape).prop_map(move |v| (k, format!("{k} = {v}")))
        }),
        1 => (select(STRAY_KEYS), value()).prop_map(|(k, v)| (k, format!("{k} = {v}"))),
        1 => Just(("#", "# a comment".to_string())),
    ];
    vec(line, 0..7)
        .prop_map(move |lines| {
            // A key once per table: a second one is only TOML's "duplicate key" again.
            let mut seen = std::collections::HashSet::new();
            let mut out = vec![header.to_string()];
            out.extend(
                lines
                    .into_iter()
                    .filter(|(k, _)| *k == "#" || seen.insert(*k))
                    .map(|(_, l)| l),
            );
            out.join("\n")
        })
        .boxed()
}

/// A config.toml: tables of the schema in order, each at most once (array tables may repeat),
/// or hostile text, or any string.
fn document() -> impl Strategy<Value = String> {
    let tables: Vec<BoxedStrategy<String>> = SCHEMA.iter().map(|(h, k)| table(h, k)).collect();
    let eol = select(&["\n", "\n", "\r\n"][..]);
    let garbage = prop_oneof![5 => Just(String::new()), 1 => text(8)];
    prop_oneof![
        // Each table in one document of three, so that most documents get past TOML.
        8 => (tables, vec(prop::bool::weighted(0.3), SCHEMA.len()), garbage, any::<prop::sample::Index>(), eol)
            .prop_map(|(tables, keep, garbage, at, eol)| {
                let mut lines: Vec<String> = tables
                    .into_iter()
                    .zip(keep)
                    .enumerate()
                    .filter(|(i, (_, k))| *i == 0 || *k)
                    .flat_map(|(_, (t, _))| t.lines().map(String::from).collect::<Vec<_>>())
                    .collect();
                if !garbage.is_empty() {
                    lines.insert(at.index(lines.len() + 1), garbage);
                }
                lines.join(eol)
            }),
        1 => text(40),
        1 => any::<String>(),
    ]
}

/// Settings any successful load holds to.
fn within_ranges(cfg: &Config) -> Result<(), TestCaseError> {
    prop_assert!((1..=28).contains(&cfg.month_start_day), "{cfg:?}");
    prop_assert!(cfg.trash_days <= 3650, "{cfg:?}");
    prop_assert!(cfg.linger_minutes <= 1440, "{cfg:?}");
    prop_assert!((1..=100_000).contains(&cfg.backup.keep), "{cfg:?}");
    prop_assert!(cfg.backup.every_days <= 100_000, "{cfg:?}");
    prop_assert!(cfg.stream_keep_days <= 100_000, "{cfg:?}");
    prop_assert_eq!(Currency::parse(cfg.currency.code()), Ok(cfg.currency));
    let category = &cfg.import.default_category;
    let checked = parse_category(category);
    prop_assert_eq!(checked.as_ref(), Ok(category));
    let region = expense_tracker::domain::stream::check_region(&cfg.stream_region);
    prop_assert_eq!(region.as_ref(), Ok(&cfg.stream_region));
    let mut names = std::collections::HashSet::new();
    for t in &cfg.triggers {
        prop_assert!(names.insert(t.name.clone()), "trigger {} twice", t.name);
        prop_assert!(!t.name.is_empty() && !t.command.trim().is_empty(), "{t:?}");
        prop_assert!(t.batch_size >= 1, "{t:?}");
        prop_assert_eq!(&t.source.region, &cfg.stream_region);
    }
    Ok(())
}

/// An error names `path`, and a line of it (`PATH:N:`) that the file has.
fn names_the_file(msg: &str, path: &Path, text: &str) -> Result<(), TestCaseError> {
    let shown = path.display().to_string();
    prop_assert!(msg.contains(&shown), "{msg:?} does not name {shown}");
    let lines = text.lines().count().max(1);
    let key = format!("{shown}:");
    for (i, _) in msg.match_indices(&key) {
        let digits: String = msg[i + key.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(n) = digits.parse::<usize>() {
            prop_assert!((1..=lines + 1).contains(&n), "line {n} of {lines}: {msg}");
        }
    }
    Ok(())
}

/// The environment variables the loader reads.
const VARS: &[&str] = &[
    "EXPENSE_CURRENCY",
    "EXPENSE_MONTH_START_DAY",
    "EXPENSE_TRASH_DAYS",
    "EXPENSE_LINGER_MINUTES",
    "EXPENSE_THEME",
    "EXPENSE_BACKUP_EVERY_DAYS",
    "EXPENSE_BACKUP_KEEP",
    "EXPENSE_STREAM_KEEP_DAYS",
    "EXPENSE_STREAM_REGION",
    "EXPENSE_BACKUP_DIR",
    "NO_COLOR",
];

proptest! {
    #![proptest_config(hostile::config(2))]

    /// Any config.toml: settings in range, or an error naming the file and a line it has.
    #[test]
    fn any_config_file_loads_or_names_the_file(text in document()) {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let path = dir.path().join("config.toml");
        std::fs::write(&path, &text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        match Config::load(Some(dir.path()), &|_| None) {
            Ok(cfg) => within_ranges(&cfg)?,
            Err(e) => names_the_file(&format!("{e:#}"), &path, &text)?,
        }
    }

    /// Any values of the `EXPENSE_*` variables: settings in range, or an error naming one.
    #[test]
    fn any_environment_loads_or_names_the_variable(
        env in proptest::collection::btree_map(
            select(VARS),
            prop_oneof![
                3 => prop_oneof![select(WORDS), select(TOKENS)].prop_map(String::from),
                2 => any::<i64>().prop_map(|n| n.to_string()),
                2 => text(6),
            ],
            0..5,
        )
    ) {
        let env: BTreeMap<&str, String> = env;
        match Config::load(None, &|k| env.get(k).cloned()) {
            Ok(cfg) => within_ranges(&cfg)?,
            Err(e) => {
                let msg = format!("{e:#}");
                prop_assert!(
                    env.keys().any(|k| msg.contains(k)),
                    "{msg:?} names none of {:?}",
                    env.keys().collect::<Vec<_>>()
                );
            }
        }
    }
}
