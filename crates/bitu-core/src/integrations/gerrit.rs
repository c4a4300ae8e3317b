//! Gerrit: accounts by shell username over the REST API with HTTP basic auth. Gerrit puts
//! `)]}'` on a line before every JSON answer (against XSSI).

use reqwest::{Method, StatusCode};
use serde::Deserialize;

use super::{Account, Applied, Integration, base, client, unexpected, unreachable};
use crate::config::IntegrationSettings;
use crate::error::{Error, Result};

const NAME: &str = "gerrit";

/// A Gerrit server.
pub struct Gerrit {
    http: reqwest::Client,
    base: String,
    username: String,
    password: String,
}

#[derive(Deserialize)]
struct AccountInfo {
    #[serde(rename = "_account_id")]
    account_id: u64,
}

/// The JSON after Gerrit's `)]}'` line.
fn strip_xssi(body: &str) -> &str {
    body.strip_prefix(")]}'").unwrap_or(body).trim_start()
}

impl Gerrit {
    /// A client for `settings`; `contact` goes into the User-Agent.
    pub fn new(settings: &IntegrationSettings, contact: &str) -> Result<Gerrit> {
        let (http, password) = client(settings, contact)?;
        Ok(Gerrit {
            http,
            base: base(settings).to_string(),
            username: settings.username.clone(),
            password,
        })
    }

    async fn call(&self, method: Method, path: &str) -> Result<(StatusCode, String)> {
        let response = self
            .http
            .request(method, format!("{}{path}", self.base))
            .basic_auth(&self.username, Some(&self.password))
            .send()
            .await
            .map_err(|e| unreachable(NAME, e))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| unreachable(NAME, e))?;
        Ok((status, body))
    }

    async fn set_active(&self, account: &Account, active: bool) -> Result<Applied> {
        let Some(id) = self.lookup(account).await? else {
            return Ok(Applied::NoAccount);
        };
        let method = if active { Method::PUT } else { Method::DELETE };
        let (status, body) = self
            .call(method, &format!("/a/accounts/{id}/active"))
            .await?;
        match (active, status) {
            (false, StatusCode::NO_CONTENT) | (true, StatusCode::CREATED) => Ok(Applied::Changed),
            (false, StatusCode::CONFLICT) | (true, StatusCode::OK) => Ok(Applied::AlreadySo),
            _ => Err(unexpected(NAME, status, &body)),
        }
    }
}

impl Integration for Gerrit {
    async fn lookup(&self, account: &Account) -> Result<Option<String>> {
        let query = format!("(is:inactive OR is:active) username:{}", account.uid);
        let mut url = url::Url::parse(&format!("{}/a/accounts/", self.base))
            .map_err(|e| Error::Internal(format!("{NAME}: bad URL: {e}")))?;
        url.query_pairs_mut()
            .append_pair("n", "1")
            .append_pair("q", &query);
        let path = &url.as_str()[self.base.len()..];
        let (status, body) = self.call(Method::GET, path).await?;
        if status != StatusCode::OK {
            return Err(unexpected(NAME, status, &body));
        }
        let found: Vec<AccountInfo> = serde_json::from_str(strip_xssi(&body))
            .map_err(|e| Error::Remote(format!("{NAME}: unreadable account list: {e}")))?;
        Ok(found.first().map(|a| a.account_id.to_string()))
    }

    async fn block(&self, account: &Account) -> Result<Applied> {
        self.set_active(account, false).await
    }

    async fn unblock(&self, account: &Account) -> Result<Applied> {
        self.set_active(account, true).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_xssi_line_is_stripped() {
        assert_eq!(
            strip_xssi(")]}'\n[{\"_account_id\":7}]"),
            "[{\"_account_id\":7}]"
        );
        assert_eq!(strip_xssi("[]"), "[]");
    }
}
