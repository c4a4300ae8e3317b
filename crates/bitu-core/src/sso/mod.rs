//! Single sign-on and linked accounts: sign-in through the organisation's OpenID Connect
//! provider ([`oidc`]), and Wikimedia and Phabricator accounts linked to the LDAP entry
//! through OAuth 2.0 ([`linking`], [`links`]). A started flow lives in MariaDB ([`flows`]),
//! so its callback can finish on any bitu-web host.

pub mod flows;
pub mod linking;
pub mod links;
pub mod oidc;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use oauth2::{AsyncHttpClient, HttpRequest, HttpResponse};

use crate::error::Error;

/// Why a sign-in or a linking did not finish; each has its own page.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    /// MariaDB, LDAP or Redis failed (503, as everywhere).
    #[error(transparent)]
    Core(#[from] Error),
    /// The provider did not answer, or answered with a server error (503).
    #[error("the provider is unavailable: {0}")]
    ProviderDown(String),
    /// The person declined at the provider.
    #[error("consent denied at the provider")]
    Denied,
    /// The callback's state is unknown, used already, expired, or from another session.
    #[error("unknown, used or expired state")]
    BadState,
    /// The provider's answer did not pass the checks (ID token signature, issuer, audience,
    /// expiry, nonce; a code it refused; a profile without the expected fields).
    #[error("the provider's answer was refused: {0}")]
    Refused(String),
    /// The provider's account has no LDAP entry.
    #[error("no account for {0}")]
    NoAccount(String),
    /// The LDAP entry is locked or disabled.
    #[error("account locked")]
    Locked,
    /// The backend named in the path is not configured.
    #[error("unknown backend")]
    UnknownBackend,
}

/// Result with [`SsoError`].
pub type SsoResult<T> = Result<T, SsoError>;

/// An error of [`Http`]: the transport's, or a response that could not be rebuilt.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

/// The HTTP client the `openidconnect` and `oauth2` crates call: the project's reqwest, no
/// redirects followed (a provider redirecting its back-channel is refused, not chased).
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
}

impl Http {
    /// A client with `timeout` per request.
    pub fn new(timeout: Duration) -> Result<Http, Error> {
        // reqwest is built without a default TLS provider (no aws-lc-rs); Bitu uses ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .user_agent(concat!("Bitu/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Internal(format!("cannot build the HTTP client: {e}")))?;
        Ok(Http { client })
    }

    /// The underlying client, for plain API calls (profiles).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

impl<'c> AsyncHttpClient<'c> for Http {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let response = self
                .client
                .request(parts.method, parts.uri.to_string())
                .headers(parts.headers)
                .body(body)
                .send()
                .await
                .map_err(|e| HttpError(e.to_string()))?;
            let mut built = oauth2::http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                built = built.header(name, value);
            }
            let body = response
                .bytes()
                .await
                .map_err(|e| HttpError(e.to_string()))?;
            built
                .body(body.to_vec())
                .map_err(|e| HttpError(e.to_string()))
        })
    }
}

/// Whether a failed token request means the provider is down (transport failure or a 5xx)
/// rather than that it refused what we sent.
fn token_error<RE, T>(error: oauth2::RequestTokenError<RE, T>) -> SsoError
where
    RE: std::error::Error + 'static,
    T: oauth2::ErrorResponse + 'static,
{
    match error {
        oauth2::RequestTokenError::Request(e) => SsoError::ProviderDown(e.to_string()),
        oauth2::RequestTokenError::ServerResponse(e) => SsoError::Refused(e.to_string()),
        oauth2::RequestTokenError::Parse(e, body) => {
            let text = String::from_utf8_lossy(&body);
            if text.trim_start().starts_with('<') {
                // An HTML error page: a proxy in front of a provider that is down.
                SsoError::ProviderDown(format!("token endpoint answered HTML: {e}"))
            } else {
                SsoError::Refused(format!("token response: {e}"))
            }
        }
        oauth2::RequestTokenError::Other(e) => SsoError::ProviderDown(e),
    }
}
