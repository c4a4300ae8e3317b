//! GitLab: users by developer name as their OpenID Connect `extern_uid`, through the v4 API
//! with a `PRIVATE-TOKEN`.

use reqwest::{Method, StatusCode};
use serde::Deserialize;

use super::{Account, Applied, Integration, base, client, unexpected, unreachable};
use crate::config::IntegrationSettings;
use crate::error::{Error, Result};

const NAME: &str = "gitlab";

/// A GitLab server.
pub struct GitLab {
    http: reqwest::Client,
    base: String,
    token: String,
    provider: String,
}

#[derive(Deserialize)]
struct User {
    id: u64,
    #[serde(default)]
    state: String,
}

impl GitLab {
    /// A client for `settings`; `contact` goes into the User-Agent.
    pub fn new(settings: &IntegrationSettings, contact: &str) -> Result<GitLab> {
        let (http, token) = client(settings, contact)?;
        Ok(GitLab {
            http,
            base: base(settings).to_string(),
            token,
            provider: settings.provider.clone(),
        })
    }

    async fn call(&self, request: reqwest::RequestBuilder) -> Result<(StatusCode, String)> {
        let response = request
            .header("PRIVATE-TOKEN", &self.token)
            .send()
            .await
            .map_err(|e| unreachable(NAME, e))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| unreachable(NAME, e))?;
        Ok((status, body))
    }

    async fn find(&self, account: &Account) -> Result<Option<User>> {
        let request = self
            .http
            .get(format!("{}/api/v4/users", self.base))
            .query(&[("extern_uid", &account.cn), ("provider", &self.provider)]);
        let (status, body) = self.call(request).await?;
        if status != StatusCode::OK {
            return Err(unexpected(NAME, status, &body));
        }
        let mut users: Vec<User> = serde_json::from_str(&body)
            .map_err(|e| Error::Remote(format!("{NAME}: unreadable user list: {e}")))?;
        match users.len() {
            0 => Ok(None),
            1 => Ok(users.pop()),
            n => Err(Error::Remote(format!(
                "{NAME}: {n} users have this extern uid; expected one"
            ))),
        }
    }

    async fn set_blocked(&self, account: &Account, blocked: bool) -> Result<Applied> {
        let Some(user) = self.find(account).await? else {
            return Ok(Applied::NoAccount);
        };
        if (user.state == "blocked") == blocked && !user.state.is_empty() {
            return Ok(Applied::AlreadySo);
        }
        let verb = if blocked { "block" } else { "unblock" };
        let request = self.http.request(
            Method::POST,
            format!("{}/api/v4/users/{}/{verb}", self.base, user.id),
        );
        let (status, body) = self.call(request).await?;
        match status {
            StatusCode::CREATED => Ok(Applied::Changed),
            _ => Err(unexpected(NAME, status, &body)),
        }
    }
}

impl Integration for GitLab {
    async fn lookup(&self, account: &Account) -> Result<Option<String>> {
        Ok(self.find(account).await?.map(|u| u.id.to_string()))
    }

    async fn block(&self, account: &Account) -> Result<Applied> {
        self.set_blocked(account, true).await
    }

    async fn unblock(&self, account: &Account) -> Result<Applied> {
        self.set_blocked(account, false).await
    }
}
