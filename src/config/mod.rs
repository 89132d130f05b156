//! Where things live and how the user set them up: data/config directories (XDG via
//! `directories`), `config.toml` over the embedded defaults, and `EXPENSE_*` environment overrides.
//! Every error names the file (and line) or variable and quotes the bad value.

pub mod trigger;

use crate::domain::import::{
    check_date_format, parse_delimiter, Col, ColumnRef, ImportSpec, Sign, TextEncoding,
};
use crate::domain::rules::CategoryRule;
use crate::domain::validate::parse_category;
use crate::domain::Currency;
use color_eyre::eyre::{eyre, Result, WrapErr};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The defaults, embedded so a fresh machine needs no file.
pub const DEFAULT_CONFIG: &str = include_str!("../../assets/config.toml");

/// Colour scheme choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ThemeName {
    /// Colours by meaning.
    #[default]
    Default,
    /// No colours (also forced by NO_COLOR).
    Mono,
}

/// How charts draw their lines and bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ChartMarkers {
    /// Braille dots and block eighths (fine resolution; needs a font that has them).
    #[default]
    Unicode,
    /// Plain ASCII (`#`, `*`, `.`): any font, any SSH client.
    Ascii,
}

/// The settings the app runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Currency of amounts that name none.
    pub currency: Currency,
    /// First day of a budgeting month (1..=28).
    pub month_start_day: u32,
    /// Colour scheme.
    pub theme: ThemeName,
    /// `[import]`: default category, category rules and named profiles.
    pub import: ImportConfig,
    /// Chart drawing characters.
    pub chart_markers: ChartMarkers,
    /// Exchange rates into `currency` (`[rates]`); empty: totals stay per currency.
    pub rates: crate::domain::rates::Rates,
    /// `[[trigger]]`: commands run for matching change records (see `crate::engine::triggers`).
    pub triggers: Vec<crate::domain::trigger::TriggerSpec>,
    /// Days a deleted expense stays in the trash before the sweeper removes it for good
    /// (`trash_days`, `EXPENSE_TRASH_DAYS`); 0 deletes at once, with no trash.
    pub trash_days: u32,
    /// `[backup]`: automatic backups.
    pub backup: BackupConfig,
    /// `[stream] keep_days` (`EXPENSE_STREAM_KEEP_DAYS`): change records older than this many
    /// days are trimmed by the process holding the store, at open (see `store/retention.rs`);
    /// 0 (the default) keeps everything.
    pub stream_keep_days: u32,
}

/// `[backup]` settings: automatic backups taken by the process that holds the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupConfig {
    /// Days between automatic backups; 0 turns them off.
    pub every_days: u32,
    /// Automatic backups kept (older ones are deleted); at least 1.
    pub keep: u32,
    /// Where backups go; `None`: `<data dir>/backups`.
    pub dir: Option<PathBuf>,
}

impl Default for BackupConfig {
    fn default() -> Self {
        BackupConfig {
            every_days: 1,
            keep: 7,
            dir: None,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            currency: Currency::EUR,
            month_start_day: 1,
            theme: ThemeName::Default,
            chart_markers: ChartMarkers::Unicode,
            rates: Default::default(),
            import: ImportConfig::default(),
            triggers: Vec::new(),
            trash_days: 30,
            backup: BackupConfig::default(),
            stream_keep_days: 0,
        }
    }
}

/// `[import]` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportConfig {
    /// Category of imported rows that name none and match no rule.
    pub default_category: String,
    /// `[[import.rules]]`: payee pattern -> category, first match wins.
    pub rules: Vec<CategoryRule>,
    /// `[import.profiles.NAME]`: how to read one bank's files (`expense import --profile NAME`).
    pub profiles: BTreeMap<String, ImportSpec>,
}

impl Default for ImportConfig {
    fn default() -> Self {
        ImportConfig {
            default_category: "uncategorized".into(),
            rules: Vec::new(),
            profiles: BTreeMap::new(),
        }
    }
}

/// The file format: every key optional so a user file patches the defaults.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    currency: Option<String>,
    month_start_day: Option<i64>,
    trash_days: Option<i64>,
    theme: Option<ThemeName>,
    chart_markers: Option<ChartMarkers>,
    rates: Option<std::collections::BTreeMap<String, String>>,
    import: Option<ImportFile>,
    #[serde(default)]
    trigger: Vec<trigger::TriggerFile>,
    backup: Option<BackupFile>,
    stream: Option<StreamFile>,
}

/// `[stream]` as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StreamFile {
    keep_days: Option<i64>,
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
    /// Loads the embedded defaults, then `dir/config.toml` if present, then the environment.
    pub fn load(dir: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Result<Config> {
        let mut cfg = Config::default();
        cfg.apply_toml(DEFAULT_CONFIG, Path::new("<built-in config.toml>"))?;
        if let Some(dir) = dir {
            let path = dir.join("config.toml");
            match std::fs::read_to_string(&path) {
                Ok(text) => cfg.apply_toml(&text, &path)?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).wrap_err(format!("reading {}", path.display())),
            }
        }
        if let Some(v) = env("EXPENSE_CURRENCY") {
            cfg.currency = Currency::parse(&v).map_err(|e| eyre!("EXPENSE_CURRENCY: {e}"))?;
        }
        if let Some(v) = env("EXPENSE_MONTH_START_DAY") {
            let day: i64 = v
                .trim()
                .parse()
                .map_err(|_| eyre!("EXPENSE_MONTH_START_DAY='{v}' is not a day number (1-28)"))?;
            cfg.month_start_day =
                check_start_day(day).map_err(|e| eyre!("EXPENSE_MONTH_START_DAY: {e}"))?;
        }
        if let Some(v) = env("EXPENSE_TRASH_DAYS") {
            let days: i64 = v
                .trim()
                .parse()
                .map_err(|_| eyre!("EXPENSE_TRASH_DAYS='{v}' is not a number of days"))?;
            cfg.trash_days =
                check_trash_days(days).map_err(|e| eyre!("EXPENSE_TRASH_DAYS: {e}"))?;
        }
        if let Some(v) = env("EXPENSE_THEME") {
            cfg.theme = match v.trim() {
                "default" => ThemeName::Default,
                "mono" => ThemeName::Mono,
                other => return Err(eyre!("EXPENSE_THEME='{other}': use default or mono")),
            };
        }
        if let Some(v) = env("EXPENSE_BACKUP_EVERY_DAYS") {
            cfg.backup.every_days =
                parse_count(&v, 0).map_err(|e| eyre!("EXPENSE_BACKUP_EVERY_DAYS='{v}': {e}"))?;
        }
        if let Some(v) = env("EXPENSE_BACKUP_KEEP") {
            cfg.backup.keep =
                parse_count(&v, 1).map_err(|e| eyre!("EXPENSE_BACKUP_KEEP='{v}': {e}"))?;
        }
        if let Some(v) = env("EXPENSE_STREAM_KEEP_DAYS") {
            cfg.stream_keep_days =
                parse_count(&v, 0).map_err(|e| eyre!("EXPENSE_STREAM_KEEP_DAYS='{v}': {e}"))?;
        }
        if let Some(v) = env("EXPENSE_BACKUP_DIR") {
            cfg.backup.dir = (!v.is_empty()).then(|| PathBuf::from(v));
        }
        if env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            cfg.theme = ThemeName::Mono;
        }
        Ok(cfg)
    }

    fn apply_toml(&mut self, text: &str, path: &Path) -> Result<()> {
        let file: ConfigFile = toml::from_str(text)
            .map_err(|e| eyre!("{}: {}", path.display(), e.to_string().trim_end()))?;
        if let Some(c) = file.currency {
            self.currency =
                Currency::parse(&c).map_err(|e| eyre!("{}: currency: {e}", path.display()))?;
        }
        if let Some(d) = file.month_start_day {
            self.month_start_day = check_start_day(d)
                .map_err(|e| eyre!("{}: month_start_day: {e}", path.display()))?;
        }
        if let Some(d) = file.trash_days {
            self.trash_days =
                check_trash_days(d).map_err(|e| eyre!("{}: trash_days: {e}", path.display()))?;
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
            let spec = t
                .to_spec()
                .map_err(|e| eyre!("{}: trigger[{i}] ({}): {e}", path.display(), t.name))?;
            if self.triggers.iter().any(|s| s.name == spec.name) {
                return Err(eyre!(
                    "{}: trigger[{i}]: the name '{}' is used twice",
                    path.display(),
                    spec.name
                ));
            }
            self.triggers.push(spec);
        }
        if let Some(b) = file.backup {
            let at = |key: &str, e: String| eyre!("{}: backup.{key}: {e}", path.display());
            if let Some(n) = b.every_days {
                self.backup.every_days = check_count(n, 0).map_err(|e| at("every_days", e))?;
            }
            if let Some(n) = b.keep {
                self.backup.keep = check_count(n, 1).map_err(|e| at("keep", e))?;
            }
            if let Some(d) = b.dir {
                self.backup.dir = Some(d);
            }
        }
        if let Some(n) = file.stream.and_then(|st| st.keep_days) {
            self.stream_keep_days = check_count(n, 0).map_err(|e| {
                eyre!(
                    "{}: stream.keep_days: {e} (0 keeps everything)",
                    path.display()
                )
            })?;
        }
        if let Some(import) = file.import {
            let at = |key: &str, e: &dyn std::fmt::Display| {
                eyre!("{}: import.{key}: {e}", path.display())
            };
            if let Some(c) = import.default_category {
                self.import.default_category =
                    parse_category(&c).map_err(|e| at("default_category", &e))?;
            }
            for (i, r) in import.rules.iter().enumerate() {
                let rule = CategoryRule::new(&r.payee, &r.category)
                    .map_err(|e| at(&format!("rules[{i}] (payee '{}')", r.payee), &e))?;
                self.import.rules.push(rule);
            }
            for (name, p) in &import.profiles {
                let spec = p
                    .to_spec()
                    .map_err(|e| eyre!("{}: import.profiles.{name}.{e}", path.display()))?;
                self.import.profiles.insert(name.clone(), spec);
            }
        }
        Ok(())
    }
}

impl Config {
    /// How long a deleted expense stays in the trash, in ms (0: no trash).
    pub fn trash_ttl_ms(&self) -> i64 {
        i64::from(self.trash_days) * 86_400_000
    }
}

/// Longest trash time-to-live accepted: ten years.
const MAX_TRASH_DAYS: i64 = 3_650;

fn check_trash_days(days: i64) -> std::result::Result<u32, String> {
    if (0..=MAX_TRASH_DAYS).contains(&days) {
        Ok(days as u32)
    } else {
        Err(format!(
            "{days} is not a valid number of days (0-{MAX_TRASH_DAYS}; 0 deletes at once)"
        ))
    }
}

/// A whole number from `min` to 100000 written in the environment.
fn parse_count(v: &str, min: i64) -> std::result::Result<u32, String> {
    let n: i64 = v
        .trim()
        .parse()
        .map_err(|_| "not a whole number".to_string())?;
    check_count(n, min)
}

fn check_count(n: i64, min: i64) -> std::result::Result<u32, String> {
    if (min..=100_000).contains(&n) {
        Ok(n as u32)
    } else {
        Err(format!("{n} is not in {min}-100000"))
    }
}

fn check_start_day(day: i64) -> std::result::Result<u32, String> {
    if (1..=28).contains(&day) {
        Ok(day as u32)
    } else {
        Err(format!(
            "{day} is not a valid start day (1-28, so that every month has it)"
        ))
    }
}

/// The directories the app uses.
#[derive(Debug, Clone)]
pub struct Places {
    /// Where the store lives.
    pub data_dir: PathBuf,
    /// Where config.toml is read from.
    pub config_dir: Option<PathBuf>,
}

impl Places {
    /// `--data-dir` / `EXPENSE_DATA_DIR` (resolved by clap) or the platform data directory;
    /// `EXPENSE_CONFIG_DIR` or the platform config directory.
    pub fn resolve(
        data_dir: Option<PathBuf>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Places> {
        let project = directories::ProjectDirs::from("", "", "expense-tracker");
        let data_dir = match data_dir {
            Some(d) => d,
            None => project
                .as_ref()
                .map(|p| p.data_dir().to_path_buf())
                .ok_or_else(|| eyre!("no home directory found; pass --data-dir PATH"))?,
        };
        let config_dir = env("EXPENSE_CONFIG_DIR")
            .map(PathBuf::from)
            .or_else(|| project.as_ref().map(|p| p.config_dir().to_path_buf()));
        Ok(Places {
            data_dir,
            config_dir,
        })
    }
}

/// Reads the real process environment (tests pass their own closure).
pub fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults_and_patch() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            Config::load(Some(dir.path()), &no_env).unwrap(),
            Config::default()
        );
        std::fs::write(
            dir.path().join("config.toml"),
            "currency = \"jpy\"\nmonth_start_day = 25\n",
        )
        .unwrap();
        let cfg = Config::load(Some(dir.path()), &no_env).unwrap();
        assert_eq!(cfg.currency.code(), "JPY");
        assert_eq!(cfg.month_start_day, 25);
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
    fn environment_overrides() {
        let env = |k: &str| match k {
            "EXPENSE_CURRENCY" => Some("USD".to_string()),
            "EXPENSE_MONTH_START_DAY" => Some("15".to_string()),
            "NO_COLOR" => Some("1".to_string()),
            _ => None,
        };
        let cfg = Config::load(None, &env).unwrap();
        assert_eq!(cfg.currency.code(), "USD");
        assert_eq!(cfg.month_start_day, 15);
        assert_eq!(cfg.theme, ThemeName::Mono);
        assert_eq!(cfg.trash_days, 30);
        let days = |k: &str| (k == "EXPENSE_TRASH_DAYS").then(|| "0".to_string());
        assert_eq!(Config::load(None, &days).unwrap().trash_ttl_ms(), 0);
        let bad = |k: &str| (k == "EXPENSE_TRASH_DAYS").then(|| "-1".to_string());
        assert!(Config::load(None, &bad)
            .unwrap_err()
            .to_string()
            .contains("-1 is not a valid number of days"));
        let bad = |k: &str| (k == "EXPENSE_MONTH_START_DAY").then(|| "x".to_string());
        assert!(Config::load(None, &bad)
            .unwrap_err()
            .to_string()
            .contains("'x'"));
    }

    #[test]
    fn backup_settings_from_file_and_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        assert_eq!(
            Config::load(None, &|_| None).unwrap().backup,
            BackupConfig::default()
        );
        std::fs::write(&path, "[backup]\nevery_days = 3\nkeep = 2\ndir = \"bk\"\n").unwrap();
        let cfg = Config::load(Some(dir.path()), &|_| None).unwrap();
        assert_eq!(
            cfg.backup,
            BackupConfig {
                every_days: 3,
                keep: 2,
                dir: Some(PathBuf::from("bk")),
            }
        );
        std::fs::write(&path, "[backup]\nkeep = 0\n").unwrap();
        let e = Config::load(Some(dir.path()), &|_| None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("backup.keep") && e.contains("0 is not in 1-100000"),
            "{e}"
        );
        std::fs::write(&path, "[backup]\nevry_days = 1\n").unwrap();
        let e = Config::load(Some(dir.path()), &|_| None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("evry_days"), "{e}");
        std::fs::remove_file(&path).unwrap();
        let env = |k: &str| match k {
            "EXPENSE_BACKUP_EVERY_DAYS" => Some("0".to_string()),
            "EXPENSE_BACKUP_KEEP" => Some("30".to_string()),
            "EXPENSE_BACKUP_DIR" => Some("/mnt/b".to_string()),
            _ => None,
        };
        let cfg = Config::load(None, &env).unwrap();
        assert_eq!((cfg.backup.every_days, cfg.backup.keep), (0, 30));
        assert_eq!(cfg.backup.dir, Some(PathBuf::from("/mnt/b")));
        let bad = |k: &str| (k == "EXPENSE_BACKUP_KEEP").then(|| "many".to_string());
        let e = Config::load(None, &bad).unwrap_err().to_string();
        assert!(e.contains("EXPENSE_BACKUP_KEEP='many'"), "{e}");
    }

    #[test]
    fn stream_keep_days_from_file_and_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        assert_eq!(Config::load(None, &|_| None).unwrap().stream_keep_days, 0);
        std::fs::write(&path, "[stream]\nkeep_days = 90\n").unwrap();
        let cfg = Config::load(Some(dir.path()), &|_| None).unwrap();
        assert_eq!(cfg.stream_keep_days, 90);
        std::fs::write(&path, "[stream]\nkeep_days = -3\n").unwrap();
        let e = Config::load(Some(dir.path()), &|_| None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("stream.keep_days: -3 is not in 0-100000"), "{e}");
        std::fs::write(&path, "[stream]\nkeep = 3\n").unwrap();
        let e = Config::load(Some(dir.path()), &|_| None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("keep"), "{e}");
        let env = |k: &str| (k == "EXPENSE_STREAM_KEEP_DAYS").then(|| "7".to_string());
        std::fs::write(&path, "[stream]\nkeep_days = 90\n").unwrap();
        assert_eq!(
            Config::load(Some(dir.path()), &env)
                .unwrap()
                .stream_keep_days,
            7
        );
        let bad = |k: &str| (k == "EXPENSE_STREAM_KEEP_DAYS").then(|| "week".to_string());
        let e = Config::load(None, &bad).unwrap_err().to_string();
        assert!(e.contains("EXPENSE_STREAM_KEEP_DAYS='week'"), "{e}");
    }
}
