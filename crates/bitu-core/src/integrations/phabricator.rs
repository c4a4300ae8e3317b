//! Phabricator: users by developer name (their LDAP name) through Conduit, whose answers are
//! an envelope `{"result": ..., "error_code": ..., "error_info": ...}`.

use serde::Deserialize;
use serde_json::Value;

use super::{Account, Applied, Integration, base, client, unexpected, unreachable};
use crate::config::IntegrationSettings;
use crate::error::{Error, Result};

const NAME: &str = "phabricator";

/// A Phabricator server.
pub struct Phabricator {
    http: reqwest::Client,
    base: String,
    token: String,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    result: Value,
    #[serde(default)]
    error_code: Option<String>,
    #[serde(default)]
    error_info: Option<String>,
}

#[derive(Deserialize)]
struct LdapUser {
    phid: String,
    #[serde(default)]
    roles: Vec<String>,
}

impl Phabricator {
    /// A client for `settings`; `contact` goes into the User-Agent.
    pub fn new(settings: &IntegrationSettings, contact: &str) -> Result<Phabricator> {
        let (http, token) = client(settings, contact)?;
        Ok(Phabricator {
            http,
            base: base(settings).to_string(),
            token,
        })
    }

    /// Calls `method` with form `params`; the envelope's error as `Err((code, info))`.
    async fn conduit(
        &self,
        method: &str,
        params: &[(&str, &str)],
    ) -> Result<std::result::Result<Value, (String, String)>> {
        let mut form = vec![("api.token", self.token.as_str())];
        form.extend_from_slice(params);
        let response = self
            .http
            .post(format!("{}/api/{method}", self.base))
            .form(&form)
            .send()
            .await
            .map_err(|e| unreachable(NAME, e))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| unreachable(NAME, e))?;
        if !status.is_success() {
            return Err(unexpected(NAME, status, &body));
        }
        let envelope: Envelope = serde_json::from_str(&body)
            .map_err(|e| Error::Remote(format!("{NAME}: unreadable {method} answer: {e}")))?;
        Ok(match envelope.error_code {
            Some(code) => Err((code, envelope.error_info.unwrap_or_default())),
            None => Ok(envelope.result),
        })
    }

    async fn find(&self, account: &Account) -> Result<Option<LdapUser>> {
        match self
            .conduit("user.ldapquery", &[("ldapnames[0]", &account.cn)])
            .await?
        {
            Ok(result) => {
                let mut users: Vec<LdapUser> = serde_json::from_value(result).map_err(|e| {
                    Error::Remote(format!("{NAME}: unreadable user.ldapquery result: {e}"))
                })?;
                Ok(users.pop())
            }
            // Conduit reports names it does not know as an invalid parameter.
            Err((code, info)) if code == "ERR-INVALID-PARAMETER" && info.contains("Unknown") => {
                Ok(None)
            }
            Err((code, info)) => Err(Error::Remote(format!("{NAME}: {code}: {info}"))),
        }
    }

    async fn set_disabled(&self, account: &Account, disabled: bool) -> Result<Applied> {
        let Some(user) = self.find(account).await? else {
            return Ok(Applied::NoAccount);
        };
        if user.roles.iter().any(|r| r == "disabled") == disabled {
            return Ok(Applied::AlreadySo);
        }
        let method = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        match self.conduit(method, &[("phids[0]", &user.phid)]).await? {
            Ok(_) => Ok(Applied::Changed),
            Err((code, info)) => Err(Error::Remote(format!("{NAME}: {code}: {info}"))),
        }
    }
}

impl Integration for Phabricator {
    async fn lookup(&self, account: &Account) -> Result<Option<String>> {
        Ok(self.find(account).await?.map(|u| u.phid))
    }

    async fn block(&self, account: &Account) -> Result<Applied> {
        self.set_disabled(account, true).await
    }

    async fn unblock(&self, account: &Account) -> Result<Applied> {
        self.set_disabled(account, false).await
    }
}
