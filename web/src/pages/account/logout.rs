//! `POST /logout/`: ends the session (its row is deleted). A session that began at the
//! identity provider is offered the provider's end-session page when it advertises one.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::sso::oidc::Provider;

use crate::app::AppState;
use crate::error::WebError;
use crate::pages::sso::{SESSION_VIA_OIDC, message};
use bitu_core::i18n::Msg;

/// Signs out and returns to the start page (or offers the provider's sign-out).
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, WebError> {
    let via_oidc = session
        .get::<bool>(SESSION_VIA_OIDC)
        .ok()
        .flatten()
        .unwrap_or(false);
    session.purge();
    let home = HttpResponse::SeeOther()
        .insert_header(("Location", "/"))
        .finish();
    if !via_oidc || !state.settings.oidc.enabled {
        return Ok(home);
    }
    let base = state.settings.site.base_url.trim_end_matches('/');
    let provider = Provider {
        settings: &state.settings.oidc,
        http: &state.sso_http,
        redirect_url: format!("{base}/complete/{}/", state.settings.oidc.backend),
    };
    let Some(url) = provider.end_session_url(&format!("{base}/")).await else {
        return Ok(home);
    };
    message(
        &req,
        &state,
        StatusCode::OK,
        Msg::new("bitu-logout-title"),
        &[Msg::new("bitu-logout-text")],
        Some((&url, Msg::new("bitu-logout-provider-link"))),
    )
}
