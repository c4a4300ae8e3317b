//! `/api/keys`: the keys page as JSON for scripts, with a session (and the `X-CSRF-Token`
//! header on changes) or an API token. Refusals are `{"errors": {field: [message]}}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use bitu_core::keys::{Field, KeyService, NewKey, Rejection};
use serde::Deserialize;
use serde_json::{Value, json};

use super::view::{KeyView, SystemView};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;

/// Body of `POST /api/keys`.
#[derive(Deserialize)]
struct CreateBody {
    key: String,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    active: Option<bool>,
    #[serde(default)]
    system: Option<String>,
}

/// Body of `PUT /api/keys/{id}`.
#[derive(Deserialize)]
struct UpdateBody {
    state: String,
}

fn errors(status: StatusCode, field: &str, message: &str, private_key: bool) -> HttpResponse {
    let mut body = json!({ "errors": { field: [message] } });
    if private_key {
        body["private_key"] = Value::Bool(true);
    }
    HttpResponse::build(status).json(body)
}

fn field_name(field: Field) -> &'static str {
    match field {
        Field::Key => "key",
        Field::Comment => "comment",
        Field::System => "system",
    }
}

fn refused(rejection: &Rejection) -> HttpResponse {
    errors(
        StatusCode::BAD_REQUEST,
        field_name(rejection.field),
        &rejection.message.to_string(),
        rejection.private_key,
    )
}

/// Parses a JSON body; the refusal never quotes the body, which may hold a private key.
fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<T> {
    serde_json::from_slice(body).ok()
}

/// The answer to a body that is not the expected JSON object.
fn bad_body(shape: &str) -> HttpResponse {
    let message = bitu_core::i18n::Msg::new("bitu-api-error-body")
        .arg(shape)
        .to_string();
    errors(StatusCode::BAD_REQUEST, "body", &message, false)
}

/// A missing key, or another user's.
fn not_found() -> HttpResponse {
    HttpResponse::NotFound().json(
        json!({ "detail": bitu_core::i18n::Msg::new("bitu-api-error-not-found").to_string() }),
    )
}

/// Answers a missing key, or another user's, as 404 in JSON.
fn or_not_found<T>(
    result: bitu_core::Result<T>,
    ok: impl FnOnce(T) -> HttpResponse,
) -> Result<HttpResponse, WebError> {
    match result {
        Ok(value) => Ok(ok(value)),
        Err(bitu_core::Error::NotFound(_)) => Ok(not_found()),
        Err(e) => Err(e.into()),
    }
}

/// `GET /api/keys`: every system's keys, synchronised with the directory first.
pub async fn list(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, WebError> {
    let service = KeyService::new(&state.services, &state.settings.keys);
    let systems: Vec<SystemView> = service
        .list(&user.uid)
        .await?
        .iter()
        .map(SystemView::from)
        .collect();
    let names: Vec<Value> = systems
        .iter()
        .map(|s| json!({ "name": s.name, "display_name": s.display_name, "unreadable": s.unreadable }))
        .collect();
    let keys: Vec<&KeyView> = systems.iter().flat_map(|s| &s.keys).collect();
    let unmanaged: Vec<_> = systems.iter().flat_map(|s| &s.unmanaged).collect();
    Ok(HttpResponse::Ok().json(json!({
        "systems": names,
        "keys": keys,
        "unmanaged": unmanaged,
    })))
}

/// `POST /api/keys`: adds a key (activated unless `"active": false`); 201 with the key.
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let body: CreateBody = match parse_body(&body) {
        Some(body) => body,
        None => {
            return Ok(bad_body(
                r#"{"key": "...", "comment": "...", "active": true}"#,
            ));
        }
    };
    let service = KeyService::new(&state.services, &state.settings.keys);
    let new = NewKey {
        text: &body.key,
        comment: body.comment.as_deref(),
        system: body.system.as_deref(),
        activate: body.active.unwrap_or(true),
    };
    Ok(match service.add(&user.actor(), &user.uid, new).await? {
        Ok(key) => HttpResponse::Created().json(KeyView::from(&key)),
        Err(rejection) => refused(&rejection),
    })
}

/// `PUT /api/keys/{id}` with `{"state": "active"}` or `{"state": "suspended"}`.
pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<u64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let service = KeyService::new(&state.services, &state.settings.keys);
    // Ownership first, so another user's id is 404 whatever the body.
    match service.get(&user.uid, *id).await {
        Ok(_) => {}
        Err(bitu_core::Error::NotFound(_)) => return Ok(not_found()),
        Err(e) => return Err(e.into()),
    }
    let body: UpdateBody = match parse_body(&body) {
        Some(body) => body,
        None => return Ok(bad_body(r#"{"state": "active" or "suspended"}"#)),
    };
    let result = match body.state.as_str() {
        "active" => service.activate(&user.actor(), &user.uid, *id).await,
        "suspended" => service.suspend(&user.actor(), &user.uid, *id).await,
        _ => {
            let message = bitu_core::i18n::Msg::new("bitu-keys-error-state").to_string();
            return Ok(errors(StatusCode::BAD_REQUEST, "state", &message, false));
        }
    };
    or_not_found(result, |key| HttpResponse::Ok().json(KeyView::from(&key)))
}

/// `DELETE /api/keys/{id}`: 204; 409 while the key is active.
pub async fn remove(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<u64>,
) -> Result<HttpResponse, WebError> {
    let service = KeyService::new(&state.services, &state.settings.keys);
    match service.delete(&user.actor(), &user.uid, *id).await {
        Err(bitu_core::Error::Invalid(message)) => Ok(errors(
            StatusCode::CONFLICT,
            "state",
            &message.to_string(),
            false,
        )),
        result => or_not_found(result, |()| HttpResponse::NoContent().finish()),
    }
}
