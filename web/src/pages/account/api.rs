//! `GET /api/account`: the caller's own account as JSON (session or API token).

use actix_web::{HttpResponse, get, web};
use serde_json::json;

use crate::app::AppState;
use crate::auth::{AuthMethod, CurrentUser};
use crate::error::WebError;

/// Who the caller is, as the directory has it.
#[get("/api/account")]
pub async fn me(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, WebError> {
    let entry = state
        .services
        .directory
        .find_user_by_uid(&user.uid)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(HttpResponse::Ok().json(json!({
        "uid": entry.uid(),
        "cn": entry.cn(),
        "mail": entry.mail(),
        "uid_number": entry.uid_number(),
        "authenticated_by": match user.method {
            AuthMethod::Session => "session",
            AuthMethod::Token => "token",
        },
    })))
}
