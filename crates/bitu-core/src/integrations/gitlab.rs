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

    /// Every user whose identity of the provider is the developer name.
    async fn users(&self, account: &Account) -> Result<Vec<User>> {
        let request = self
            .http
            .get(format!("{}/api/v4/users", self.base))
            .query(&[("extern_uid", &account.cn), ("provider", &self.provider)]);
        let (status, body) = self.call(request).await?;
        if status != StatusCode::OK {
            return Err(unexpected(NAME, status, &body));
        }
        serde_json::from_str(&body)
            .map_err(|e| Error::Remote(format!("{NAME}: unreadable user list: {e}")))
    }

    /// The one user of `account`: none or several is an error, since blocking a guess (or
    /// nobody, silently) would leave the real account open.
    async fn find(&self, account: &Account) -> Result<User> {
        self.only(account, self.users(account).await?)
    }

    fn only(&self, account: &Account, mut users: Vec<User>) -> Result<User> {
        let count = users.len();
        match users.pop() {
            Some(user) if count == 1 => Ok(user),
            None => Err(Error::Remote(format!(
                "{NAME}: no user has the {} identity {:?}; expected exactly one",
                self.provider, account.cn
            ))),
            Some(_) => Err(Error::Remote(format!(
                "{NAME}: {count} users have the {} identity {:?}; expected exactly one",
                self.provider, account.cn
            ))),
        }
    }

    async fn set_blocked(&self, account: &Account, blocked: bool) -> Result<Applied> {
        let user = self.find(account).await?;
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
        let users = self.users(account).await?;
        if users.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.only(account, users)?.id.to_string()))
    }

    async fn block(&self, account: &Account) -> Result<Applied> {
        self.set_blocked(account, true).await
    }

    async fn unblock(&self, account: &Account) -> Result<Applied> {
        self.set_blocked(account, false).await
    }
}
