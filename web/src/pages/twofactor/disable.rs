//! `POST /account/2fa/disable/`: turning two-factor sign-in off takes a current code (or a
//! recovery code) and the password.

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::twofactor::DisableOutcome;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;

/// The disable form.
#[derive(Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
}

/// `POST /account/2fa/disable/`
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    form: web::Form<DisableForm>,
) -> Result<HttpResponse, WebError> {
    super::require_enabled(&state)?;
    let entry = super::entry(&state, &user.uid).await?;
    let outcome = state
        .twofactor()
        .disable(
            &user.actor(),
            &state.services.directory,
            &entry,
            &form.code,
            &form.password,
        )
        .await?;
    match outcome {
        DisableOutcome::Disabled | DisableOutcome::NotEnabled => Ok(HttpResponse::SeeOther()
            .insert_header(("Location", "/account/2fa/?saved=disabled"))
            .finish()),
        DisableOutcome::Wrong => super::enrol::render(&req, &state, &user.uid, true, None).await,
        DisableOutcome::Throttled => Err(WebError::TooManyRequests),
    }
}
