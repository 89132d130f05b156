//! `config.toml` as written: the TOML shapes (every key optional, unknown keys refused) and the
//! checks that turn them into [`Config`] values. Rule: every error names the file, the key
//! (`import.profiles.NAME.delimiter`, `backup.keep`, ...) and quotes the bad value; the
//! messages are the ones users know, word for word.

use super::{trigger, ChartMarkers, Config, ThemeName};
use crate::domain::import::{
    check_date_format, parse_delimiter, Col, ColumnRef, ImportSpec, Sign, TextEncoding,
};
use crate::domain::rules::CategoryRule;
use crate::domain::validate::parse_category;
use crate::domain::Currency;
use color_eyre::eyre::{eyre, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file format: every key optional so a user file patches the defaults.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    currency: Option<String>,
    month_start_day: Option<i64>,
    trash_days: Option<i64>,
    linger_minutes: Option<i64>,
    theme: Option<ThemeName>,
    chart_markers: Option<ChartMarkers>,
    rates: Option<std::collections::BTreeMap<String, String>>,
    import: Option<ImportFile>,
    /// Kept as tables with their place in the text, so an error names the line and the trigger
    /// (an unknown key included).
    #[serde(default)]
    trigger: Vec<toml::Spanned<toml::Table>>,
    backup: Option<BackupFile>,
    stream: Option<StreamFile>,
    sync: Option<SyncFile>,
}

/// `[sync]` as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SyncFile {
    peers: Option<Vec<String>>,
    ssh: Option<String>,
    remote: Option<String>,
    every_minutes: Option<i64>,
}

/// `[stream]` as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StreamFile {
    keep_days: Option<i64>,
    region: Option<String>,
}

/// `[backup]` as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct BackupFile {
    every_days: Option<i64>,
    keep: Option<i64>,
    dir: Option<PathBuf>,
}

/// `[import]` as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ImportFile {
    default_category: Option<String>,
    #[serde(default)]
    rules: Vec<RuleFile>,
    #[serde(default)]
    profiles: BTreeMap<String, ProfileFile>,
}

/// One `[[import.rules]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    payee: String,
    category: String,
}

/// A column as written: a header name or a 1-based number.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ColumnFile {
    Number(i64),
    Name(String),
}

/// One `[import.profiles.NAME]` table.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    date_col: Option<ColumnFile>,
    amount_col: Option<ColumnFile>,
    debit_col: Option<ColumnFile>,
    credit_col: Option<ColumnFile>,
    payee_col: Option<ColumnFile>,
    category_col: Option<ColumnFile>,
    currency_col: Option<ColumnFile>,
    note_col: Option<ColumnFile>,
    tags_col: Option<ColumnFile>,
    date_format: Option<String>,
    sign: Option<String>,
    decimal_comma: Option<bool>,
    delimiter: Option<String>,
    encoding: Option<String>,
    currency: Option<String>,
    header: Option<bool>,
}

impl ProfileFile {
    /// The spec, or an error naming the key (`date_format: ...`).
    fn to_spec(&self) -> std::result::Result<ImportSpec, String> {
        let mut spec = ImportSpec::default();
        let cols = [
            (Col::Date, &self.date_col),
            (Col::Amount, &self.amount_col),
            (Col::Debit, &self.debit_col),
            (Col::Credit, &self.credit_col),
            (Col::Payee, &self.payee_col),
            (Col::Category, &self.category_col),
            (Col::Currency, &self.currency_col),
            (Col::Note, &self.note_col),
            (Col::Tags, &self.tags_col),
        ];
        for (col, v) in cols {
            let key = format!("{}_col", col.name());
            let r = match v {
                None => continue,
                Some(ColumnFile::Number(n)) => match usize::try_from(*n) {
                    Ok(n) if n >= 1 => ColumnRef::Number(n),
                    _ => return Err(format!("{key}: column number {n} must be 1 or more")),
                },
                Some(ColumnFile::Name(s)) => {
                    ColumnRef::parse(s).map_err(|e| format!("{key}: {e}"))?
                }
            };
            spec.set_column(col, r);
        }
        if let Some(f) = &self.date_format {
            check_date_format(f).map_err(|e| format!("date_format: {e}"))?;
            spec.date_format = Some(f.clone());
        }
        if let Some(v) = &self.sign {
            spec.sign = Sign::parse(v).map_err(|e| format!("sign: {e}"))?;
            spec.sign_given = true;
        }
        if let Some(v) = self.decimal_comma {
            spec.decimal_comma = v;
        }
        if let Some(v) = &self.delimiter {
            spec.delimiter = Some(parse_delimiter(v).map_err(|e| format!("delimiter: {e}"))?);
        }
        if let Some(v) = &self.encoding {
            spec.encoding = TextEncoding::parse(v).map_err(|e| format!("encoding: {e}"))?;
        }
        if let Some(v) = &self.currency {
            spec.currency = Some(Currency::parse(v).map_err(|e| format!("currency: {e}"))?);
        }
        if let Some(h) = self.header {
            spec.no_header = !h;
        }
        Ok(spec)
    }
}

impl Config {
    /// Patches `self` with one TOML text; `path` names it in every error.
    pub(super) fn apply_toml(&mut self, text: &str, path: &Path) -> Result<()> {
        let file: ConfigFile = toml::from_str(text)
            .map_err(|e| eyre!("{}: {}", path.display(), e.to_string().trim_end()))?;
        let at = |table: &str, key: &str| place(text, path, table, key);
        if let Some(c) = file.currency {
            self.currency =
                Currency::parse(&c).map_err(|e| eyre!("{}: currency: {e}", at("", "currency")))?;
        }
        if let Some(d) = file.month_start_day {
            self.month_start_day = check_start_day(d)
                .map_err(|e| eyre!("{}: month_start_day: {e}", at("", "month_start_day")))?;
        }
        if let Some(d) = file.trash_days {
            self.trash_days = check_trash_days(d)
                .map_err(|e| eyre!("{}: trash_days: {e}", at("", "trash_days")))?;
        }
        if let Some(m) = file.linger_minutes {
            self.linger_minutes = check_linger_minutes(m)
                .map_err(|e| eyre!("{}: linger_minutes: {e}", at("", "linger_minutes")))?;
        }
        if let Some(t) = file.theme {
            self.theme = t;
        }
        if let Some(m) = file.chart_markers {
            self.chart_markers = m;
        }
        if let Some(rates) = file.rates {
            for (code, rate) in rates {
                self.rates
                    .insert(&code, &rate)
                    .map_err(|e| eyre!("{}: {e}", path.display()))?;
            }
        }
        for (i, t) in file.trigger.iter().enumerate() {
            let table = t.get_ref();
            let name = table.get("name").and_then(|v| v.as_str()).unwrap_or("?");
            let at = |e: String| {
                let line = trigger::line_of(text, t.span(), &e);
                eyre!("{}:{line}: trigger[{i}] ({name}): {e}", path.display())
            };
            let spec = trigger::TriggerFile::deserialize(toml::Value::Table(table.clone()))
                .map_err(|e| at(e.to_string().trim_end().to_string()))?
                .to_spec()
                .map_err(at)?;
            if self.triggers.iter().any(|s| s.name == spec.name) {
                return Err(eyre!(
                    "{}:{}: trigger[{i}]: the name '{}' is used twice",
                    path.display(),
                    trigger::line_of(text, t.span(), "name:"),
                    spec.name
                ));
            }
            self.triggers.push(spec);
        }
        if let Some(b) = file.backup {
            let bad = |key: &str, e: String| eyre!("{}: backup.{key}: {e}", at("backup", key));
            if let Some(n) = b.every_days {
                self.backup.every_days = check_count(n, 0).map_err(|e| bad("every_days", e))?;
            }
            if let Some(n) = b.keep {
                self.backup.keep = check_count(n, 1).map_err(|e| bad("keep", e))?;
            }
            if let Some(d) = b.dir {
                self.backup.dir = Some(d);
            }
        }
        let stream = file.stream.unwrap_or_default();
        if let Some(n) = stream.keep_days {
            self.stream_keep_days = check_count(n, 0).map_err(|e| {
                eyre!(
                    "{}: stream.keep_days: {e} (0 keeps everything)",
                    at("stream", "keep_days")
                )
            })?;
        }
        if let Some(r) = stream.region {
            self.stream_region = crate::domain::stream::check_region(&r)
                .map_err(|e| eyre!("{}: stream.region: {e}", at("stream", "region")))?;
        }
        let sync = file.sync.unwrap_or_default();
        if let Some(peers) = sync.peers {
            for p in &peers {
                crate::domain::sync::parse_peer(p)
                    .map_err(|e| eyre!("{}: sync.peers: {e}", at("sync", "peers")))?;
            }
            self.sync.peers = peers;
        }
        if let Some(s) = sync.ssh {
            crate::domain::sync::ssh_words(&s)
                .map_err(|e| eyre!("{}: sync.ssh: {e}", at("sync", "ssh")))?;
            self.sync.ssh = s;
        }
        if let Some(m) = sync.every_minutes {
            self.sync.every_minutes = check_count(m, 0).map_err(|e| {
                eyre!(
                    "{}: sync.every_minutes: {e} (0 syncs only when asked)",
                    at("sync", "every_minutes")
                )
            })?;
        }
        if let Some(r) = sync.remote {
            if r.trim().is_empty() {
                return Err(eyre!(
                    "{}: sync.remote: empty (default: expense)",
                    at("sync", "remote")
                ));
            }
            self.sync.remote = r;
        }
        if let Some(import) = file.import {
            let err = |key: &str, e: &dyn std::fmt::Display| {
                let first = key.split(['[', ' ']).next().unwrap_or(key);
                eyre!("{}: import.{key}: {e}", at("import", first))
            };
            if let Some(c) = import.default_category {
                self.import.default_category =
                    parse_category(&c).map_err(|e| err("default_category", &e))?;
            }
            for (i, r) in import.rules.iter().enumerate() {
                let rule = CategoryRule::new(&r.payee, &r.category)
                    .map_err(|e| err(&format!("rules[{i}] (payee '{}')", r.payee), &e))?;
                self.import.rules.push(rule);
            }
            for (name, p) in &import.profiles {
                let spec = p.to_spec().map_err(|e| {
                    let key = e.split_once(':').map_or("", |(k, _)| k);
                    let table = format!("import.profiles.{name}");
                    eyre!("{}: {table}.{e}", at(&table, key))
                })?;
                self.import.profiles.insert(name.clone(), spec);
            }
        }
        Ok(())
    }
}

/// `PATH:LINE` of the line `key = ...` under the header `[table]` (`""`: before any header), or
/// `PATH` when the key is not written that way (a dotted key, an inline table).
fn place(text: &str, path: &Path, table: &str, key: &str) -> String {
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_start();
        if let Some(header) = line.strip_prefix('[') {
            let header = header
                .split(']')
                .next()
                .unwrap_or("")
                .trim_start_matches('[');
            current = header
                .chars()
                .filter(|c| !matches!(c, '"' | '\'' | ' ' | '\t'))
                .collect();
            continue;
        }
        let rest = line.strip_prefix(key).map(str::trim_start);
        if current == table && !key.is_empty() && rest.is_some_and(|r| r.starts_with('=')) {
            return format!("{}:{}", path.display(), i + 1);
        }
    }
    path.display().to_string()
}

/// Longest trash time-to-live accepted: ten years.
const MAX_TRASH_DAYS: i64 = 3_650;

/// A trash time-to-live in days, 0 to [`MAX_TRASH_DAYS`].
pub(super) fn check_trash_days(days: i64) -> std::result::Result<u32, String> {
    if (0..=MAX_TRASH_DAYS).contains(&days) {
        Ok(days as u32)
    } else {
        Err(format!(
            "{days} is not a valid number of days (0-{MAX_TRASH_DAYS}; 0 deletes at once)"
        ))
    }
}

/// Longest time a holder lingers after its command: a day.
const MAX_LINGER_MINUTES: i64 = 1_440;

/// How long the store stays open after a command, in minutes, 0 to [`MAX_LINGER_MINUTES`].
pub(super) fn check_linger_minutes(m: i64) -> std::result::Result<u32, String> {
    if (0..=MAX_LINGER_MINUTES).contains(&m) {
        Ok(m as u32)
    } else {
        Err(format!(
            "{m} is not a valid number of minutes (0-{MAX_LINGER_MINUTES}; 0 closes the store \
             when each command ends)"
        ))
    }
}

/// A whole number from `min` to 100000.
pub(super) fn check_count(n: i64, min: i64) -> std::result::Result<u32, String> {
    if (min..=100_000).contains(&n) {
        Ok(n as u32)
    } else {
        Err(format!("{n} is not in {min}-100000"))
    }
}

/// A first day of the month from 1 to 28.
pub(super) fn check_start_day(day: i64) -> std::result::Result<u32, String> {
    if (1..=28).contains(&day) {
        Ok(day as u32)
    } else {
        Err(format!(
            "{day} is not a valid start day (1-28, so that every month has it)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn broken_files_name_the_line_and_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "currency = \"EUR\"\nmonth_start_day = = 3\n").unwrap();
        let err = Config::load(Some(dir.path()), &no_env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("config.toml"), "{err}");
        std::fs::write(&path, "currency = \"EUT\"\n").unwrap();
        let err = Config::load(Some(dir.path()), &no_env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("EUT"), "{err}");
        std::fs::write(&path, "month_start_day = 31\n").unwrap();
        let err = Config::load(Some(dir.path()), &no_env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("31"), "{err}");
        std::fs::write(&path, "[rates]\nUSD = \"0,92\"\n").unwrap();
        let err = Config::load(Some(dir.path()), &no_env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("USD") && err.contains("0,92"), "{err}");
        std::fs::write(&path, "chart_markers = \"dots\"\n").unwrap();
        let err = Config::load(Some(dir.path()), &no_env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("dots"), "{err}");
        std::fs::write(
            &path,
            "chart_markers = \"ascii\"\n[rates]\nusd = \"0.92\"\n",
        )
        .unwrap();
        let cfg = Config::load(Some(dir.path()), &no_env).unwrap();
        assert_eq!(cfg.chart_markers, ChartMarkers::Ascii);
        assert_eq!(
            cfg.rates
                .convert(100, Currency::parse("USD").unwrap(), Currency::EUR),
            Some(92)
        );
        std::fs::write(&path, "colour = 1\n").unwrap();
        assert!(Config::load(Some(dir.path()), &no_env).is_err());
    }

    #[test]
    fn import_rules_and_profiles() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            r#"
[import]
default_category = "misc"

[[import.rules]]
payee = "lidl"
category = "food:groceries"

[import.profiles.bank]
date_col = "Buchungstag"
amount_col = 3
date_format = "%d.%m.%Y"
decimal_comma = true
delimiter = ";"
encoding = "latin1"
sign = "expense-positive"
currency = "chf"
header = true
"#,
        )
        .unwrap();
        let cfg = Config::load(Some(dir.path()), &no_env).unwrap();
        assert_eq!(cfg.import.default_category, "misc");
        assert_eq!(cfg.import.rules.len(), 1);
        assert!(cfg.import.rules[0].matches("LIDL 42"));
        let p = &cfg.import.profiles["bank"];
        assert_eq!(p.delimiter, Some(b';'));
        assert!(p.decimal_comma);
        assert_eq!(p.encoding, TextEncoding::Windows1252);
        assert_eq!(p.sign, Sign::ExpensePositive);
        assert_eq!(p.currency.map(|c| c.code().to_string()), Some("CHF".into()));
        assert_eq!(
            p.columns,
            vec![
                (Col::Date, ColumnRef::Name("Buchungstag".into())),
                (Col::Amount, ColumnRef::Number(3))
            ]
        );
        for (bad, key) in [
            (
                "[import.profiles.b]\ndelimiter = \";;\"\n",
                "import.profiles.b.delimiter",
            ),
            (
                "[import.profiles.b]\ndate_format = \"%Y\"\n",
                "import.profiles.b.date_format",
            ),
            (
                "[import.profiles.b]\nsign = \"up\"\n",
                "import.profiles.b.sign",
            ),
            (
                "[import.profiles.b]\namount_col = 0\n",
                "import.profiles.b.amount_col",
            ),
            (
                "[import.profiles.b]\nencoding = \"koi8\"\n",
                "import.profiles.b.encoding",
            ),
            (
                "[[import.rules]]\npayee = \"x\"\ncategory = \"a::b\"\n",
                "import.rules[0]",
            ),
            (
                "[import]\ndefault_category = \"\"\n",
                "import.default_category",
            ),
        ] {
            std::fs::write(&path, bad).unwrap();
            let err = Config::load(Some(dir.path()), &no_env)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("config.toml") && err.contains(key),
                "{bad}: {err}"
            );
        }
        std::fs::write(&path, "[import.profiles.b]\ncolour = 1\n").unwrap();
        let err = Config::load(Some(dir.path()), &no_env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("colour") && err.contains("line"), "{err}");
    }

    #[test]
    fn a_bad_value_names_the_file_line_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let text = "currency = \"EUR\"\n\n[import.profiles.\"bank\"]\n# a comment\ndate_format = \"%H:%M\"\n";
        let err = Config::default()
            .apply_toml(text, &path)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("config.toml:5: import.profiles.bank.date_format"),
            "{err}"
        );
        let err = Config::default()
            .apply_toml("[backup]\nkeep = 0\n", &path)
            .unwrap_err()
            .to_string();
        assert!(err.contains("config.toml:2: backup.keep"), "{err}");
        let err = Config::default()
            .apply_toml("\ntrash_days = -1\n", &path)
            .unwrap_err()
            .to_string();
        assert!(err.contains("config.toml:2: trash_days"), "{err}");
        let err = Config::default()
            .apply_toml("currency = \"EUR\"\nlinger_minutes = 2000\n", &path)
            .unwrap_err()
            .to_string();
        assert!(err.contains("config.toml:2: linger_minutes"), "{err}");
        let err = Config::default()
            .apply_toml("[sync]\nssh = \"ssh -i '/keys/my key\"\n", &path)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("config.toml:2: sync.ssh") && err.contains("not closed"),
            "{err}"
        );
        let mut cfg = Config::default();
        cfg.apply_toml("[sync]\nssh = \"ssh -i '/keys/my key'\"\n", &path)
            .unwrap();
        assert_eq!(
            crate::domain::sync::ssh_words(&cfg.sync.ssh).unwrap(),
            ["ssh", "-i", "/keys/my key"]
        );
    }

    #[test]
    fn a_profile_date_format_with_a_time_is_accepted() {
        let mut cfg = Config::default();
        let text = "[import.profiles.b]\ndate_format = \"%Y-%m-%d %H:%M:%S\"\n";
        cfg.apply_toml(text, Path::new("c.toml")).unwrap();
        assert_eq!(
            cfg.import.profiles["b"].date_format.as_deref(),
            Some("%Y-%m-%d %H:%M:%S")
        );
    }
}
