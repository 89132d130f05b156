//! The environment: where the app's directories are ([`Places`]), the `EXPENSE_*` overrides
//! applied over the files, and [`process_env`]. Rule: the environment is read only through the
//! `env` closure handed in (tests pass their own); every error names the variable and quotes the
//! value, word for word as before.

use super::file::{check_count, check_linger_minutes, check_start_day, check_trash_days};
use super::{Config, ThemeName};
use crate::domain::Currency;
use color_eyre::eyre::{eyre, Result};
use std::path::PathBuf;

impl Config {
    /// Applies the `EXPENSE_*` overrides (and `NO_COLOR`) over the loaded files.
    pub(super) fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<()> {
        if let Some(v) = env("EXPENSE_CURRENCY") {
            self.currency = Currency::parse(&v).map_err(|e| eyre!("EXPENSE_CURRENCY: {e}"))?;
        }
        if let Some(v) = env("EXPENSE_MONTH_START_DAY") {
            let day: i64 = v
                .trim()
                .parse()
                .map_err(|_| eyre!("EXPENSE_MONTH_START_DAY='{v}' is not a day number (1-28)"))?;
            self.month_start_day =
                check_start_day(day).map_err(|e| eyre!("EXPENSE_MONTH_START_DAY: {e}"))?;
        }
        if let Some(v) = env("EXPENSE_TRASH_DAYS") {
            let days: i64 = v
                .trim()
                .parse()
                .map_err(|_| eyre!("EXPENSE_TRASH_DAYS='{v}' is not a number of days"))?;
            self.trash_days =
                check_trash_days(days).map_err(|e| eyre!("EXPENSE_TRASH_DAYS: {e}"))?;
        }
        if let Some(v) = env("EXPENSE_LINGER_MINUTES") {
            let m: i64 = v
                .trim()
                .parse()
                .map_err(|_| eyre!("EXPENSE_LINGER_MINUTES='{v}' is not a number of minutes"))?;
            self.linger_minutes =
                check_linger_minutes(m).map_err(|e| eyre!("EXPENSE_LINGER_MINUTES: {e}"))?;
        }
        if let Some(v) = env("EXPENSE_THEME") {
            self.theme = ThemeName::parse(&v).ok_or_else(|| {
                let names: Vec<&str> = ThemeName::ALL.iter().map(|t| t.name()).collect();
                eyre!("EXPENSE_THEME='{v}': use {}", names.join(", "))
            })?;
        }
        if let Some(v) = env("EXPENSE_BACKUP_EVERY_DAYS") {
            self.backup.every_days =
                parse_count(&v, 0).map_err(|e| eyre!("EXPENSE_BACKUP_EVERY_DAYS='{v}': {e}"))?;
        }
        if let Some(v) = env("EXPENSE_BACKUP_KEEP") {
            self.backup.keep =
                parse_count(&v, 1).map_err(|e| eyre!("EXPENSE_BACKUP_KEEP='{v}': {e}"))?;
        }
        if let Some(v) = env("EXPENSE_STREAM_KEEP_DAYS") {
            self.stream_keep_days =
                parse_count(&v, 0).map_err(|e| eyre!("EXPENSE_STREAM_KEEP_DAYS='{v}': {e}"))?;
        }
        if let Some(v) = env("EXPENSE_SSH").filter(|v| !v.trim().is_empty()) {
            crate::domain::sync::ssh_words(&v).map_err(|e| eyre!("EXPENSE_SSH: {e}"))?;
            self.sync.ssh = v;
        }
        if let Some(v) = env("EXPENSE_SYNC_EVERY_MINUTES") {
            self.sync.every_minutes =
                parse_count(&v, 0).map_err(|e| eyre!("EXPENSE_SYNC_EVERY_MINUTES='{v}': {e}"))?;
        }
        if let Some(v) = env("EXPENSE_SYNC_REMOTE").filter(|v| !v.trim().is_empty()) {
            self.sync.remote = v;
        }
        if let Some(v) = env("EXPENSE_STREAM_REGION") {
            self.stream_region = crate::domain::stream::check_region(&v)
                .map_err(|e| eyre!("EXPENSE_STREAM_REGION: {e}"))?;
        }
        if let Some(v) = env("EXPENSE_BACKUP_DIR") {
            self.backup.dir = (!v.is_empty()).then(|| PathBuf::from(v));
        }
        if env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            self.theme = ThemeName::Mono;
        }
        Ok(())
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

/// True when `TERM` says the terminal understands no escape sequences: `dumb` (Emacs shell
/// buffers, some CI logs), empty, or unset (`env -i`, a bare service). Such a terminal gets no
/// colour, no progress bar drawn over itself, and no interactive ledger.
pub fn dumb_terminal(env: &dyn Fn(&str) -> Option<String>) -> bool {
    env("TERM").is_none_or(|t| matches!(t.trim(), "" | "dumb"))
}

/// Reads the real process environment (tests pass their own closure).
pub fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dumb_unset_and_empty_terms_draw_nothing() {
        let term = |v: Option<&'static str>| {
            move |k: &str| (k == "TERM").then_some(v).flatten().map(String::from)
        };
        assert!(dumb_terminal(&term(None)));
        assert!(dumb_terminal(&term(Some(""))));
        assert!(dumb_terminal(&term(Some("dumb"))));
        assert!(!dumb_terminal(&term(Some("xterm-256color"))));
        assert!(!dumb_terminal(&term(Some("screen"))));
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
}
