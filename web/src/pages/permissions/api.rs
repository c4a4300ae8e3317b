//! The JSON API (session, or a token with the `permissions` scope): my requests
//! (`GET`/`POST /api/permissions/requests`, also at the original's
//! `/permissions/api/requests/`), and for managers the pending list
//! (`GET /api/permissions/pending`) and decisions
//! (`POST /api/permissions/requests/{id}/decision`). Errors are JSON.

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::permissions::{Created, Voted, store, views};
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use bitu_core::i18n::Msg;

/// Body of a new request: the group by DN, or by its `system` and `key`.
#[derive(Deserialize)]
struct NewRequest {
    #[serde(default)]
    group: String,
    #[serde(default)]
    system: String,
    #[serde(default)]
    key: String,
    comment: String,
}

/// Body of a decision.
#[derive(Deserialize)]
struct Decision {
    approve: bool,
    comment: String,
}

fn refused(status: actix_web::http::StatusCode, field: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "errors": { field: [message] } }))
}

fn bad(field: &str, message: &str) -> HttpResponse {
    refused(actix_web::http::StatusCode::BAD_REQUEST, field, message)
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound().json(
        json!({ "detail": bitu_core::i18n::Msg::new("bitu-api-error-not-found").to_string() }),
    )
}

/// `GET /api/permissions/requests` and `GET /permissions/api/requests/`
pub async fn mine(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, WebError> {
    let mut conn = bitu_core::db::conn(&state.services.db).await?;
    let requests: Vec<views::RequestView> = store::of_user(&mut conn, &user.uid)
        .await?
        .into_iter()
        .map(|r| views::view(&state.settings.permissions, r))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "requests": requests })))
}

/// `POST /api/permissions/requests` and `POST /permissions/api/requests/`
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let Ok(body) = serde_json::from_slice::<NewRequest>(&body) else {
        return Ok(bad(
            "body",
            &Msg::new("bitu-api-error-body")
                .arg(r#"{"group" (a DN) or "system" and "key", "comment"}"#)
                .to_string(),
        ));
    };
    let settings = &state.settings.permissions;
    let group = if body.group.is_empty() {
        settings.group_by_key(&body.system, &body.key)
    } else {
        settings.group(&body.group)
    };
    let Some(group) = group else {
        return Ok(not_found());
    };
    let created = super::service(&state)
        .create(&user.actor(), &user.uid, group, &body.comment, None)
        .await;
    match created {
        Ok(Created::Stored(id, state)) => Ok(HttpResponse::Created().json(json!({
            "id": id,
            "state": state,
            "history": format!("/permissions/log/{id}"),
        }))),
        Ok(Created::AlreadyPending) => Ok(refused(
            actix_web::http::StatusCode::CONFLICT,
            "group",
            &Msg::new("bitu-permissions-error-already-pending").to_string(),
        )),
        Err(bitu_core::Error::Invalid(message)) => Ok(bad("comment", &message.to_string())),
        Err(bitu_core::Error::NotFound(_)) => Ok(not_found()),
        Err(e) => Err(e.into()),
    }
}

/// `GET /api/permissions/pending`
pub async fn pending(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let manager = super::manager_facts(&state, &req).await?;
    let waiting = views::waiting_for(
        &state.settings.permissions,
        &state.services.db,
        &state.services.directory,
        &manager,
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "requests": waiting })))
}

/// `POST /api/permissions/requests/{id}/decision`
pub async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<u64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let Ok(body) = serde_json::from_slice::<Decision>(&body) else {
        return Ok(bad(
            "body",
            &Msg::new("bitu-api-error-body")
                .arg(r#"{"approve": true or false, "comment"}"#)
                .to_string(),
        ));
    };
    let manager = super::manager_facts(&state, &req).await?;
    let voted = super::service(&state)
        .vote_as(&user.actor(), &manager, *id, body.approve, &body.comment)
        .await;
    match voted {
        Ok(Voted::Counted(state)) => Ok(HttpResponse::Ok().json(json!({ "state": state }))),
        // Recorded while LDAP is away: bitu-rq decides the outcome when it is back.
        Ok(Voted::Recorded) => {
            Ok(HttpResponse::Accepted().json(json!({ "state": "pending", "recorded": true })))
        }
        Ok(Voted::NotManager) => Err(super::forbidden(&req)),
        Ok(Voted::AlreadyVoted) => Ok(refused(
            actix_web::http::StatusCode::CONFLICT,
            "approve",
            &Msg::new("bitu-permissions-error-already-voted").to_string(),
        )),
        Err(bitu_core::Error::Invalid(message)) => Ok(bad("comment", &message.to_string())),
        Err(bitu_core::Error::NotFound(_)) => Ok(not_found()),
        Err(e) => Err(e.into()),
    }
}
