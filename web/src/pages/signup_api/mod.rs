//! The registration APIs Striker (Toolforge's account tool) calls: is a username free to
//! register, and which global IP blocks cover an address. Both are rate limited per client IP
//! by `[blocklist] api_requests_per_ip` per `api_window`.

pub mod ip;
pub mod username;

use actix_web::HttpRequest;
use tracing::warn;

use crate::app::AppState;
use crate::auth::client_ip;
use crate::error::WebError;

/// Counts one API call of the client and refuses it past the limit.
async fn rate_limit(req: &HttpRequest, state: &AppState) -> Result<(), WebError> {
    let ip = client_ip(req, &state.settings.web.trusted_proxies)
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    let limits = &state.settings.blocklist;
    if state
        .rate_limiter
        .hit(
            "signup-api",
            &ip,
            limits.api_requests_per_ip,
            limits.api_window,
        )
        .await
    {
        warn!(client_ip = %ip, "registration API refused: too many requests");
        return Err(WebError::TooManyRequests);
    }
    Ok(())
}
