//! The OAuth 2.0 consumers that learn which Wikimedia global account (a MediaWiki's
//! `rest.php/oauth2/...`, profile `sub` and `username`) or Phabricator account
//! (`/oauthserver/...`, `user.whoami` `phid` and `userName`) a signed-in person holds.
//! Linking never signs anyone in: a flow belongs to the session that started it.

use std::time::Duration;

use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::flows::{self, Flow, Taken};
use super::oidc::Callback;
use super::{Http, SsoError, SsoResult, token_error};
use crate::config::LinkSettings;
use crate::db::DbPool;
use crate::error::Error;

/// A kind of linked account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum System {
    /// A Wikimedia global (SUL) account.
    Wikimedia,
    /// A Phabricator account.
    Phabricator,
}

impl System {
    /// Both, in page order.
    pub const ALL: [System; 2] = [System::Wikimedia, System::Phabricator];

    /// The stored name (audit rows, jobs).
    pub fn as_str(self) -> &'static str {
        match self {
            System::Wikimedia => "wikimedia",
            System::Phabricator => "phabricator",
        }
    }

    /// The LDAP attribute holding the account's id.
    pub fn id_attribute(self) -> &'static str {
        match self {
            System::Wikimedia => "wikimediaGlobalAccountId",
            System::Phabricator => "phabricatorAccountID",
        }
    }

    /// The LDAP attribute holding the account's name.
    pub fn name_attribute(self) -> &'static str {
        match self {
            System::Wikimedia => "wikimediaGlobalAccountName",
            System::Phabricator => "phabricatorAccountUsername",
        }
    }
}

/// An account at the other site, as its profile says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedAccount {
    /// Central user id (Wikimedia) or user PHID (Phabricator).
    pub id: String,
    /// Its current name there.
    pub name: String,
}

/// One site's consumer.
pub struct Consumer<'a> {
    /// Which kind of account.
    pub system: System,
    /// Its `[linking.*]` settings.
    pub settings: &'a LinkSettings,
    /// HTTP to the site.
    pub http: &'a Http,
    /// `<site base URL>/complete/<backend>/`, as registered with the consumer.
    pub redirect_url: String,
    /// How long a started linking may take.
    pub flow_lifetime: Duration,
}

fn config_error(e: impl std::fmt::Display) -> SsoError {
    SsoError::Core(Error::Internal(format!("linking settings: {e}")))
}

impl Consumer<'_> {
    fn endpoint(&self, path: &str) -> SsoResult<String> {
        let mut base = self.settings.url.clone();
        if !base.ends_with('/') {
            base.push('/');
        }
        url::Url::parse(&base)
            .and_then(|url| url.join(path))
            .map(|url| url.to_string())
            .map_err(config_error)
    }

    fn paths(&self) -> (&'static str, &'static str) {
        match self.system {
            System::Wikimedia => ("rest.php/oauth2/authorize", "rest.php/oauth2/access_token"),
            System::Phabricator => ("oauthserver/auth/", "oauthserver/token/"),
        }
    }

    /// Whether the site takes PKCE (MediaWiki does; Phabricator's OAuth server does not).
    fn uses_pkce(&self) -> bool {
        self.system == System::Wikimedia
    }

    /// Starts a linking for `uid`: stores the flow and returns the site's authorization URL.
    pub async fn start(&self, db: &DbPool, uid: &str, next: &str) -> SsoResult<String> {
        let (auth, token) = self.paths();
        let client = BasicClient::new(ClientId::new(self.settings.client_id.clone()))
            .set_client_secret(ClientSecret::new(self.settings.client_secret.clone()))
            .set_auth_uri(AuthUrl::new(self.endpoint(auth)?).map_err(config_error)?)
            .set_token_uri(TokenUrl::new(self.endpoint(token)?).map_err(config_error)?)
            .set_redirect_uri(RedirectUrl::new(self.redirect_url.clone()).map_err(config_error)?);
        let mut request = client.authorize_url(CsrfToken::new_random);
        let mut verifier = String::new();
        if self.uses_pkce() {
            let (challenge, pkce) = PkceCodeChallenge::new_random_sha256();
            request = request.set_pkce_challenge(challenge);
            verifier = pkce.secret().clone();
        }
        let (url, state) = request.url();
        let flow = Flow {
            backend: self.settings.backend.clone(),
            nonce: String::new(),
            pkce_verifier: verifier,
            next: next.to_string(),
            uid: Some(uid.to_string()),
        };
        flows::store(db, state.secret(), &flow).await?;
        Ok(url.to_string())
    }

    /// Finishes the linking `uid` started: the flow is taken (once; another session's is
    /// refused), the code exchanged, the profile read.
    pub async fn finish(
        &self,
        db: &DbPool,
        uid: &str,
        callback: &Callback,
    ) -> SsoResult<(LinkedAccount, String)> {
        let state = callback.state.as_deref().ok_or(SsoError::BadState)?;
        let backend = &self.settings.backend;
        let flow = match flows::take(db, backend, state, self.flow_lifetime).await? {
            Taken::Flow(flow) if flow.uid.as_deref() == Some(uid) => flow,
            _ => return Err(SsoError::BadState),
        };
        if let Some(error) = &callback.error {
            return Err(match error.as_str() {
                "access_denied" => SsoError::Denied,
                other => SsoError::Refused(format!("site error {other}")),
            });
        }
        let code = callback.code.clone().ok_or(SsoError::BadState)?;
        let (auth, token) = self.paths();
        let client = BasicClient::new(ClientId::new(self.settings.client_id.clone()))
            .set_client_secret(ClientSecret::new(self.settings.client_secret.clone()))
            .set_auth_uri(AuthUrl::new(self.endpoint(auth)?).map_err(config_error)?)
            .set_token_uri(TokenUrl::new(self.endpoint(token)?).map_err(config_error)?)
            .set_redirect_uri(RedirectUrl::new(self.redirect_url.clone()).map_err(config_error)?)
            .set_auth_type(AuthType::RequestBody);
        let mut exchange = client.exchange_code(AuthorizationCode::new(code));
        if !flow.pkce_verifier.is_empty() {
            exchange = exchange.set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier));
        }
        let response = exchange
            .request_async(self.http)
            .await
            .map_err(token_error)?;
        let account = self.profile(response.access_token().secret()).await?;
        Ok((account, flow.next))
    }

    /// Reads who the access token belongs to.
    async fn profile(&self, access_token: &str) -> SsoResult<LinkedAccount> {
        let http = self.http.client();
        let request = match self.system {
            System::Wikimedia => http
                .get(self.endpoint("rest.php/oauth2/resource/profile")?)
                .bearer_auth(access_token),
            System::Phabricator => http
                .post(self.endpoint("api/user.whoami")?)
                .form(&[("access_token", access_token)]),
        };
        let response = request
            .send()
            .await
            .map_err(|e| SsoError::ProviderDown(format!("profile: {e}")))?;
        let status = response.status();
        if status.is_server_error() {
            return Err(SsoError::ProviderDown(format!("profile: HTTP {status}")));
        }
        if !status.is_success() {
            return Err(SsoError::Refused(format!("profile: HTTP {status}")));
        }
        let body: Value = response
            .json()
            .await
            .map_err(|e| SsoError::Refused(format!("profile: {e}")))?;
        parse_profile(self.system, &body)
    }
}

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// The account in a profile answer: MediaWiki's `{sub, username}`, Phabricator's
/// `{result: {phid, userName}}`.
pub fn parse_profile(system: System, body: &Value) -> SsoResult<LinkedAccount> {
    let (id, name) = match system {
        System::Wikimedia => (text(body.get("sub")), text(body.get("username"))),
        System::Phabricator => {
            let result = body.get("result").filter(|r| !r.is_null());
            let Some(result) = result else {
                let error = text(body.get("error_info")).unwrap_or_default();
                return Err(SsoError::Refused(format!("user.whoami: {error}")));
            };
            (text(result.get("phid")), text(result.get("userName")))
        }
    };
    let (Some(id), Some(name)) = (id, name) else {
        return Err(SsoError::Refused("profile without an id or a name".into()));
    };
    if system == System::Wikimedia && !id.chars().all(|c| c.is_ascii_digit()) {
        return Err(SsoError::Refused(format!(
            "central user id {id:?} is not a number"
        )));
    }
    Ok(LinkedAccount { id, name })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_in_their_documented_shapes() {
        let wiki = serde_json::json!({"sub": 12345, "username": "Alice", "editcount": 3});
        assert_eq!(
            parse_profile(System::Wikimedia, &wiki).unwrap(),
            LinkedAccount {
                id: "12345".into(),
                name: "Alice".into()
            }
        );
        let phab = serde_json::json!({"result": {"phid": "PHID-USER-abc", "userName": "alice"},
            "error_code": null, "error_info": null});
        assert_eq!(
            parse_profile(System::Phabricator, &phab).unwrap().id,
            "PHID-USER-abc"
        );
        let refused = serde_json::json!({"result": null, "error_code": "ERR-INVALID-AUTH",
            "error_info": "Access token is invalid."});
        assert!(parse_profile(System::Phabricator, &refused).is_err());
        let odd = serde_json::json!({"sub": "x1", "username": "A"});
        assert!(parse_profile(System::Wikimedia, &odd).is_err());
    }
}
