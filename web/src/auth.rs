//! Who is asking: the signed-in user from the session, or the owner of an API token; the
//! client's address; and which `next` targets are safe to send someone to.

use std::net::IpAddr;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use bitu_core::account::signin::SignedIn;
use bitu_core::account::tokens;
use bitu_core::audit::Actor;
use futures_util::future::LocalBoxFuture;

use crate::app::AppState;
use crate::error::WebError;

/// Session key: the signed-in user's shell username.
pub const SESSION_UID: &str = bitu_core::account::sessions::UID_KEY;
/// Session key: the signed-in user's developer name.
pub const SESSION_CN: &str = "cn";
/// Session key: when the user signed in (Unix seconds), for the absolute timeout.
pub const SESSION_SIGNED_IN_AT: &str = "signed_in_at";

/// How the current request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// A browser session cookie.
    Session,
    /// An `Authorization: Token` header.
    Token,
}

/// The user a request acts for; extracting it from an anonymous request redirects to sign-in
/// (pages) or answers 401 (token requests).
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// Shell username.
    pub uid: String,
    /// Session or token.
    pub method: AuthMethod,
    /// The API token's id, for token requests.
    pub token_id: Option<u64>,
    /// The client's address.
    pub client: Option<IpAddr>,
}

impl CurrentUser {
    /// Who the audit trail names for this request's changes.
    pub fn actor(&self) -> Actor {
        match (self.method, self.token_id) {
            (AuthMethod::Token, Some(id)) => Actor::token(&self.uid, id, self.client),
            _ => Actor::session(&self.uid, self.client),
        }
    }
}

/// Starts the session of someone who just signed in, under a fresh id so a planted one
/// cannot be ridden.
pub fn start_session(session: &Session, user: &SignedIn) -> Result<(), WebError> {
    session.renew();
    session
        .insert(SESSION_UID, &user.uid)
        .and_then(|()| session.insert(SESSION_CN, &user.cn))
        .and_then(|()| session.insert(SESSION_SIGNED_IN_AT, user.at.timestamp()))
        .map_err(|e| WebError::Core(bitu_core::Error::Internal(e.to_string())))
}

/// The signed-in user of the session, if any and not past the absolute timeout.
pub fn session_user(req: &HttpRequest, state: &AppState) -> Option<(String, String)> {
    let session = req.get_session();
    let uid: String = session.get(SESSION_UID).ok().flatten()?;
    let signed_in_at: i64 = session.get(SESSION_SIGNED_IN_AT).ok().flatten()?;
    let limit =
        i64::try_from(state.settings.session.absolute_timeout.as_secs()).unwrap_or(i64::MAX);
    if chrono::Utc::now().timestamp() - signed_in_at > limit {
        session.purge();
        return None;
    }
    let cn: String = session.get(SESSION_CN).ok().flatten().unwrap_or_default();
    Some((uid, cn))
}

impl FromRequest for CurrentUser {
    type Error = WebError;
    type Future = LocalBoxFuture<'static, Result<Self, WebError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| WebError::Core(bitu_core::Error::Internal("no state".into())))?;
            let client = client_ip(&req, &state.settings.web.trusted_proxies);
            // A request naming a token is judged by the token alone, never by its cookies.
            if let Some(value) = req.headers().get(header::AUTHORIZATION) {
                let token = value
                    .to_str()
                    .ok()
                    .and_then(|v| v.strip_prefix("Token "))
                    .map(str::trim)
                    .ok_or(WebError::Unauthorized)?;
                let owner = tokens::owner(&state.services.db, token)
                    .await?
                    .ok_or(WebError::Unauthorized)?;
                return Ok(CurrentUser {
                    uid: owner.uid,
                    method: AuthMethod::Token,
                    token_id: Some(owner.token_id),
                    client,
                });
            }
            match session_user(&req, &state) {
                Some((uid, _)) => Ok(CurrentUser {
                    uid,
                    method: AuthMethod::Session,
                    token_id: None,
                    client,
                }),
                // JSON APIs answer 401; only pages send people to the sign-in form.
                None if is_api_path(req.path()) => Err(WebError::Unauthorized),
                None => {
                    let next = req
                        .uri()
                        .path_and_query()
                        .map(|pq| pq.as_str().to_string())
                        .unwrap_or_else(|| "/".into());
                    Err(WebError::SignInRequired { next })
                }
            }
        })
    }
}

/// Whether `path` belongs to a JSON API (answered with 401, never a redirect).
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/signup/api/")
}

/// The client's address: the peer, or the last X-Forwarded-For hop not itself a trusted
/// proxy when the peer is one.
pub fn client_ip(req: &HttpRequest, trusted_proxies: &[String]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let trusted = |ip: &IpAddr| {
        trusted_proxies
            .iter()
            .any(|t| t.parse::<IpAddr>().ok() == Some(*ip))
    };
    if !trusted(&peer) {
        return Some(peer);
    }
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    forwarded
        .split(',')
        .rev()
        .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
        .find(|ip| !trusted(ip))
        .or(Some(peer))
}

/// `next` if it is a path on this site, else `None`: no scheme, no host, no `//` or `\`.
pub fn safe_next(next: &str) -> Option<String> {
    if !next.starts_with('/')
        || next.starts_with("//")
        || next.contains('\\')
        || next.chars().any(char::is_control)
    {
        return None;
    }
    let base = url::Url::parse("http://bitu.invalid/").ok()?;
    let joined = base.join(next).ok()?;
    if joined.host_str() != Some("bitu.invalid") {
        return None;
    }
    let mut target = joined.path().to_string();
    if let Some(query) = joined.query() {
        target.push('?');
        target.push_str(query);
    }
    Some(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_safe() {
        assert_eq!(safe_next("/keys/?x=1").as_deref(), Some("/keys/?x=1"));
        for evil in [
            "//evil.org",
            "https://evil.org",
            "/\\evil.org",
            "\\\\evil.org",
            "evil.org",
            "/\t/evil.org",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(safe_next(evil), None, "{evil:?}");
        }
    }
}
