//! Who is asking: the signed-in user from the session, or the owner of an API token; the
//! client's address; and which `next` targets are safe to send someone to.

use std::net::IpAddr;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use bitu_core::account::signin::SignedIn;
use bitu_core::account::tokens;
use bitu_core::audit;
use bitu_core::audit::Actor;
use bitu_core::authz::{AccountState, Principal, Via};
use futures_util::future::{Ready, ready};
use tracing::info;

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

/// The user a request acts for, as the guard middleware established it (see
/// `middleware::guard`); extracting it from an anonymous request redirects to sign-in (pages)
/// or answers 401 (APIs).
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// Shell username.
    pub uid: String,
    /// Session or token.
    pub method: AuthMethod,
    /// Row id of the token, for token requests.
    pub token_id: Option<u64>,
    /// The client's address.
    pub client: Option<IpAddr>,
    /// The request's language (for mails to this user).
    pub lang: &'static str,
}

impl CurrentUser {
    /// Who the audit trail names for this request's changes (reading the request's language).
    pub fn actor(&self) -> Actor {
        let actor = match (self.method, self.token_id) {
            (AuthMethod::Token, Some(id)) => Actor::token(&self.uid, id, self.client),
            _ => Actor::session(&self.uid, self.client),
        };
        actor.in_lang(self.lang)
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

/// Who the request acts for, as the guard established it; anonymous when it did not run.
pub fn principal(req: &HttpRequest) -> Principal {
    req.extensions()
        .get::<Principal>()
        .cloned()
        .unwrap_or(Principal::Anonymous)
}

/// The signed-in user of the session, if any and not past the absolute timeout (whether the
/// account is still usable is the guard's business).
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

/// Why a request's credentials were not accepted.
#[derive(Debug)]
pub enum Refused {
    /// An `Authorization` header that does not authenticate (malformed, unknown, expired or
    /// revoked token, or its owner locked): 401.
    BadToken,
    /// A backing service failed while checking.
    Failed(WebError),
}

/// Who the request acts for: the owner of its API token, the signed-in user of its session, or
/// nobody. A session of an account locked in LDAP (or deleted) is ended here; a token of one
/// is refused.
pub async fn authenticate(req: &HttpRequest, state: &AppState) -> Result<Principal, Refused> {
    let directory = &state.services.directory;
    // A request naming a token is judged by the token alone, never by its cookies.
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Token "))
            .map(str::trim)
            .ok_or(Refused::BadToken)?;
        let owner = tokens::authenticate(&state.services.db, token)
            .await
            .map_err(|e| Refused::Failed(e.into()))?
            .ok_or(Refused::BadToken)?;
        let account = state
            .authz
            .account_state(directory, &owner.uid)
            .await
            .map_err(|e| Refused::Failed(e.into()))?;
        let AccountState::Active { dn } = account else {
            info!(uid = %owner.uid, token_id = owner.id, ?account, "API token refused: account not usable");
            return Err(Refused::BadToken);
        };
        return Ok(Principal::User {
            uid: owner.uid,
            dn,
            via: Via::Token {
                id: owner.id,
                scopes: owner.scopes,
            },
        });
    }
    let Some((uid, _)) = session_user(req, state) else {
        return Ok(Principal::Anonymous);
    };
    let account = state
        .authz
        .account_state(directory, &uid)
        .await
        .map_err(|e| Refused::Failed(e.into()))?;
    match account {
        AccountState::Active { dn } => Ok(Principal::User {
            uid,
            dn,
            via: Via::Session,
        }),
        AccountState::Locked | AccountState::Missing => {
            req.get_session().purge();
            info!(uid = %uid, ?account, "session ended: account not usable");
            audit_session_ended(state, req, &uid, &account).await;
            Ok(Principal::Anonymous)
        }
    }
}

/// Records that a session was ended because its account is locked or gone; a failure to
/// write the row is logged (the session is ended regardless).
async fn audit_session_ended(
    state: &AppState,
    req: &HttpRequest,
    uid: &str,
    account: &AccountState,
) {
    let client = client_ip(req, &state.settings.web.trusted_proxies);
    let reason = match account {
        AccountState::Missing => "entry gone",
        _ => "locked or disabled",
    };
    // Bitu ended it, on a request from this client.
    let actor = audit::Actor {
        client,
        ..audit::Actor::system()
    };
    let entry = audit::Entry::new(
        &actor,
        audit::Action::SessionEndLocked,
        audit::Target::User(uid.to_string()),
    )
    .with("reason", reason);
    let written = match bitu_core::db::conn(&state.services.db).await {
        Ok(mut conn) => audit::record(&mut conn, &entry).await,
        Err(e) => Err(e),
    };
    if let Err(e) = written {
        tracing::warn!(uid, error = %e, "cannot write the audit row of an ended session");
    }
}

impl FromRequest for CurrentUser {
    type Error = WebError;
    type Future = Ready<Result<Self, WebError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match principal(req) {
            Principal::User { uid, via, .. } => Ok(CurrentUser {
                uid,
                token_id: match via {
                    Via::Token { id, .. } => Some(id),
                    Via::Session => None,
                },
                method: match via {
                    Via::Session => AuthMethod::Session,
                    Via::Token { .. } => AuthMethod::Token,
                },
                client: request_client(req),
                lang: crate::i18n::request_lang(req).code(),
            }),
            Principal::Anonymous => Err(sign_in_required(req)),
        })
    }
}

/// The client's address of `req` by the configured trusted proxies.
pub fn request_client(req: &HttpRequest) -> Option<IpAddr> {
    let state = req.app_data::<actix_web::web::Data<AppState>>()?;
    client_ip(req, &state.settings.web.trusted_proxies)
}

/// The refusal for an anonymous request: 401 for JSON APIs, a redirect to sign-in for pages,
/// back to `next` afterwards.
pub fn sign_in_required_to(req: &HttpRequest, next: String) -> WebError {
    if is_api_path(req.path()) {
        return WebError::Unauthorized;
    }
    WebError::SignInRequired {
        next,
        ended: session_ended(req),
    }
}

/// [`sign_in_required_to`] this very address.
pub fn sign_in_required(req: &HttpRequest) -> WebError {
    let next = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    sign_in_required_to(req, next)
}

/// Whether an anonymous request came with a session cookie: its session ended (signed out
/// elsewhere, timed out, or the account was locked).
fn session_ended(req: &HttpRequest) -> bool {
    req.app_data::<actix_web::web::Data<AppState>>()
        .is_some_and(|state| req.cookie(&state.settings.session.cookie_name).is_some())
}

/// Whether `path` belongs to a JSON API (answered with 401, never a redirect).
pub fn is_api_path(path: &str) -> bool {
    // `/accounts/api/`: the Django original's JSON APIs, kept for its tokens' scripts.
    path.starts_with("/api/")
        || path.starts_with("/signup/api/")
        || path.starts_with("/accounts/api/")
        || path.starts_with("/permissions/api/")
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
