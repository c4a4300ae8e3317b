//! Installs the tracing subscriber described by `[logging]`: one layer per handler, each with
//! the per-target levels the loggers give it. `RUST_LOG` replaces the console's levels for a
//! one-off.

use std::fs::OpenOptions;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::filter::{EnvFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, Registry, fmt};

use crate::config::{HandlerKind, LogFormat, LoggingSettings};
use crate::error::{Error, Result};

/// Keeps file writers flushing; hold it until the program ends.
#[must_use = "dropping the guard stops writing log files"]
pub struct LogGuard {
    _guards: Vec<WorkerGuard>,
}

type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// Installs the global subscriber. Fails when a log file cannot be opened.
pub fn init(settings: &LoggingSettings) -> Result<LogGuard> {
    let (layers, guards) = build_layers(settings)?;
    // A second init (tests in one process) keeps the first subscriber; that is fine.
    let _ = tracing_subscriber::registry().with(layers).try_init();
    Ok(LogGuard { _guards: guards })
}

fn build_layers(settings: &LoggingSettings) -> Result<(Vec<BoxedLayer>, Vec<WorkerGuard>)> {
    let problems = settings.validate();
    if let Some((key, message)) = problems.first() {
        return Err(Error::Config(crate::config::ConfigError::Invalid(format!(
            "{key}: {message}"
        ))));
    }
    let rust_log = std::env::var("RUST_LOG").ok().filter(|v| !v.is_empty());
    let mut layers: Vec<BoxedLayer> = Vec::new();
    let mut guards = Vec::new();
    for (name, handler) in &settings.handlers {
        let (default, targets) = settings.levels_for_handler(name);
        let targets = Targets::new().with_default(default).with_targets(targets);
        let (writer, guard, ansi) = match handler.kind {
            HandlerKind::Console => {
                let (writer, guard) = tracing_appender::non_blocking(std::io::stderr());
                (writer, guard, false)
            }
            HandlerKind::File => {
                let path = handler.path.as_ref().ok_or_else(|| {
                    Error::Internal(format!("file handler {name} without a path"))
                })?;
                let file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| {
                        Error::Config(crate::config::ConfigError::Invalid(format!(
                            "logging.handlers.{name}: cannot open {}: {e}",
                            path.display()
                        )))
                    })?;
                let (writer, guard) = tracing_appender::non_blocking(file);
                (writer, guard, false)
            }
        };
        guards.push(guard);
        let layer = fmt::layer().with_writer(writer).with_ansi(ansi);
        let layer: BoxedLayer = match settings.format {
            LogFormat::Json => layer.json().boxed(),
            LogFormat::Text => layer.boxed(),
        };
        let layer = match (&rust_log, handler.kind) {
            (Some(directives), HandlerKind::Console) => {
                layer.with_filter(EnvFilter::new(directives)).boxed()
            }
            _ => layer.with_filter(targets).boxed(),
        };
        layers.push(layer);
    }
    Ok((layers, guards))
}
