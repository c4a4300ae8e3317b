//! `[blocklist]`: username and IP block lists and where bitu-blocksync imports them from.

use std::collections::HashSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What a source holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A page in MediaWiki's Titleblacklist format.
    #[default]
    Titleblacklist,
    /// The wiki's `list=globalblocks` (IP addresses and ranges).
    Globalblocks,
}

/// One wiki to import from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BlocklistSource {
    /// Name stored as the entries' origin (not `manual`); at most 64 characters.
    pub name: String,
    /// What the source holds.
    pub kind: SourceKind,
    /// The wiki's Action API endpoint.
    pub api_url: String,
    /// Page holding the list (Titleblacklist sources).
    pub page: String,
    /// Whether bitu-blocksync imports it.
    pub enabled: bool,
    /// Global blocks: stop paging at the first block already stored (a full walk runs when
    /// nothing is stored yet or with `bitu-blocksync --full`).
    pub incremental: bool,
    /// Global blocks: rows asked for per request.
    pub page_size: u32,
}

impl Default for BlocklistSource {
    fn default() -> Self {
        Self {
            name: String::new(),
            kind: SourceKind::Titleblacklist,
            api_url: "https://wikitech.wikimedia.org/w/api.php".into(),
            page: "MediaWiki:Titleblacklist".into(),
            enabled: true,
            incremental: true,
            page_size: 500,
        }
    }
}

/// Block list settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BlocklistSettings {
    /// Refuse signups from addresses covered by an imported global IP block.
    pub ip_check: bool,
    /// Imported entries no longer on their page are deleted after this long.
    #[serde(with = "humantime_serde")]
    pub stale_after: Duration,
    /// Expired IP blocks are deleted this long after they expired.
    #[serde(with = "humantime_serde")]
    pub expired_ip_retention: Duration,
    /// How often a running daemon asks the database whether the entries changed.
    #[serde(with = "humantime_serde")]
    pub reload_interval: Duration,
    /// Backtracking steps a PCRE-only pattern may take per name before the name is treated
    /// as blocked.
    pub backtrack_limit: usize,
    /// Contact URL or mail address in bitu-blocksync's User-Agent (default: `site.base_url`).
    pub contact: String,
    /// Limit for one request to a wiki.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// Further attempts after a failed request.
    pub retries: u32,
    /// Wait before the first retry, doubled for each further one.
    #[serde(with = "humantime_serde")]
    pub retry_backoff: Duration,
    /// `maxlag` sent to the wikis, in seconds.
    pub maxlag: u32,
    /// How long a second bitu-blocksync waits for the first to finish before giving up.
    #[serde(with = "humantime_serde")]
    pub lock_wait: Duration,
    /// Calls of the registration APIs (`/signup/api/...`) one client IP may make per
    /// `api_window`; Striker calls from one address for all its users, so keep it generous.
    pub api_requests_per_ip: u32,
    /// Length of the registration APIs' counting window.
    #[serde(with = "humantime_serde")]
    pub api_window: Duration,
    /// Where to import from, in order.
    pub sources: Vec<BlocklistSource>,
}

impl Default for BlocklistSettings {
    fn default() -> Self {
        Self {
            ip_check: false,
            stale_after: Duration::from_secs(7 * 24 * 3600),
            expired_ip_retention: Duration::from_secs(60 * 24 * 3600),
            reload_interval: Duration::from_secs(5),
            backtrack_limit: 100_000,
            contact: String::new(),
            timeout: Duration::from_secs(30),
            retries: 3,
            retry_backoff: Duration::from_secs(2),
            maxlag: 5,
            lock_wait: Duration::ZERO,
            api_requests_per_ip: 600,
            api_window: Duration::from_secs(60),
            sources: Vec::new(),
        }
    }
}

impl BlocklistSettings {
    /// Values that parse but cannot work; each problem names its key.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let mut problem = |key: &str, message: String| problems.push((key.to_string(), message));
        if self.backtrack_limit < 1_000 {
            problem("blocklist.backtrack_limit", "must be at least 1000".into());
        }
        if self.retries > 10 {
            problem("blocklist.retries", "must be at most 10".into());
        }
        if self.api_requests_per_ip == 0 || self.api_window.is_zero() {
            problem(
                "blocklist.api_requests_per_ip",
                "the registration APIs need a limit and a window above 0".into(),
            );
        }
        if self.timeout.is_zero() {
            problem("blocklist.timeout", "must be more than 0s".into());
        }
        if !self.contact.is_empty()
            && url::Url::parse(&self.contact).is_err()
            && !self.contact.contains('@')
        {
            problem(
                "blocklist.contact",
                format!("{:?} is neither a URL nor a mail address", self.contact),
            );
        }
        let mut names = HashSet::new();
        for source in &self.sources {
            let key = "blocklist.sources";
            if source.name.is_empty() || source.name.len() > 64 {
                problem(
                    key,
                    "every source needs a name of 1 to 64 characters".into(),
                );
            } else if source.name == crate::blocklist::MANUAL {
                problem(key, "`manual` is reserved for entries added by hand".into());
            } else if !names.insert(source.name.as_str()) {
                problem(key, format!("source name {:?} is used twice", source.name));
            }
            match url::Url::parse(&source.api_url) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => {}
                _ => problem(
                    key,
                    format!(
                        "{}: api_url {:?} is not an http(s) URL",
                        source.name, source.api_url
                    ),
                ),
            }
            if source.kind == SourceKind::Titleblacklist && source.page.trim().is_empty() {
                problem(key, format!("{}: page must name a wiki page", source.name));
            }
            if source.page_size == 0 || source.page_size > 5000 {
                problem(key, format!("{}: page_size must be 1 to 5000", source.name));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::super::Settings;

    #[test]
    fn sources_parse_with_defaults_and_are_checked() {
        let settings = Settings::from_toml_str(
            "[blocklist]\nstale_after = \"3days\"\n\
             [[blocklist.sources]]\nname = \"wikitech\"\n\
             [[blocklist.sources]]\nname = \"meta-ip\"\nkind = \"globalblocks\"\n\
             api_url = \"https://meta.wikimedia.org/w/api.php\"\nenabled = false\n",
        )
        .unwrap();
        let blocklist = &settings.blocklist;
        assert_eq!(blocklist.stale_after.as_secs(), 3 * 24 * 3600);
        assert_eq!(blocklist.sources[0].page, "MediaWiki:Titleblacklist");
        assert_eq!(blocklist.sources[1].kind, super::SourceKind::Globalblocks);
        assert!(
            blocklist.validate().is_empty(),
            "{:?}",
            blocklist.validate()
        );

        let settings = Settings::from_toml_str(
            "[[blocklist.sources]]\nname = \"manual\"\napi_url = \"ftp://x\"\n\
             [[blocklist.sources]]\nname = \"a\"\n[[blocklist.sources]]\nname = \"a\"\n",
        )
        .unwrap();
        let problems = settings.blocklist.validate();
        assert_eq!(problems.len(), 3, "{problems:?}");
    }
}
