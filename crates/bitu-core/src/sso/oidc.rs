//! Sign-in through the OpenID Connect provider of `[oidc]`: discovery, the authorization code
//! flow with PKCE, the ID token checked against the provider's JWKS (signature, issuer,
//! audience, expiry with the configured clock skew, nonce), userinfo read, and the person
//! matched to their LDAP entry by the configured claim. Never creates an account.

use chrono::{TimeDelta, Utc};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreIdTokenClaims};
use openidconnect::{
    AccessToken, AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndSessionUrl, IssuerUrl, LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope,
    UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tracing::{info, warn};

use super::flows::{self, Flow, Taken};
use super::{Http, SsoError, SsoResult, token_error};
use crate::audit::{self, Action, Actor, Entry, Outcome, Target};
use crate::config::OidcSettings;
use crate::db::DbPool;
use crate::directory::{Filter, UserStore};
use crate::error::Error;

/// Claims beyond the standard ones (the configured claim, `groups`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExtraClaims {
    /// Every claim as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl AdditionalClaims for ExtraClaims {}

/// The provider's answer in the callback's query.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Callback {
    /// The authorization code.
    #[serde(default)]
    pub code: Option<String>,
    /// Our state, back.
    #[serde(default)]
    pub state: Option<String>,
    /// Set when the provider refused (`access_denied` when the person declined).
    #[serde(default)]
    pub error: Option<String>,
}

/// The provider of `[oidc]` as this site's client.
pub struct Provider<'a> {
    /// `[oidc]`.
    pub settings: &'a OidcSettings,
    /// HTTP to the provider.
    pub http: &'a Http,
    /// `<site base URL>/complete/<backend>/`, as registered at the provider.
    pub redirect_url: String,
}

type Metadata = ProviderMetadataWithLogout;

impl Provider<'_> {
    async fn discover(&self) -> SsoResult<Metadata> {
        let issuer = IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|e| SsoError::Core(Error::Internal(format!("[oidc] issuer: {e}"))))?;
        Metadata::discover_async(issuer, self.http)
            .await
            .map_err(|e| SsoError::ProviderDown(format!("discovery: {e}")))
    }

    fn client(
        &self,
        metadata: Metadata,
    ) -> SsoResult<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
    > {
        let redirect = RedirectUrl::new(self.redirect_url.clone())
            .map_err(|e| SsoError::Core(Error::Internal(format!("redirect URL: {e}"))))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(redirect))
    }

    /// Starts a sign-in: stores the flow and returns the provider's authorization URL.
    pub async fn start(&self, db: &DbPool, next: &str) -> SsoResult<String> {
        let client = self.client(self.discover().await?)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in self.settings.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        let flow = Flow {
            backend: self.settings.backend.clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            next: next.to_string(),
            uid: None,
        };
        flows::store(db, state.secret(), &flow).await?;
        Ok(url.to_string())
    }

    /// Finishes a sign-in from the provider's callback: the flow is taken (once), the code
    /// exchanged, the ID token checked and userinfo read; returns the claims.
    pub async fn finish(&self, db: &DbPool, callback: &Callback) -> SsoResult<(Claims, String)> {
        let state = callback.state.as_deref().ok_or(SsoError::BadState)?;
        let lifetime = self.settings.flow_lifetime;
        let flow = match flows::take(db, &self.settings.backend, state, lifetime).await? {
            Taken::Flow(flow) => flow,
            Taken::Unknown | Taken::Expired => return Err(SsoError::BadState),
        };
        if let Some(error) = &callback.error {
            return Err(match error.as_str() {
                "access_denied" | "consent_required" | "login_required" => SsoError::Denied,
                other => SsoError::Refused(format!("provider error {other}")),
            });
        }
        let code = callback.code.clone().ok_or(SsoError::BadState)?;
        let client = self.client(self.discover().await?)?;
        let response = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| SsoError::Refused(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
            .request_async(self.http)
            .await
            .map_err(token_error)?;
        let id_token = response
            .extra_fields()
            .id_token()
            .ok_or_else(|| SsoError::Refused("no ID token in the token response".into()))?;
        let skew = TimeDelta::from_std(self.settings.clock_skew).unwrap_or_default();
        let verifier = client
            .id_token_verifier()
            .set_time_fn(move || Utc::now() - skew);
        let id_claims: &CoreIdTokenClaims = id_token
            .claims(&verifier, &Nonce::new(flow.nonce.clone()))
            .map_err(|e| SsoError::Refused(format!("ID token: {e}")))?;
        let mut claims = Claims::from_id_token(id_claims);
        if let Ok(request) = client.user_info(
            AccessToken::new(response.access_token().secret().clone()),
            Some(id_claims.subject().clone()),
        ) {
            let userinfo: UserInfoClaims<ExtraClaims, CoreGenderClaim> = request
                .request_async(self.http)
                .await
                .map_err(|e| match e {
                    openidconnect::UserInfoError::Request(e) => {
                        SsoError::ProviderDown(format!("userinfo: {e}"))
                    }
                    other => SsoError::Refused(format!("userinfo: {other}")),
                })?;
            claims.add_userinfo(&userinfo);
        }
        Ok((claims, flow.next))
    }

    /// The provider's end-session URL for someone signing out, when it advertises one.
    pub async fn end_session_url(&self, return_to: &str) -> Option<String> {
        let metadata = self.discover().await.ok()?;
        let endpoint: EndSessionUrl = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let mut request = LogoutRequest::from(endpoint)
            .set_client_id(ClientId::new(self.settings.client_id.clone()));
        if let Ok(url) = PostLogoutRedirectUrl::new(return_to.to_string()) {
            request = request.set_post_logout_redirect_uri(url);
        }
        Some(request.http_get_url().to_string())
    }
}

/// What the provider said about the person: the ID token's claims, then userinfo's.
#[derive(Debug, Clone, Default)]
pub struct Claims {
    values: Map<String, Value>,
}

impl Claims {
    fn from_id_token(claims: &CoreIdTokenClaims) -> Claims {
        let mut values = Map::new();
        values.insert("sub".into(), Value::String(claims.subject().to_string()));
        if let Some(name) = claims.preferred_username() {
            values.insert("preferred_username".into(), name.to_string().into());
        }
        if let Some(mail) = claims.email() {
            values.insert("email".into(), mail.to_string().into());
        }
        Claims { values }
    }

    fn add_userinfo(&mut self, userinfo: &UserInfoClaims<ExtraClaims, CoreGenderClaim>) {
        if let Some(name) = userinfo.preferred_username() {
            self.values
                .insert("preferred_username".into(), name.to_string().into());
        }
        if let Some(mail) = userinfo.email() {
            self.values.insert("email".into(), mail.to_string().into());
        }
        for (key, value) in &userinfo.additional_claims().other {
            self.values.insert(key.clone(), value.clone());
        }
    }

    /// Claim `name` as text (a string, or a number written out).
    pub fn text(&self, name: &str) -> Option<String> {
        match self.values.get(name)? {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        }
    }

    /// The `groups` claim, when present as a list.
    pub fn groups(&self) -> Option<Vec<String>> {
        let Value::Array(items) = self.values.get("groups")? else {
            return None;
        };
        Some(
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        )
    }
}

/// The LDAP attribute names `[oidc] ldap_attribute` may take.
pub fn match_attribute(name: &str) -> Option<&'static str> {
    ["uid", "cn", "mail"]
        .into_iter()
        .find(|known| known.eq_ignore_ascii_case(name))
}

/// Matches `claims` to an LDAP entry and writes the sign-in's audit row (refused for a
/// locked account). `client` is the browser's address.
pub async fn match_account(
    db: &DbPool,
    users: &impl UserStore,
    settings: &OidcSettings,
    disabled_policy: &str,
    claims: &Claims,
    client: Option<std::net::IpAddr>,
) -> SsoResult<(String, String)> {
    let value = claims
        .text(&settings.claim)
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| SsoError::Refused(format!("no {:?} claim", settings.claim)))?;
    let attribute = match_attribute(&settings.ldap_attribute).ok_or_else(|| {
        SsoError::Core(Error::Internal(format!(
            "[oidc] ldap_attribute {:?} is not uid, cn or mail",
            settings.ldap_attribute
        )))
    })?;
    let found = users
        .find_users_where(Filter::eq(attribute, value.trim()))
        .await?;
    let [user] = found.as_slice() else {
        info!(claim = %settings.claim, value = %value, matches = found.len(),
            "OIDC sign-in refused: no single LDAP entry");
        return Err(SsoError::NoAccount(value));
    };
    let target = Target::User(user.uid().to_string());
    if crate::authz::state::is_locked(user, disabled_policy) {
        warn!(
            uid = user.uid(),
            "OIDC sign-in refused: account locked or disabled"
        );
        let entry = Entry::new(&Actor::anonymous(client), Action::SignIn, target)
            .with("method", "oidc")
            .outcome(Outcome::Refused);
        record(db, &entry).await?;
        return Err(SsoError::Locked);
    }
    let entry = Entry::new(&Actor::session(user.uid(), client), Action::SignIn, target)
        .with("method", "oidc")
        .with("subject", claims.text("sub").unwrap_or_default());
    record(db, &entry).await?;
    info!(uid = user.uid(), "signed in through the OIDC provider");
    Ok((user.uid().to_string(), user.cn().to_string()))
}

async fn record(db: &DbPool, entry: &Entry) -> Result<(), Error> {
    let mut conn = crate::db::conn(db).await?;
    audit::record(&mut conn, entry).await
}
