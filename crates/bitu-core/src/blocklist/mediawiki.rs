//! A small client of the MediaWiki Action API: a page's raw wikitext and the global blocks
//! list, with Wikimedia's etiquette (descriptive User-Agent, `maxlag`, backing off on
//! lag, rate limits and server errors).

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::Value;
use tracing::{debug, warn};

use crate::error::{Error, Result};

/// Longest wait a `Retry-After` header can ask for before we give up on the run instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// How to reach a wiki and how patient to be.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The whole User-Agent header, naming Bitu and a contact.
    pub user_agent: String,
    /// Limit for one HTTP request.
    pub timeout: Duration,
    /// Further attempts after a failed one.
    pub retries: u32,
    /// Wait before the first retry; doubled for each further one.
    pub backoff: Duration,
    /// `maxlag` sent with every request: the wiki refuses while its replicas lag more.
    pub maxlag: u32,
}

/// The User-Agent Wikimedia's policy asks for: tool name and version, and a way to reach us.
pub fn user_agent(contact: &str) -> String {
    format!(
        "Bitu-blocksync/{} ({contact}) reqwest",
        env!("CARGO_PKG_VERSION")
    )
}

/// One global block as `list=globalblocks` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalBlock {
    /// The block's id on the central wiki.
    pub id: i64,
    /// Blocked address or CIDR range, or an account name (global account blocks).
    pub target: String,
    /// Who made the block.
    pub by: String,
    /// Wiki the block was made on.
    pub wiki: String,
    /// When it was made.
    pub timestamp: DateTime<Utc>,
    /// When it ends; `None` for `infinity`.
    pub expiry: Option<DateTime<Utc>>,
    /// Why.
    pub reason: String,
}

/// A client for any number of wikis.
#[derive(Clone)]
pub struct WikiClient {
    http: reqwest::Client,
    options: ClientOptions,
}

/// Installs ring as rustls' provider once per process (reqwest is built without aws-lc-rs).
fn install_tls_provider() {
    // Err means a provider is already installed, which is just as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn remote(api_url: &str, message: impl std::fmt::Display) -> Error {
    Error::Remote(format!("{api_url}: {message}"))
}

impl WikiClient {
    /// Builds the client; no request is made.
    pub fn new(options: ClientOptions) -> Result<WikiClient> {
        install_tls_provider();
        let http = reqwest::Client::builder()
            .user_agent(options.user_agent.clone())
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .build()
            .map_err(|e| Error::Internal(format!("cannot build the HTTP client: {e}")))?;
        Ok(WikiClient { http, options })
    }

    /// One API request with `format=json&formatversion=2&maxlag=N`, retried as the etiquette
    /// allows; the parsed JSON of the first good answer.
    async fn query(&self, api_url: &str, params: &[(String, String)]) -> Result<Value> {
        let mut url = url::Url::parse(api_url).map_err(|e| remote(api_url, e))?;
        url.query_pairs_mut()
            .append_pair("format", "json")
            .append_pair("formatversion", "2")
            .append_pair("maxlag", &self.options.maxlag.to_string())
            .extend_pairs(params);
        let mut attempt = 0;
        loop {
            let (problem, retry_after) = match self.http.get(url.clone()).send().await {
                Err(e) => (format!("request failed: {e}"), None),
                Ok(response) => {
                    let status = response.status();
                    let retry_after = response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                        (format!("HTTP {status}"), retry_after)
                    } else if !status.is_success() {
                        return Err(remote(api_url, format!("HTTP {status}")));
                    } else {
                        let body: Value = response
                            .json()
                            .await
                            .map_err(|e| remote(api_url, format!("not JSON: {e}")))?;
                        match body["error"]["code"].as_str() {
                            None => return Ok(body),
                            Some(code @ ("maxlag" | "ratelimited" | "readonly")) => {
                                (format!("API says {code}"), retry_after)
                            }
                            Some(code) => {
                                let info = body["error"]["info"].as_str().unwrap_or_default();
                                return Err(remote(api_url, format!("API error {code}: {info}")));
                            }
                        }
                    }
                }
            };
            if attempt >= self.options.retries {
                return Err(remote(
                    api_url,
                    format!("{problem} (gave up after {} attempts)", attempt + 1),
                ));
            }
            let backoff = self.options.backoff.saturating_mul(1 << attempt.min(16));
            let wait = retry_after.map_or(backoff, |asked| asked.max(backoff));
            if wait > MAX_RETRY_AFTER {
                return Err(remote(
                    api_url,
                    format!("{problem}; asked to wait {wait:?}"),
                ));
            }
            warn!(api_url, %problem, ?wait, attempt = attempt + 1, "wiki API request failed; retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// The current wikitext of page `title`.
    pub async fn page_text(&self, api_url: &str, title: &str) -> Result<String> {
        let params = [
            ("action", "query"),
            ("prop", "revisions"),
            ("rvprop", "content"),
            ("rvslots", "main"),
            ("titles", title),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let body = self.query(api_url, &params).await?;
        let page = &body["query"]["pages"][0];
        if page.get("missing").is_some() || page.get("invalid").is_some() {
            return Err(remote(api_url, format!("page {title:?} does not exist")));
        }
        let slot = &page["revisions"][0]["slots"]["main"];
        slot["content"]
            .as_str()
            .or_else(|| slot["*"].as_str())
            .map(str::to_string)
            .ok_or_else(|| remote(api_url, format!("no content for page {title:?}")))
    }

    /// Global blocks, newest first, page by page until the list ends or `stop` says a block
    /// is already known; returns the blocks before that one and whether it stopped early.
    pub async fn global_blocks(
        &self,
        api_url: &str,
        page_size: u32,
        mut stop: impl FnMut(&GlobalBlock) -> bool,
    ) -> Result<(Vec<GlobalBlock>, bool)> {
        let base = [
            ("action", "query"),
            ("list", "globalblocks"),
            // `target` on current GlobalBlocking, `address` on older ones: ask for both.
            ("bgprop", "id|target|address|by|timestamp|expiry|reason"),
            ("bgdir", "older"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let mut continuation: Vec<(String, String)> = Vec::new();
        let mut blocks = Vec::new();
        loop {
            let mut params = base.to_vec();
            params.push(("bglimit".into(), page_size.to_string()));
            params.extend(continuation.iter().cloned());
            let body = self.query(api_url, &params).await?;
            let Some(rows) = body["query"]["globalblocks"].as_array() else {
                return Err(remote(api_url, "answer has no query.globalblocks"));
            };
            debug!(api_url, rows = rows.len(), "global blocks page");
            for row in rows {
                let block = parse_global_block(row).map_err(|e| remote(api_url, e))?;
                if stop(&block) {
                    return Ok((blocks, true));
                }
                blocks.push(block);
            }
            match body["continue"].as_object() {
                Some(more) => {
                    continuation = more
                        .iter()
                        .map(|(k, v)| (k.clone(), v.as_str().map_or(v.to_string(), str::to_string)))
                        .collect();
                }
                None => return Ok((blocks, false)),
            }
        }
    }
}

fn timestamp(value: &Value, field: &str) -> std::result::Result<DateTime<Utc>, String> {
    let text = value[field]
        .as_str()
        .ok_or_else(|| format!("block without {field}"))?;
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("bad {field} {text:?}: {e}"))
}

/// Reads one row of `list=globalblocks`.
pub fn parse_global_block(row: &Value) -> std::result::Result<GlobalBlock, String> {
    let id = row["id"]
        .as_i64()
        .or_else(|| row["id"].as_str().and_then(|s| s.parse().ok()))
        .ok_or("block without id")?;
    let target = row["target"]
        .as_str()
        .or_else(|| row["address"].as_str())
        .ok_or_else(|| format!("block {id} without target"))?;
    let expiry = match row["expiry"].as_str() {
        None | Some("infinity" | "infinite" | "indefinite" | "never") => None,
        Some(_) => Some(timestamp(row, "expiry")?),
    };
    Ok(GlobalBlock {
        id,
        target: target.to_string(),
        by: row["by"].as_str().unwrap_or_default().to_string(),
        wiki: row["bywiki"].as_str().unwrap_or_default().to_string(),
        timestamp: timestamp(row, "timestamp")?,
        expiry,
        reason: row["reason"].as_str().unwrap_or_default().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_old_and_new() {
        let new = serde_json::json!({"id": 7, "target": "192.0.2.0/24", "by": "Steward",
            "bywiki": "metawiki", "timestamp": "2026-01-02T03:04:05Z",
            "expiry": "infinity", "reason": "Open proxy"});
        let block = parse_global_block(&new).unwrap();
        assert_eq!(block.target, "192.0.2.0/24");
        assert_eq!(block.expiry, None);
        assert_eq!(block.wiki, "metawiki");
        let old = serde_json::json!({"id": "8", "address": "2001:DB8:0:0:0:0:0:0/32",
            "timestamp": "2026-01-02T03:04:05Z", "expiry": "2027-01-01T00:00:00Z"});
        let block = parse_global_block(&old).unwrap();
        assert_eq!(block.id, 8);
        assert_eq!(
            block.expiry.unwrap().to_rfc3339(),
            "2027-01-01T00:00:00+00:00"
        );
        assert!(parse_global_block(&serde_json::json!({"target": "x"})).is_err());
    }

    #[test]
    fn the_user_agent_names_the_tool_and_contact() {
        let agent = user_agent("https://idm.example.org/");
        assert!(agent.starts_with("Bitu-blocksync/"));
        assert!(agent.contains("(https://idm.example.org/)"));
    }
}
