//! The request's language: `?uselang=xx` (which also sets the `bitu_lang` cookie, so the
//! following pages keep it), else that cookie, else the browser's `Accept-Language` (by
//! q-value), else English. Only languages with a message file, and the `qqx` pseudo-language
//! (not from `Accept-Language`), are taken. See docs/i18n.md.

use std::future::{Ready, ready};

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use bitu_core::i18n::{self, DEFAULT_LANG, QQX};

use crate::app::AppState;

/// The cookie that keeps a language chosen with `?uselang=`.
pub const LANG_COOKIE: &str = "bitu_lang";

/// The query parameter that chooses a language.
pub const USELANG: &str = "uselang";

/// The language a request is answered in (a code of [`i18n::languages`] or `qqx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lang(pub &'static str);

impl Lang {
    /// The language's code.
    pub fn code(self) -> &'static str {
        self.0
    }

    /// `"rtl"` or `"ltr"`.
    pub fn dir(self) -> &'static str {
        i18n::dir(self.0)
    }
}

impl FromRequest for Lang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Lang, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(request_lang(req)))
    }
}

/// The request's language: as the middleware found it, else negotiated now.
pub fn request_lang(req: &HttpRequest) -> Lang {
    if let Some(lang) = req.extensions().get::<Lang>() {
        return *lang;
    }
    negotiate(req).0
}

/// `msg` as plain text in the request's language: for a value a template shows as it is,
/// and for the messages of JSON answers.
pub fn text(req: &HttpRequest, msg: &i18n::Msg) -> String {
    i18n::text(request_lang(req).code(), msg)
}

/// The language for `req`, and whether `?uselang=` chose it.
fn negotiate(req: &HttpRequest) -> (Lang, bool) {
    let uselang = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(name, _)| name == USELANG)
        .and_then(|(_, value)| i18n::supported(&value));
    if let Some(lang) = uselang {
        return (Lang(lang), true);
    }
    let cookie = req
        .cookie(LANG_COOKIE)
        .and_then(|cookie| i18n::supported(cookie.value()));
    if let Some(lang) = cookie {
        return (Lang(lang), false);
    }
    let accepted = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(from_accept_language);
    (Lang(accepted.unwrap_or(DEFAULT_LANG)), false)
}

/// The best language of an `Accept-Language` value this site has (never `qqx`).
pub fn from_accept_language(value: &str) -> Option<&'static str> {
    let mut ranges: Vec<(&str, f32)> = value
        .split(',')
        .filter_map(|range| {
            let mut parts = range.split(';');
            let tag = parts.next()?.trim();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (!tag.is_empty() && q > 0.0).then_some((tag, q))
        })
        .collect();
    // Stable: among equal weights the first listed wins.
    ranges.sort_by(|a, b| b.1.total_cmp(&a.1));
    ranges
        .into_iter()
        .filter(|(tag, _)| !tag.eq_ignore_ascii_case(QQX))
        .find_map(|(tag, _)| i18n::supported(tag))
}

/// The middleware: finds the request's [`Lang`] for handlers and templates, keeps a
/// `?uselang=` choice in a cookie, and names the language in `Content-Language`.
pub async fn language(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let (lang, chosen) = negotiate(req.request());
    req.extensions_mut().insert(lang);
    let secure = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.settings.site.base_url.starts_with("https://"));
    let mut response = next.call(req).await?;
    if chosen {
        let cookie = Cookie::build(LANG_COOKIE, lang.code())
            .path("/")
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::days(365))
            .finish();
        let _ = response.response_mut().add_cookie(&cookie);
    }
    response.headers_mut().insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.code()),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_by_weight_then_order() {
        assert_eq!(from_accept_language("he-IL,he;q=0.9,en;q=0.8"), Some("he"));
        assert_eq!(from_accept_language("en;q=0.5, he"), Some("he"));
        assert_eq!(from_accept_language("de, he;q=0.3, en;q=0.2"), Some("he"));
        assert_eq!(from_accept_language("de, fr"), None);
        assert_eq!(from_accept_language("he;q=0, en"), Some("en"));
        assert_eq!(from_accept_language("qqx"), None);
        assert_eq!(from_accept_language(""), None);
    }
}
