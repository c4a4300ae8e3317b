//! CSRF protection for every cookie-authenticated unsafe request: the token in a cookie must
//! come back in the form field `csrf_token` or the `X-CSRF-Token` header, and a browser's
//! Origin must be this site. Token-authenticated requests and the public JSON APIs are not
//! cookie-based and are exempt.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use subtle::ConstantTimeEq;

use crate::app::AppState;

/// Name of the cookie holding the token.
pub const CSRF_COOKIE: &str = "bitu_csrf";
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
    req.headers().contains_key(header::AUTHORIZATION)
        || EXEMPT_PREFIXES.iter().any(|p| req.path().starts_with(p))
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
        ("cookies_disabled.html", "Cookies are needed")
    } else {
        ("csrf_failed.html", "The form expired")
    };
    let body = state
        .and_then(|state| {
            state
                .templates
                .render_simple(template, &state.settings.site.name, title)
                .ok()
        })
        .unwrap_or_else(|| format!("<h1>{title}</h1>"));
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
    let existing = req
        .cookie(CSRF_COOKIE)
        .map(|cookie| cookie.value().to_string())
        .filter(|value| value.len() == 43);
    let token = existing.clone().unwrap_or_else(new_token);
    req.extensions_mut().insert(CsrfToken(token.clone()));

    if is_unsafe(req.method()) && !exempt(&req) {
        let Some(expected) = existing.as_deref() else {
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

    let secure = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.settings.site.base_url.starts_with("https://"));
    let mut response = next.call(req).await?;
    if existing.is_none() {
        let cookie = Cookie::build(CSRF_COOKIE, token)
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
