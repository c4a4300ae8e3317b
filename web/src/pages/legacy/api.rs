//! The original's JSON APIs, for scripts holding its tokens: `/accounts/api/user` and
//! `/accounts/api/ssh[/<id>]`, with the original's field names. A user is its
//! `UserSerializer`: `id` (here the uidNumber), `username`, `email`, `ssh_keys`, `backends`
//! (the key systems), plus `first_name`/`last_name` from its user model; a key is `id`,
//! `system`, `ssh_public_key`, `comment`, `active`, `key_type`, `key_size` (its model's
//! fields). The key list is a bare JSON array, as Django REST framework lists are without
//! pagination. Errors are `{"detail": "..."}` as DRF writes them.

use actix_web::{HttpResponse, web};
use bitu_core::keys::store::SshKey;
use bitu_core::keys::{KeyService, NewKey};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use bitu_core::i18n::Msg;

/// A key as the original's API showed it.
fn key_json(key: &SshKey) -> Value {
    json!({
        "id": key.id,
        "system": key.key_system,
        "ssh_public_key": key.public_key,
        "comment": key.comment,
        "active": key.active,
        "key_type": key.key_type,
        "key_size": key.bits,
    })
}

fn detail(status: actix_web::http::StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "detail": message }))
}

fn not_found() -> HttpResponse {
    detail(
        actix_web::http::StatusCode::NOT_FOUND,
        &Msg::new("bitu-api-error-not-found").to_string(),
    )
}

/// `GET /accounts/api/user`: the caller's account.
pub async fn user(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, WebError> {
    let entry = state
        .services
        .directory
        .find_user_by_uid(&user.uid)
        .await?
        .ok_or(WebError::NotFound)?;
    let service = KeyService::new(&state.services, &state.settings.keys);
    let systems = service.list(&user.uid).await?;
    let keys: Vec<Value> = systems
        .iter()
        .flat_map(|system| system.keys.iter().map(key_json))
        .collect();
    let backends: Vec<&str> = state
        .settings
        .keys
        .systems
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "id": entry.uid_number(),
        "username": entry.uid(),
        "email": entry.mail(),
        "ssh_keys": keys,
        "backends": backends,
        // The original filled these from the directory's cn; Bitu has the one name.
        "first_name": entry.cn(),
        "last_name": "",
    })))
}

/// `GET /accounts/api/ssh`: the caller's keys in every system, as a list.
pub async fn ssh_list(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, WebError> {
    let service = KeyService::new(&state.services, &state.settings.keys);
    let keys: Vec<Value> = service
        .list(&user.uid)
        .await?
        .iter()
        .flat_map(|system| system.keys.iter().map(key_json))
        .collect();
    Ok(HttpResponse::Ok().json(keys))
}

/// `GET /accounts/api/ssh/{id}`: one key.
pub async fn ssh_get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<u64>,
) -> Result<HttpResponse, WebError> {
    let service = KeyService::new(&state.services, &state.settings.keys);
    match service.get(&user.uid, *id).await {
        Ok(key) => Ok(HttpResponse::Ok().json(key_json(&key))),
        Err(bitu_core::Error::NotFound(_)) => Ok(not_found()),
        Err(e) => Err(e.into()),
    }
}

/// Body of `POST /accounts/api/ssh`, as the original took it.
#[derive(Deserialize)]
struct CreateBody {
    ssh_public_key: String,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    system: Option<String>,
    #[serde(default)]
    active: Option<bool>,
}

/// `POST /accounts/api/ssh`: adds a key; 201 with it, 400 `{field: [message]}` as DRF.
pub async fn ssh_create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let Ok(body) = serde_json::from_slice::<CreateBody>(&body) else {
        return Ok(HttpResponse::BadRequest().json(json!({
            "ssh_public_key": [Msg::new("bitu-api-error-required").to_string()]
        })));
    };
    let service = KeyService::new(&state.services, &state.settings.keys);
    let new = NewKey {
        text: &body.ssh_public_key,
        comment: body.comment.as_deref(),
        system: body.system.as_deref(),
        activate: body.active.unwrap_or(true),
    };
    Ok(match service.add(&user.actor(), &user.uid, new).await? {
        Ok(key) => HttpResponse::Created().json(key_json(&key)),
        Err(rejection) => {
            let field = match rejection.field {
                bitu_core::keys::Field::Key => "ssh_public_key",
                bitu_core::keys::Field::Comment => "comment",
                bitu_core::keys::Field::System => "system",
            };
            HttpResponse::BadRequest().json(json!({ field: [rejection.message.to_string()] }))
        }
    })
}

/// `DELETE /accounts/api/ssh/{id}`: removes a key from its system and from Bitu; 204.
pub async fn ssh_delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<u64>,
) -> Result<HttpResponse, WebError> {
    let service = KeyService::new(&state.services, &state.settings.keys);
    let actor = user.actor();
    let key = match service.get(&user.uid, *id).await {
        Ok(key) => key,
        Err(bitu_core::Error::NotFound(_)) => return Ok(not_found()),
        Err(e) => return Err(e.into()),
    };
    // The original deleted active keys outright; here a key leaves its system first.
    if key.active {
        service.suspend(&actor, &user.uid, key.id).await?;
    }
    match service.delete(&actor, &user.uid, key.id).await {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(bitu_core::Error::Invalid(message)) => Ok(detail(
            actix_web::http::StatusCode::CONFLICT,
            &message.to_string(),
        )),
        Err(e) => Err(e.into()),
    }
}
