//! The block API: `POST /api/blocks` (`{"uid", "action", "comment", "unset_email",
//! "suspend_keys", "restore_email"}`) and `GET /api/blocks/{uid}` (state and log), for account managers with a
//! session or a token holding the `blocks` scope.

use actix_web::{HttpResponse, web};
use bitu_core::blocking::{self, ActionKind, BlockRequest, search};
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use bitu_core::i18n::Msg;

/// Body of `POST /api/blocks`.
#[derive(Deserialize)]
struct BlockBody {
    uid: String,
    action: String,
    comment: String,
    #[serde(default)]
    unset_email: bool,
    #[serde(default)]
    suspend_keys: bool,
    #[serde(default)]
    restore_email: bool,
}

fn refused(field: &str, message: &str) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({ "errors": { field: [message] } }))
}

/// `POST /api/blocks`
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let Ok(body) = serde_json::from_slice::<BlockBody>(&body) else {
        return Ok(refused(
            "body",
            &Msg::new("bitu-api-error-body")
                .arg(r#"{"uid", "action", "comment", "unset_email", "suspend_keys"}"#)
                .to_string(),
        ));
    };
    let action: ActionKind = match body.action.parse() {
        Ok(action) => action,
        Err(bitu_core::Error::Invalid(message)) => {
            return Ok(refused("action", &message.to_string()));
        }
        Err(e) => return Err(e.into()),
    };
    let request = BlockRequest {
        uid: &body.uid,
        action,
        comment: &body.comment,
        unset_email: match action {
            ActionKind::Block => body.unset_email,
            ActionKind::Unblock => body.restore_email,
        },
        move_keys: body.suspend_keys,
    };
    let actor = user.actor();
    match blocking::request(
        &state.services,
        &state.settings,
        &state.queue,
        &actor,
        &request,
    )
    .await
    {
        Ok(id) => {
            super::took_effect(&state, &body.uid, action);
            Ok(HttpResponse::Accepted().json(json!({
            "id": id,
                "status": format!("/api/blocks/{}", body.uid),
            })))
        }
        Err(bitu_core::Error::Invalid(message)) => Ok(refused("comment", &message.to_string())),
        Err(bitu_core::Error::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// `GET /api/blocks/{uid}`
pub async fn status(
    state: web::Data<AppState>,
    uid: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let account = search::account(&state.services, &state.settings, &uid)
        .await?
        .ok_or(WebError::NotFound)?;
    let log = super::history(&state, &uid).await?;
    Ok(HttpResponse::Ok().json(json!({
        "uid": account.uid,
        "cn": account.cn,
        "state": account.state,
        "log": log,
    })))
}
