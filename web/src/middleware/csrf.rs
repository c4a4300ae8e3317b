//! CSRF protection for every cookie-authenticated unsafe request: the request's CSRF token
//! must come back in the form field `csrf_token` or the `X-CSRF-Token` header, and a browser's
//! Origin must be this site. The token is an HMAC (site secret) of what it is bound to: the
//! signed-in session (its user, sign-in time and a per-session nonce), or for anonymous
//! visitors (sign-in and sign-up forms) a random cookie, `__Host-`-prefixed on https sites.
//! Requests authenticated by an API token (the guard already refused any `Authorization`
//! header that does not authenticate) and the public JSON APIs are exempt.

use actix_session::SessionExt;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bitu_core::authz::{Principal, Via};
use bitu_core::i18n::{self, Msg};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::auth::{SESSION_SIGNED_IN_AT, principal};
use crate::templates::page_context;

/// Name of the cookie binding anonymous visitors' tokens (on http sites).
pub const CSRF_COOKIE: &str = "bitu_csrf";
/// Its name on https sites: the browser refuses it unless Secure, host-only and for `/`, so a
/// sibling subdomain cannot plant one.
pub const CSRF_COOKIE_HTTPS: &str = "__Host-bitu_csrf";
/// Session key of the per-session nonce signed-in tokens are bound to.
const SESSION_NONCE: &str = "csrf_nonce";
/// Name of the form field carrying it back.
pub const CSRF_FIELD: &str = "csrf_token";
/// Header carrying it back (for scripts using the session).
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Paths of public JSON APIs, which carry no cookies' authority.
const EXEMPT_PREFIXES: &[&str] = &["/signup/api/"];

/// The request's token, for templates.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn exempt(req: &ServiceRequest) -> bool {
    let by_token = matches!(
        principal(req.request()),
        Principal::User {
            via: Via::Token { .. },
            ..
        }
    );
    by_token || EXEMPT_PREFIXES.iter().any(|p| req.path().starts_with(p))
}

/// The token for `binding`: HMAC-SHA256 under the site secret.
fn token_for(secret: &[u8], binding: &str) -> Option<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    mac.update(b"bitu-csrf\0");
    mac.update(binding.as_bytes());
    Some(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

/// What the request's token is bound to: the signed-in session (making its nonce on first
/// use), or the anonymous cookie value.
fn binding(req: &HttpRequest, cookie: &str) -> Option<String> {
    let Principal::User {
        uid,
        via: Via::Session,
        ..
    } = principal(req)
    else {
        return Some(format!("anonymous\0{cookie}"));
    };
    let session = req.get_session();
    let signed_in_at: i64 = session.get(SESSION_SIGNED_IN_AT).ok().flatten()?;
    let nonce = match session.get::<String>(SESSION_NONCE).ok().flatten() {
        Some(nonce) => nonce,
        None => {
            let nonce = new_token();
            session.insert(SESSION_NONCE, &nonce).ok()?;
            nonce
        }
    };
    Some(format!("session\0{uid}\0{signed_in_at}\0{nonce}"))
}

/// Whether the Origin header, when a browser sent one, names the host the request went to.
fn same_origin(req: &ServiceRequest) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
    else {
        return true;
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    url::Url::parse(origin).is_ok_and(|url| {
        let origin_host = match (url.host_str(), url.port()) {
            (Some(name), Some(port)) => format!("{name}:{port}"),
            (Some(name), None) => name.to_string(),
            _ => return false,
        };
        origin_host.eq_ignore_ascii_case(host)
    })
}

async fn submitted_token(req: &mut ServiceRequest) -> Result<Option<String>, actix_web::Error> {
    if let Some(value) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return Ok(Some(value.to_string()));
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok(None);
    }
    // Read the body to find the field, then put it back for the handler.
    let body = req.extract::<web::Bytes>().await?;
    let token = url::form_urlencoded::parse(&body)
        .find(|(name, _)| name == CSRF_FIELD)
        .map(|(_, value)| value.into_owned());
    req.set_payload(Payload::from(body));
    Ok(token)
}

fn refuse(req: ServiceRequest, cookies_missing: bool) -> ServiceResponse {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (template, title) = if cookies_missing {
        ("cookies_disabled.html", "bitu-cookies-title")
    } else {
        ("csrf_failed.html", "bitu-csrf-title")
    };
    // The request's own context, so the header shows who is signed in.
    let body = state
        .and_then(|state| {
            let context = page_context(req.request(), &state, Msg::new(title));
            state.templates.render(template, &context).ok()
        })
        .unwrap_or_else(|| {
            format!(
                "<h1>{}</h1>",
                i18n::html(i18n::DEFAULT_LANG, &Msg::new(title))
            )
        });
    let response = HttpResponse::Forbidden()
        .content_type("text/html; charset=utf-8")
        .body(body);
    req.into_response(response)
}

/// The middleware; see the module documentation.
pub async fn csrf(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(refuse(req, false).map_into_right_body());
    };
    let secure = state.settings.site.base_url.starts_with("https://");
    let cookie_name = if secure {
        CSRF_COOKIE_HTTPS
    } else {
        CSRF_COOKIE
    };
    let existing = req
        .cookie(cookie_name)
        .map(|cookie| cookie.value().to_string())
        .filter(|value| value.len() == 43);
    let cookie = existing.clone().unwrap_or_else(new_token);
    let secret = state.settings.secret_key().unwrap_or_default();
    let expected = binding(req.request(), &cookie).and_then(|b| token_for(secret, &b));
    if let Some(token) = &expected {
        req.extensions_mut().insert(CsrfToken(token.clone()));
    }

    if is_unsafe(req.method()) && !exempt(&req) {
        let signed_in = matches!(principal(req.request()), Principal::User { .. });
        let (Some(expected), true) = (expected.as_deref(), signed_in || existing.is_some()) else {
            tracing::info!(
                path = req.path(),
                "POST refused: no CSRF cookie (cookies disabled?)"
            );
            return Ok(refuse(req, true).map_into_right_body());
        };
        let submitted = submitted_token(&mut req).await?.unwrap_or_default();
        let matches = bool::from(submitted.as_bytes().ct_eq(expected.as_bytes()));
        if !matches || !same_origin(&req) {
            tracing::info!(
                path = req.path(),
                "POST refused: CSRF token or origin mismatch"
            );
            return Ok(refuse(req, false).map_into_right_body());
        }
    }

    let mut response = next.call(req).await?;
    if existing.is_none() {
        let cookie = Cookie::build(cookie_name, cookie)
            .path("/")
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::days(365))
            .finish();
        let _ = response.response_mut().add_cookie(&cookie);
    }
    Ok(response.map_into_left_body())
}
