//! `POST /signup/api/username/`: runs the sign-up validators on a username (and a shell
//! username, when given), without authentication. Striker's `check_username_create` relies on
//! the exact shape: 201 `{"username", "uid", "sanitized"}`, or 400 with an array of messages
//! per refused field.

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::i18n::{self, Msg};
use bitu_core::signup::names::{sanitize_cn, suggest_uid};
use bitu_core::signup::validate::Validator;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::app::AppState;
use crate::error::WebError;

/// DRF's message for a missing or empty field, which Striker shows as it is.
const REQUIRED: &str = "bitu-api-error-required";

/// The API's messages: English, whatever the request's language (Striker shows them as they
/// are, and its contract is this text).
fn english(messages: &[Msg]) -> Value {
    messages
        .iter()
        .map(|m| Value::String(i18n::text(i18n::DEFAULT_LANG, m)))
        .collect()
}

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    uid: Option<String>,
}

fn refused(errors: Map<String, Value>) -> HttpResponse {
    HttpResponse::BadRequest().json(Value::Object(errors))
}

/// `POST /signup/api/username/`
pub async fn check(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    super::rate_limit(&req, &state).await?;
    let Ok(body) = serde_json::from_slice::<Body>(&body) else {
        return Ok(refused(Map::from_iter([(
            "username".to_string(),
            english(&[Msg::new(REQUIRED)]),
        )])));
    };
    let username = body.username.unwrap_or_default();
    let mut errors = Map::new();
    if username.trim().is_empty() {
        errors.insert("username".into(), english(&[Msg::new(REQUIRED)]));
        return Ok(refused(errors));
    }
    let validator = Validator {
        settings: &state.settings,
        directory: &state.services.directory,
        db: &state.services.db,
        blocklist: &*state.blocklist,
    };
    let username_problems = validator.check_cn(&username).await?;
    if !username_problems.is_empty() {
        errors.insert("username".into(), english(&username_problems));
    }
    let uid = match body.uid {
        Some(uid) => {
            let uid_problems = validator.check_uid(&uid).await?;
            if !uid_problems.is_empty() {
                errors.insert("uid".into(), english(&uid_problems));
            }
            uid
        }
        None => suggest_uid(&username),
    };
    if !errors.is_empty() {
        return Ok(refused(errors));
    }
    Ok(HttpResponse::Created().json(json!({
        "username": username,
        "uid": uid,
        "sanitized": sanitize_cn(&state.settings.names, &username),
    })))
}
