//! `POST /api/totp/` (and the original's `/accounts/api/totp/`): `{user, token}` →
//! `{user, valid, enabled}`, for services holding a token with the `totp_check` scope. The
//! same counting of wrong codes and replay protection as the sign-in; recovery codes are not
//! accepted here.

use actix_web::{HttpResponse, web};
use bitu_core::twofactor::CodeCheck;
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;

/// The question: whose code, and the code.
#[derive(Deserialize)]
pub struct CheckRequest {
    user: String,
    token: String,
}

/// `POST /api/totp/`: JSON or a form.
pub async fn check(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: web::Either<web::Json<CheckRequest>, web::Form<CheckRequest>>,
) -> Result<HttpResponse, WebError> {
    super::require_enabled(&state)?;
    let body = match body {
        web::Either::Left(json) => json.into_inner(),
        web::Either::Right(form) => form.into_inner(),
    };
    let entry = state
        .services
        .directory
        .find_user_by_uid(body.user.trim())
        .await?;
    let (valid, enabled) = match entry {
        None => (false, false),
        Some(entry) => match state
            .twofactor()
            .verify(&caller.actor(), &entry, &body.token, "api")
            .await?
        {
            CodeCheck::Valid | CodeCheck::Recovery { .. } => (true, true),
            CodeCheck::Wrong => (false, true),
            CodeCheck::NotEnabled => (false, false),
            CodeCheck::Throttled => return Err(WebError::TooManyRequests),
        },
    };
    Ok(HttpResponse::Ok().json(json!({"user": body.user, "valid": valid, "enabled": enabled})))
}
