//! Start-up shared by every binary: load the settings, install logging, connect.

use std::path::Path;

use crate::config::Settings;
use crate::logging::{self, LogGuard};

/// Loads settings from `config` and installs logging; the error is one line for stderr.
pub fn load(config: &Path) -> Result<(Settings, LogGuard), String> {
    let settings = Settings::load(config).map_err(|e| format!("{}: {e}", config.display()))?;
    let problems = settings.validate();
    if let Some((key, message)) = problems.first() {
        return Err(format!(
            "{}: {key}: {message} (run `bitu check-config` for every problem)",
            config.display()
        ));
    }
    let guard = logging::init(&settings.logging).map_err(|e| e.to_string())?;
    Ok((settings, guard))
}
