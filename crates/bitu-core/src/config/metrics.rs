//! `[metrics]`: whether the daemons keep Prometheus metrics and who may read them, and
//! `[scheduler]`: the optional in-process timers of bitu-rq.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// The `[metrics]` section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricsSettings {
    /// Keep and serve metrics at all.
    pub enabled: bool,
    /// Clients (IP addresses or CIDR ranges) that may read bitu-web's `/metrics`; behind a
    /// trusted proxy the forwarded client counts, so the public never gets through the proxy.
    pub allow: Vec<String>,
    /// Where bitu-rq serves its own `/metrics` (empty: nowhere).
    pub worker_bind: String,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            allow: vec!["127.0.0.1".into(), "::1".into()],
            worker_bind: "127.0.0.1:9181".into(),
        }
    }
}

/// Parses an `allow` entry: a CIDR range, or one address.
pub fn parse_allowed(entry: &str) -> Option<IpNet> {
    entry
        .parse::<IpNet>()
        .ok()
        .or_else(|| entry.parse::<IpAddr>().ok().map(IpNet::from))
}

impl MetricsSettings {
    /// Whether `client` may read `/metrics`.
    pub fn allows(&self, client: IpAddr) -> bool {
        // An IPv4 client may show up as ::ffff:a.b.c.d on a dual-stack socket.
        let client = match client {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(client, IpAddr::V4),
            v4 => v4,
        };
        self.allow
            .iter()
            .filter_map(|entry| parse_allowed(entry))
            .any(|net| net.contains(&client))
    }

    /// Problems as (key, message) pairs.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        for entry in &self.allow {
            if parse_allowed(entry).is_none() {
                problems.push((
                    "metrics.allow".into(),
                    format!("{entry:?} is neither an IP address nor a CIDR range"),
                ));
            }
        }
        if !self.worker_bind.is_empty() && self.worker_bind.parse::<SocketAddr>().is_err() {
            problems.push((
                "metrics.worker_bind".into(),
                format!("{:?} is not an address:port", self.worker_bind),
            ));
        }
        problems
    }
}

/// The `[scheduler]` section: bitu-rq runs the timer jobs itself, for hosts without systemd
/// timers. The same named locks as the timers' keep runs from overlapping anywhere.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SchedulerSettings {
    /// Run the jobs below inside bitu-rq.
    pub enabled: bool,
    /// When to import the block lists: cron with seconds (`sec min hour day month weekday`),
    /// in UTC; empty: never.
    pub blocksync: String,
    /// When to delete expired sign-ups, same format; empty: never.
    pub expire: String,
}

impl Default for SchedulerSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            blocksync: "0 0 6 * * *".into(),
            expire: "0 0 7 * * *".into(),
        }
    }
}

impl SchedulerSettings {
    /// Problems as (key, message) pairs; the schedules are parsed fully when bitu-rq starts.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        for (key, schedule) in [
            ("scheduler.blocksync", &self.blocksync),
            ("scheduler.expire", &self.expire),
        ] {
            let fields = schedule.split_whitespace().count();
            if !schedule.is_empty() && !(6..=7).contains(&fields) {
                problems.push((
                    key.to_string(),
                    format!("{schedule:?} needs 6 fields: second minute hour day month weekday"),
                ));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    #[test]
    fn defaults_allow_loopback_only() {
        let metrics = MetricsSettings::default();
        assert!(metrics.validate().is_empty());
        assert!(metrics.allows("127.0.0.1".parse().unwrap()));
        assert!(metrics.allows("::1".parse().unwrap()));
        assert!(metrics.allows("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!metrics.allows("192.0.2.7".parse().unwrap()));
    }

    #[test]
    fn ranges_and_bad_entries() {
        let settings = Settings::from_toml_str(
            "[metrics]\nallow = [\"10.64.0.0/12\", \"nonsense\"]\nworker_bind = \"x\"\n",
        )
        .unwrap();
        assert!(settings.metrics.allows("10.64.3.4".parse().unwrap()));
        let keys: Vec<String> = settings
            .metrics
            .validate()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, ["metrics.allow", "metrics.worker_bind"]);
    }

    #[test]
    fn schedules_need_six_fields() {
        let mut scheduler = SchedulerSettings::default();
        assert!(scheduler.validate().is_empty());
        scheduler.expire = "0 7 * * *".into();
        assert_eq!(scheduler.validate()[0].0, "scheduler.expire");
    }
}
