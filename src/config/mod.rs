//! Where things live and how the user set them up: data/config directories (XDG via
//! `directories`), `config.toml` over the embedded defaults, and `EXPENSE_*` environment overrides.
//! Every error names the file (and line) or variable and quotes the bad value.
//!
//! Rooms: `file.rs` reads `config.toml` (the TOML shapes and their checks), `env.rs` the
//! environment (`EXPENSE_*` overrides, [`Places`], [`process_env`]), `trigger.rs` the
//! `[[trigger]]` tables. This file holds the settings themselves and the order they are layered
//! in: embedded defaults, then the user's file, then the environment.

mod env;
mod file;
pub mod trigger;

pub use env::{dumb_terminal, process_env, Places};

use crate::domain::import::ImportSpec;
use crate::domain::rules::CategoryRule;
use crate::domain::Currency;
use color_eyre::eyre::{Result, WrapErr};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The defaults, embedded so a fresh machine needs no file.
pub const DEFAULT_CONFIG: &str = include_str!("../../assets/config.toml");

/// Colour scheme choice (`theme` in config.toml, `EXPENSE_THEME`, `expense --theme`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ThemeName {
    /// Colours by meaning, for a dark background.
    #[default]
    Default,
    /// Colours by meaning that read on a light background (no yellow, no dim grey text).
    Light,
    /// Bold, bright colours and an explicit selection colour pair, no dimmed text.
    HighContrast,
    /// No colours (also forced by NO_COLOR).
    Mono,
}

impl ThemeName {
    /// Every theme, in the order the help lists them.
    pub const ALL: [ThemeName; 4] = [
        ThemeName::Default,
        ThemeName::Light,
        ThemeName::HighContrast,
        ThemeName::Mono,
    ];

    /// The name as config.toml and `--theme` spell it.
    pub fn name(self) -> &'static str {
        match self {
            ThemeName::Default => "default",
            ThemeName::Light => "light",
            ThemeName::HighContrast => "high-contrast",
            ThemeName::Mono => "mono",
        }
    }

    /// The theme called `name`.
    pub fn parse(name: &str) -> Option<ThemeName> {
        ThemeName::ALL.into_iter().find(|t| t.name() == name.trim())
    }
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
    /// Minutes the store stays open after a command or a TUI that opened it ends
    /// (`linger_minutes`, `EXPENSE_LINGER_MINUTES`): a quiet background holder serves the next
    /// command from any shell in milliseconds. 0 closes the store when each command ends.
    pub linger_minutes: u32,
    /// `[backup]`: automatic backups.
    pub backup: BackupConfig,
    /// `[stream] keep_days` (`EXPENSE_STREAM_KEEP_DAYS`): change records older than this many
    /// days are trimmed by the process holding the store, at open (see `store/retention.rs`);
    /// 0 (the default) keeps everything.
    pub stream_keep_days: u32,
    /// `[stream] region` (`EXPENSE_STREAM_REGION`): `awsRegion` and the region of
    /// `eventSourceARN` in the DynamoDB record format; default `local`.
    pub stream_region: String,
    /// `[sync]`: replication with other devices over SSH.
    pub sync: SyncConfig,
}

/// `[sync]` settings (see `expense sync`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncConfig {
    /// `peers`: what `expense sync` alone syncs with, each `ADDRESS` or `NAME=ADDRESS` (an
    /// address is `host`, `user@host`, `host:DATA_DIR` or a local `/path/to/data`).
    pub peers: Vec<String>,
    /// `ssh` (`EXPENSE_SSH`): the command that reaches a host, split into words as a shell
    /// splits them (`ssh -p 2222 -i '~/.ssh/my key'`, `domain::sync::ssh_words`); default `ssh`.
    pub ssh: String,
    /// `remote` (`EXPENSE_SYNC_REMOTE`): the program run on the peer; default `expense`.
    pub remote: String,
    /// `every_minutes` (`EXPENSE_SYNC_EVERY_MINUTES`): a process holding the store (an open
    /// TUI, a lingering holder) syncs with `peers` this often, quietly; 0 (the default): only
    /// when asked.
    pub every_minutes: u32,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            peers: Vec::new(),
            ssh: "ssh".into(),
            remote: "expense".into(),
            every_minutes: 0,
        }
    }
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
            linger_minutes: 10,
            backup: BackupConfig::default(),
            stream_keep_days: 0,
            stream_region: crate::domain::stream::DEFAULT_REGION.to_string(),
            sync: SyncConfig::default(),
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

/// The largest config file read (a real one is a few KB).
const CONFIG_MAX_BYTES: u64 = 1 << 20;

/// The text of the config file at `path` (`None` when there is none): a regular file (a symlink
/// to one is fine) of at most [`CONFIG_MAX_BYTES`], so a link to `/dev/zero` or a huge file is
/// refused instead of read without end.
fn read_config(path: &Path) -> std::io::Result<Option<String>> {
    use std::io::Read;
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("it is not a regular file"));
    }
    let mut text = String::new();
    file.take(CONFIG_MAX_BYTES + 1).read_to_string(&mut text)?;
    if text.len() as u64 > CONFIG_MAX_BYTES {
        return Err(std::io::Error::other("it is larger than 1 MiB"));
    }
    Ok(Some(text))
}

impl Config {
    /// The categories the import settings name: each `[[import.rules]]` rule's payee pattern
    /// with its category, and `None` with `import.default_category` (a rename says which of
    /// them to change; the app never rewrites config.toml).
    pub fn import_categories(&self) -> Vec<(Option<String>, String)> {
        self.import
            .rules
            .iter()
            .map(|r| (Some(r.pattern.clone()), r.category.clone()))
            .chain(std::iter::once((
                None,
                self.import.default_category.clone(),
            )))
            .collect()
    }

    /// Loads the embedded defaults, then `dir/config.toml` if present, then the environment.
    pub fn load(dir: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Result<Config> {
        let mut cfg = Config::default();
        cfg.apply_toml(DEFAULT_CONFIG, Path::new("<built-in config.toml>"))?;
        if let Some(dir) = dir {
            let path = dir.join("config.toml");
            match read_config(&path) {
                Ok(Some(text)) => cfg.apply_toml(&text, &path)?,
                Ok(None) => {}
                Err(e) => return Err(e).wrap_err(format!("reading {}", path.display())),
            }
        }
        cfg.apply_env(env)?;
        // Every trigger's records name the one region, known only now.
        for t in &mut cfg.triggers {
            t.source.region = cfg.stream_region.clone();
        }
        Ok(cfg)
    }
}

impl Config {
    /// How long a deleted expense stays in the trash, in ms (0: no trash).
    pub fn trash_ttl_ms(&self) -> i64 {
        i64::from(self.trash_days) * 86_400_000
    }
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
    fn stream_region_from_file_and_environment_reaches_the_triggers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        assert_eq!(Config::load(None, &no_env).unwrap().stream_region, "local");
        std::fs::write(
            &path,
            "[stream]\nregion = 'eu-west-1'\n[[trigger]]\nname = 't'\ncommand = 'cat'\n",
        )
        .unwrap();
        let cfg = Config::load(Some(dir.path()), &no_env).unwrap();
        assert_eq!(cfg.stream_region, "eu-west-1");
        assert_eq!(cfg.triggers[0].source.region, "eu-west-1");
        let env = |k: &str| (k == "EXPENSE_STREAM_REGION").then(|| "us-east-2".to_string());
        let cfg = Config::load(Some(dir.path()), &env).unwrap();
        assert_eq!(cfg.triggers[0].source.region, "us-east-2");
        std::fs::write(&path, "[stream]\nregion = 'EU West'\n").unwrap();
        let e = format!("{:#}", Config::load(Some(dir.path()), &no_env).unwrap_err());
        assert!(
            e.contains("stream.region: 'EU West' is not a region name"),
            "{e}"
        );
        let env = |k: &str| (k == "EXPENSE_STREAM_REGION").then(String::new);
        let e = format!("{:#}", Config::load(None, &env).unwrap_err());
        assert!(
            e.contains("EXPENSE_STREAM_REGION: '' is not a region name"),
            "{e}"
        );
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
