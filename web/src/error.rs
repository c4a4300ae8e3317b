//! The one error type of bitu-web, rendered as a page: 503 "try again later" for an outage of
//! MariaDB, LDAP or Redis, 404 for missing things, 500 for the rest (details only in the log).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

/// Anything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// From the core crate.
    #[error(transparent)]
    Core(#[from] bitu_core::Error),
    /// A template failed to render.
    #[error("template error: {0}")]
    Template(#[from] tera::Error),
    /// The page needs a signed-in user; `next` is where to return afterwards.
    #[error("sign-in required")]
    SignInRequired {
        /// Path (and query) to come back to.
        next: String,
        /// Whether the request came with a session that has ended (the sign-in page says so).
        ended: bool,
    },
    /// A token request without a valid token.
    #[error("invalid or missing API token")]
    Unauthorized,
    /// Signed in (or a token), but not allowed: a missing role, a token without the scope,
    /// or a token where a signed-in session is needed.
    #[error("forbidden")]
    Forbidden {
        /// Whether to answer in JSON (APIs) rather than a page.
        api: bool,
    },
    /// Too many attempts from this client or for this account.
    #[error("too many requests")]
    TooManyRequests,
    /// Nothing here for this user (also for things that exist but belong to someone else).
    #[error("not found")]
    NotFound,
    /// A link or form that cannot be read (a part missing or of the wrong kind).
    #[error("malformed request: {detail}")]
    Malformed {
        /// What went wrong, for the log only.
        detail: String,
        /// The message key of a sentence for the person, saying what to do.
        text: &'static str,
        /// Whether to answer in JSON (APIs) rather than a page.
        api: bool,
    },
}

/// The title and sentence of an error page (message keys), left on the response so the
/// error-page middleware can render them in the site layout, in the request's language,
/// with the request's header.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    /// The page's heading.
    pub title: &'static str,
    /// What happened and what to do.
    pub text: &'static str,
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebError::Core(e) if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Core(bitu_core::Error::NotFound(_)) | WebError::NotFound => {
                StatusCode::NOT_FOUND
            }
            WebError::Core(bitu_core::Error::Invalid(_)) | WebError::Malformed { .. } => {
                StatusCode::BAD_REQUEST
            }
            WebError::SignInRequired { .. } => StatusCode::FOUND,
            WebError::Unauthorized => StatusCode::UNAUTHORIZED,
            WebError::Forbidden { .. } => StatusCode::FORBIDDEN,
            WebError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            WebError::SignInRequired { next, ended } => {
                let location = format!(
                    "/login/?next={}{}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>(),
                    if *ended { "&ended=1" } else { "" }
                );
                return HttpResponse::Found()
                    .insert_header(("Location", location))
                    .finish();
            }
            WebError::Unauthorized => {
                return HttpResponse::Unauthorized()
                    .insert_header(("WWW-Authenticate", "Token"))
                    .json(serde_json::json!({"detail": english("bitu-api-error-token")}));
            }
            WebError::Forbidden { api: true } => {
                return HttpResponse::Forbidden()
                    .json(serde_json::json!({ "detail": english("bitu-api-error-forbidden") }));
            }
            WebError::Malformed {
                text, api: true, ..
            } => {
                return HttpResponse::BadRequest().json(
                    serde_json::json!({ "detail": bitu_core::i18n::text(
                    bitu_core::i18n::DEFAULT_LANG,
                    &bitu_core::i18n::Msg::new(*text),
                ) }),
                );
            }
            _ => {}
        }
        let (title, text) = match (self, status) {
            (WebError::Malformed { detail, text, .. }, _) => {
                tracing::info!(detail, "request refused: malformed link or form");
                ("bitu-error-malformed-title", *text)
            }
            (_, StatusCode::SERVICE_UNAVAILABLE) => {
                tracing::warn!(error = %self, "request failed: a backing service is unavailable");
                (
                    "bitu-error-unavailable-title",
                    "bitu-error-unavailable-text",
                )
            }
            (_, StatusCode::NOT_FOUND) => ("bitu-error-notfound-title", "bitu-error-notfound-text"),
            (_, StatusCode::FORBIDDEN) => {
                ("bitu-error-forbidden-title", "bitu-error-forbidden-text")
            }
            (_, StatusCode::BAD_REQUEST) => {
                ("bitu-error-badrequest-title", "bitu-error-badrequest-text")
            }
            (_, StatusCode::TOO_MANY_REQUESTS) => {
                ("bitu-error-ratelimit-title", "bitu-error-ratelimit-text")
            }
            _ => {
                tracing::error!(error = %self, "request failed");
                ("bitu-error-internal-title", "bitu-error-internal-text")
            }
        };
        let page = ErrorPage { title, text };
        // Plain English HTML without templates: this page must render even when templating
        // is broken (the error-page middleware replaces it with the page in the layout).
        let (title, text, back) = (
            english_html(title),
            english_html(text),
            english_html("bitu-error-back-link"),
        );
        let body = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>{title} – Bitu</title><link rel=\"stylesheet\" href=\"/static/bitu.css\">\
             </head><body><main class=\"container\"><h1>{title}</h1><p>{text}</p>\
             <p><a href=\"/\">{back}</a></p></main></body></html>"
        );
        let mut response = HttpResponse::build(status);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header(("Retry-After", "60"));
        }
        let mut response = response.content_type("text/html; charset=utf-8").body(body);
        response.extensions_mut().insert(page);
        response
    }
}

/// The English text of message `key` (the JSON APIs' language: scripts read them).
fn english(key: &str) -> String {
    bitu_core::i18n::text(
        bitu_core::i18n::DEFAULT_LANG,
        &bitu_core::i18n::Msg::new(key),
    )
}

/// The English text of message `key`, escaped for HTML.
fn english_html(key: &str) -> String {
    bitu_core::i18n::html(
        bitu_core::i18n::DEFAULT_LANG,
        &bitu_core::i18n::Msg::new(key),
    )
}
