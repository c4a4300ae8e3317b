//! Start-up shared by every binary: load the settings, install logging, connect.

use std::path::Path;

use crate::config::Settings;
use crate::logging::{self, LogGuard};

/// Loads settings from `config` and installs logging; the error is one line for stderr.
pub fn load(config: &Path) -> Result<(Settings, LogGuard), String> {
    let settings = Settings::load(config).map_err(|e| with_line(config, e.to_string()))?;
    let problems = settings.validate();
    if let Some((key, message)) = problems.first() {
        return Err(with_line(config, format!("{key}: {message}")));
    }
    let guard = logging::init(&settings.logging).map_err(|e| e.to_string())?;
    Ok((settings, guard))
}

/// The first problem `bitu check-config` finds, with its line, else `fallback`; either way
/// pointing to `bitu check-config` for the rest.
fn with_line(config: &Path, fallback: String) -> String {
    let first = crate::config::check_file(config)
        .into_iter()
        .next()
        .map_or(fallback, |problem| problem.to_string());
    format!(
        "{}: {first} (run `bitu check-config` for every problem)",
        config.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_rule_stops_the_start_naming_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bitu.toml");
        std::fs::write(
            &path,
            "[[permissions.groups]]\ngroup = \"cn=x,ou=groups,dc=example,dc=org\"\n\n\
             [[permissions.groups.rules]]\nkind = \"ldap_attribute\"\nattribute = \"mail\"\n\
             operator = \"resembles\"\n",
        )
        .unwrap();
        let Err(error) = load(&path) else {
            panic!("started with a bad rule")
        };
        assert!(
            error.contains("line 7: permissions.groups.0.rules.0.operator:"),
            "{error}"
        );
    }
}
