//! `[logging]`: named handlers and per-target loggers, shaped like Django's LOGGING dict so
//! operators can carry their habits over.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tracing_subscriber::filter::LevelFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per event.
    Json,
}

/// Where a handler writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HandlerKind {
    /// Standard error (journald picks it up under systemd).
    #[default]
    Console,
    /// Appends to `path`.
    File,
}

/// One output for log events.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HandlerSettings {
    /// Console or file.
    pub kind: HandlerKind,
    /// File to append to, for `kind = "file"`.
    pub path: Option<PathBuf>,
    /// Least severe level this handler writes.
    pub level: String,
}

impl Default for HandlerSettings {
    fn default() -> Self {
        Self {
            kind: HandlerKind::Console,
            path: None,
            level: "trace".into(),
        }
    }
}

/// Level and handlers for events whose target starts with the logger's name.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LoggerSettings {
    /// Least severe level recorded for this target.
    pub level: String,
    /// Handlers receiving this target's events.
    pub handlers: Vec<String>,
    /// Whether the root logger's handlers receive them too.
    pub propagate: bool,
}

impl Default for LoggerSettings {
    fn default() -> Self {
        Self {
            level: "info".into(),
            handlers: Vec::new(),
            propagate: true,
        }
    }
}

/// The `[logging]` section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LoggingSettings {
    /// Text or JSON lines.
    pub format: LogFormat,
    /// Every target without a logger of its own.
    pub root: LoggerSettings,
    /// Named outputs; `console` exists unless redefined.
    pub handlers: BTreeMap<String, HandlerSettings>,
    /// Per-target settings, keyed by target prefix (`bitu`, `bitu_web`, `ldap3`, ...).
    pub loggers: BTreeMap<String, LoggerSettings>,
}

impl Default for LoggingSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            root: LoggerSettings {
                level: "info".into(),
                handlers: vec!["console".into()],
                propagate: false,
            },
            handlers: BTreeMap::from([(
                "console".to_string(),
                HandlerSettings {
                    kind: HandlerKind::Console,
                    path: None,
                    level: "trace".into(),
                },
            )]),
            loggers: BTreeMap::new(),
        }
    }
}

/// Parses a level name (`trace`, `debug`, `info`, `warn`, `error`, `off`), case-insensitively.
pub fn parse_level(level: &str) -> Option<LevelFilter> {
    level.parse().ok()
}

impl LoggingSettings {
    /// Problems as (key, message) pairs.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let mut check_logger = |key: String, logger: &LoggerSettings| {
            if parse_level(&logger.level).is_none() {
                problems.push((
                    format!("{key}.level"),
                    format!("unknown level {:?}", logger.level),
                ));
            }
            for handler in &logger.handlers {
                if !self.handlers.contains_key(handler) {
                    problems.push((
                        format!("{key}.handlers"),
                        format!("no handler named {handler:?} in [logging.handlers]"),
                    ));
                }
            }
        };
        check_logger("logging.root".into(), &self.root);
        for (name, logger) in &self.loggers {
            check_logger(format!("logging.loggers.{name}"), logger);
        }
        for (name, handler) in &self.handlers {
            let key = format!("logging.handlers.{name}");
            if parse_level(&handler.level).is_none() {
                problems.push((
                    format!("{key}.level"),
                    format!("unknown level {:?}", handler.level),
                ));
            }
            if handler.kind == HandlerKind::File && handler.path.is_none() {
                problems.push((format!("{key}.path"), "a file handler needs a path".into()));
            }
        }
        problems
    }

    /// The level each target prefix gets on `handler`, and the level of every other target.
    pub fn levels_for_handler(&self, handler: &str) -> (LevelFilter, Vec<(String, LevelFilter)>) {
        let level_of = |text: &str| parse_level(text).unwrap_or(LevelFilter::INFO);
        let handler_level = self
            .handlers
            .get(handler)
            .map(|h| level_of(&h.level))
            .unwrap_or(LevelFilter::OFF);
        let in_root = self.root.handlers.iter().any(|h| h == handler);
        let default = if in_root {
            level_of(&self.root.level).min(handler_level)
        } else {
            LevelFilter::OFF
        };
        let targets = self
            .loggers
            .iter()
            .map(|(target, logger)| {
                let receives =
                    logger.handlers.iter().any(|h| h == handler) || (logger.propagate && in_root);
                let level = if receives {
                    level_of(&logger.level).min(handler_level)
                } else {
                    LevelFilter::OFF
                };
                (target.clone(), level)
            })
            .collect();
        (default, targets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    const DEBUG_TO_FILE: &str = r#"
[logging.handlers.console]
level = "info"

[logging.handlers.debugfile]
kind = "file"
path = "/tmp/bitu_debug.log"
level = "debug"

[logging.loggers.bitu]
level = "debug"
handlers = ["debugfile"]
"#;

    #[test]
    fn debug_for_bitu_goes_to_file_while_console_stays_at_info() {
        let logging = Settings::from_toml_str(DEBUG_TO_FILE).unwrap().logging;
        assert!(logging.validate().is_empty());
        let (default, targets) = logging.levels_for_handler("debugfile");
        assert_eq!(default, LevelFilter::OFF);
        assert_eq!(targets, vec![("bitu".to_string(), LevelFilter::DEBUG)]);
        let (default, targets) = logging.levels_for_handler("console");
        assert_eq!(default, LevelFilter::INFO);
        // Propagated to the console, whose own level keeps it at info.
        assert_eq!(targets, vec![("bitu".to_string(), LevelFilter::INFO)]);
    }

    #[test]
    fn unknown_handler_and_level_are_reported() {
        let logging = Settings::from_toml_str(
            "[logging.loggers.bitu]\nlevel = \"loud\"\nhandlers = [\"nope\"]\n",
        )
        .unwrap()
        .logging;
        let problems = logging.validate();
        assert!(
            problems
                .iter()
                .any(|(k, _)| k == "logging.loggers.bitu.level")
        );
        assert!(
            problems
                .iter()
                .any(|(k, _)| k == "logging.loggers.bitu.handlers")
        );
    }
}
