//! `GET /api/account`: the caller's own account as JSON, with its groups and roles (session,
//! or an API token with the `read_account` scope).

use actix_web::{HttpResponse, web};
use bitu_core::authz::groups::memberships;
use serde_json::json;

use crate::app::AppState;
use crate::auth::{AuthMethod, CurrentUser};
use crate::error::WebError;

/// Who the caller is, as the directory has it.
pub async fn me(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, WebError> {
    let entry = state
        .services
        .directory
        .find_user_by_uid(&user.uid)
        .await?
        .ok_or(WebError::NotFound)?;
    let directory = &state.services.directory;
    let groups: Vec<_> = memberships(directory, entry.uid(), entry.dn())
        .await?
        .into_iter()
        .map(|g| json!({"cn": g.cn, "description": g.description}))
        .collect();
    let roles = state
        .authz
        .roles(directory, entry.uid(), entry.dn())
        .await?;
    Ok(HttpResponse::Ok().json(json!({
        "uid": entry.uid(),
        "cn": entry.cn(),
        "mail": entry.mail(),
        "uid_number": entry.uid_number(),
        "groups": groups,
        "roles": roles,
        "token_id": user.token_id,
        "authenticated_by": match user.method {
            AuthMethod::Session => "session",
            AuthMethod::Token => "token",
        },
    })))
}
