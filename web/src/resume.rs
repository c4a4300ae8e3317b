//! Keeping a form across a sign-in: when a signed-in form is sent after the session ended
//! (signed out elsewhere, expired), its non-secret fields are kept in the new anonymous
//! session for a few minutes, the sign-in page says what happened, and after signing in the
//! form's page shows them again. Nothing secret (passwords, tokens, captcha) is kept.

use actix_session::Session;
use actix_web::HttpRequest;
use actix_web::http::header;
use serde::{Deserialize, Serialize};

use crate::auth::safe_next;

/// Session key of the kept form.
const SESSION_KEY: &str = "resume";
/// How long a kept form waits for its sign-in.
const LIFETIME_SECONDS: i64 = 15 * 60;
/// Fields kept at most; a form with more keeps nothing.
const MAX_FIELDS: usize = 32;
/// Bytes kept at most, over all fields (an SSH key and its comment fit).
const MAX_BYTES: usize = 32 * 1024;
/// Parts of field names never kept.
const SECRET_PARTS: &[&str] = &["password", "csrf", "token", "secret", "captcha", "otp"];

/// A form kept across a sign-in.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeptForm {
    /// The page to return to (path and query), whose form gets the fields back.
    pub path: String,
    /// Non-secret fields, in the order sent.
    pub fields: Vec<(String, String)>,
    /// Unix seconds after which the form is forgotten.
    pub expires_at: i64,
}

/// Whether a field named `name` may be kept.
pub fn keepable(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    !SECRET_PARTS.iter().any(|part| name.contains(part))
}

/// The non-secret fields of a urlencoded `body`, or `None` when there are too many or too much.
pub fn non_secret_fields(body: &[u8]) -> Option<Vec<(String, String)>> {
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(body)
        .filter(|(name, _)| keepable(name))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    let bytes: usize = fields.iter().map(|(n, v)| n.len() + v.len()).sum();
    (fields.len() <= MAX_FIELDS && bytes <= MAX_BYTES).then_some(fields)
}

/// The URL in header `name` when it is on the host the request went to.
fn same_site_url(req: &HttpRequest, name: header::HeaderName) -> Option<url::Url> {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    req.headers()
        .get(name)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .filter(|url| {
            let authority = match (url.host_str(), url.port()) {
                (Some(name), Some(port)) => format!("{name}:{port}"),
                (Some(name), None) => name.to_string(),
                _ => return false,
            };
            authority.eq_ignore_ascii_case(host)
        })
}

/// Whether a form was sent from a page of this site: its Origin (or, without one, its
/// Referer) is this site. A form another site sends is never kept: it could plant fields
/// (an SSH key) for the person to send after signing in.
pub fn sent_from_here(req: &HttpRequest) -> bool {
    if req.headers().contains_key(header::ORIGIN) {
        return same_site_url(req, header::ORIGIN).is_some();
    }
    same_site_url(req, header::REFERER).is_some()
}

/// Where to come back to after signing in from a refused `POST`: the page the form was on
/// (its Referer, when on this site), else `fallback`.
pub fn return_path(req: &HttpRequest, fallback: &str) -> String {
    same_site_url(req, header::REFERER)
        .and_then(|url| {
            let mut path = url.path().to_string();
            if let Some(query) = url.query() {
                path.push('?');
                path.push_str(query);
            }
            safe_next(&path)
        })
        .unwrap_or_else(|| fallback.to_string())
}

/// Keeps `fields` for `path` in `session` (replacing any kept form).
pub fn keep(session: &Session, path: &str, fields: Vec<(String, String)>) {
    let kept = KeptForm {
        path: path.to_string(),
        fields,
        expires_at: chrono::Utc::now().timestamp() + LIFETIME_SECONDS,
    };
    if let Err(e) = session.insert(SESSION_KEY, &kept) {
        tracing::warn!(error = %e, "cannot keep a form across sign-in");
    }
}

fn path_only(path: &str) -> &str {
    path.split('?').next().unwrap_or(path)
}

/// Whether a live kept form waits in `session` (the sign-in page says so).
pub fn waiting(session: &Session) -> bool {
    session
        .get::<KeptForm>(SESSION_KEY)
        .ok()
        .flatten()
        .is_some_and(|kept| kept.expires_at > chrono::Utc::now().timestamp())
}

/// The fields kept for the page at `path`, removed from `session`; empty when none.
pub fn take(session: &Session, path: &str) -> Vec<(String, String)> {
    let Some(kept) = session.get::<KeptForm>(SESSION_KEY).ok().flatten() else {
        return Vec::new();
    };
    if path_only(&kept.path) != path_only(path) {
        return Vec::new();
    }
    session.remove(SESSION_KEY);
    if kept.expires_at <= chrono::Utc::now().timestamp() {
        return Vec::new();
    }
    kept.fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_never_kept() {
        let body = b"csrf_token=t&email=a%40b.org&current_password=pw&new_password_again=x\
                     &key=ssh-ed25519+AAAA&captcha=ABCDE&comment=laptop";
        let fields = non_secret_fields(body).unwrap();
        assert_eq!(
            fields,
            vec![
                ("email".to_string(), "a@b.org".to_string()),
                ("key".to_string(), "ssh-ed25519 AAAA".to_string()),
                ("comment".to_string(), "laptop".to_string()),
            ]
        );
    }

    #[test]
    fn too_much_keeps_nothing() {
        let long = format!("comment={}", "x".repeat(MAX_BYTES + 1));
        assert!(non_secret_fields(long.as_bytes()).is_none());
    }

    #[test]
    fn only_forms_from_this_site_are_kept() {
        let from = |origin: Option<&str>, referer: Option<&str>| {
            let mut req = actix_web::test::TestRequest::post()
                .uri("/keys/")
                .insert_header((header::HOST, "bitu.example"));
            if let Some(origin) = origin {
                req = req.insert_header((header::ORIGIN, origin));
            }
            if let Some(referer) = referer {
                req = req.insert_header((header::REFERER, referer));
            }
            sent_from_here(&req.to_http_request())
        };
        assert!(from(Some("https://bitu.example"), None));
        assert!(from(None, Some("https://bitu.example/keys/")));
        assert!(!from(
            Some("https://evil.example"),
            Some("https://bitu.example/keys/")
        ));
        assert!(!from(Some("null"), None));
        assert!(!from(None, None));
    }

    #[test]
    fn the_return_path_is_a_referer_on_this_site_only() {
        let req = actix_web::test::TestRequest::post()
            .uri("/keys/")
            .insert_header((header::HOST, "bitu.example:8000"))
            .insert_header((header::REFERER, "http://bitu.example:8000/keys/?x=1"))
            .to_http_request();
        assert_eq!(return_path(&req, "/account/"), "/keys/?x=1");
        let req = actix_web::test::TestRequest::post()
            .uri("/keys/")
            .insert_header((header::HOST, "bitu.example:8000"))
            .insert_header((header::REFERER, "https://evil.example/keys/"))
            .to_http_request();
        assert_eq!(return_path(&req, "/account/"), "/account/");
    }
}
