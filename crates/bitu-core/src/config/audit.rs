//! `[audit]`: how long the audit trail keeps its rows.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Settings of the audit trail.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditSettings {
    /// Rows older than this are deleted by bitu-expire (e.g. `2years`, `180days`).
    #[serde(with = "humantime_serde")]
    pub retention: Duration,
}

/// Two years as humantime counts them (a year of 365.25 days).
const TWO_YEARS: Duration = Duration::from_secs(2 * 31_557_600);

impl Default for AuditSettings {
    fn default() -> Self {
        Self {
            retention: TWO_YEARS,
        }
    }
}

impl AuditSettings {
    /// Problems as (key, message).
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        if self.retention < Duration::from_secs(24 * 3600) {
            problems.push((
                "audit.retention".to_string(),
                "must be at least a day: the audit trail is how changes are investigated".into(),
            ));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_two_humantime_years() {
        let parsed = humantime_serde::re::humantime::parse_duration("2years").unwrap();
        assert_eq!(AuditSettings::default().retention, parsed);
    }
}
