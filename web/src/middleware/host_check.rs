//! Rejects requests whose Host header is not in `[site] allowed_hosts` (400), as Django's
//! ALLOWED_HOSTS does: it keeps poisoned hosts out of mailed links and caches.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::app::AppState;

/// Whether `host` (a Host header value, with or without port) matches an allowed entry.
/// An entry starting with a dot matches that domain and its subdomains; `*` matches all.
pub fn is_allowed_host(host: &str, allowed: &[String]) -> bool {
    let host = host.trim().to_ascii_lowercase();
    let name = match host.rfind(':') {
        // An IPv6 literal keeps its brackets; only a port after `]` or in a name is cut.
        Some(colon) if !host.starts_with('[') || host[..colon].ends_with(']') => &host[..colon],
        _ => host.as_str(),
    };
    if name.is_empty() {
        return false;
    }
    allowed.iter().any(|entry| {
        let entry = entry.to_ascii_lowercase();
        if entry == "*" {
            true
        } else if let Some(domain) = entry.strip_prefix('.') {
            name == domain || name.ends_with(&entry)
        } else {
            name == entry
        }
    })
}

/// The middleware; see the module documentation.
pub async fn host_check(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let allowed = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| is_allowed_host(&host, &state.settings.site.allowed_hosts));
    if allowed {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    tracing::warn!(host = %host.escape_debug(), "rejected request with a Host header not allowed");
    let response = HttpResponse::BadRequest()
        .content_type("text/plain; charset=utf-8")
        .body(format!(
            "{}\n",
            crate::i18n::text(
                req.request(),
                &bitu_core::i18n::Msg::new("bitu-error-host-not-served")
            )
        ));
    Ok(req.into_response(response).map_into_right_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(list: &[&str]) -> Vec<String> {
        list.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn exact_names_ports_and_case() {
        let allowed = hosts(&["idm.example.org", "[::1]"]);
        assert!(is_allowed_host("idm.example.org", &allowed));
        assert!(is_allowed_host("IDM.Example.org:8443", &allowed));
        assert!(is_allowed_host("[::1]:8000", &allowed));
        assert!(is_allowed_host("[::1]", &allowed));
        assert!(!is_allowed_host("evil.org", &allowed));
        assert!(!is_allowed_host("idm.example.org.evil.org", &allowed));
        assert!(!is_allowed_host("", &allowed));
    }

    #[test]
    fn dot_entries_match_subdomains() {
        let allowed = hosts(&[".wikimedia.org"]);
        assert!(is_allowed_host("wikimedia.org", &allowed));
        assert!(is_allowed_host("idm.wikimedia.org", &allowed));
        assert!(!is_allowed_host("evilwikimedia.org", &allowed));
    }
}
