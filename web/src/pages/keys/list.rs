//! `/keys/`: the user's keys per system, taken fresh from the directory, and the add form.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::keys::{Field, KeyService, NewKey, Rejection};
use serde::{Deserialize, Serialize};

use super::view::SystemView;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::templates::page_context;
use bitu_core::i18n::Msg;

/// The add form.
#[derive(Deserialize)]
pub struct AddForm {
    key: String,
    #[serde(default)]
    comment: String,
    /// `yes` (the default when absent) or `no`.
    #[serde(default)]
    activate: Option<String>,
    #[serde(default)]
    system: Option<String>,
}

/// Query: which notice to show after a change.
#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    done: Option<String>,
}

/// What the add form shows again after a refusal.
#[derive(Default, Serialize)]
pub struct FormEcho {
    key: String,
    comment: String,
    activate: bool,
    system: String,
    key_error: Option<String>,
    comment_error: Option<String>,
    system_error: Option<String>,
    /// Set when a private key was pasted (in either field).
    leak_warning: Option<String>,
}

impl FormEcho {
    fn refused(form: &AddForm, activate: bool, rejection: Rejection, lang: &str) -> FormEcho {
        let message = bitu_core::i18n::text(lang, &rejection.message);
        if rejection.private_key {
            // Nothing typed is shown back: the private key would sit in the page and caches.
            return FormEcho {
                activate,
                system: form.system.clone().unwrap_or_default(),
                leak_warning: Some(message),
                ..FormEcho::default()
            };
        }
        let mut echo = FormEcho {
            key: form.key.clone(),
            comment: form.comment.clone(),
            activate,
            system: form.system.clone().unwrap_or_default(),
            ..FormEcho::default()
        };
        match rejection.field {
            Field::Key => echo.key_error = Some(message),
            Field::Comment => echo.comment_error = Some(message),
            Field::System => echo.system_error = Some(message),
        }
        echo
    }
}

/// Whether a form or JSON value asks to activate; anything but an explicit no does.
pub fn wants_activation(value: Option<&str>) -> bool {
    !matches!(
        value.map(|v| v.trim().to_ascii_lowercase()).as_deref(),
        Some("no" | "false" | "0" | "off")
    )
}

/// The notice's message key (the template renders it in the reader's language).
fn notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "added" => "bitu-keys-notice-added",
        "added-suspended" => "bitu-keys-notice-added-suspended",
        "activated" => "bitu-keys-notice-activated",
        "suspended" => "bitu-keys-notice-suspended",
        "deleted" => "bitu-keys-notice-deleted",
        _ => return None,
    })
}

/// Renders the list; `echo` refills the add form after a refusal.
pub async fn render(
    req: &HttpRequest,
    state: &AppState,
    uid: &str,
    status: StatusCode,
    notice: Option<&str>,
    echo: Option<FormEcho>,
    error: Option<&str>,
) -> Result<HttpResponse, WebError> {
    let service = KeyService::new(&state.services, &state.settings.keys);
    let systems: Vec<SystemView> = service
        .list(uid)
        .await?
        .iter()
        .map(SystemView::from)
        .collect();
    let mut context = page_context(req, state, Msg::new("bitu-keys-heading"));
    context.insert("systems", &systems);
    context.insert("notice", &notice);
    context.insert("error", &error);
    context.insert(
        "form",
        &echo.unwrap_or_else(|| FormEcho {
            activate: true,
            ..FormEcho::default()
        }),
    );
    let body = state.templates.render("keys/list.html", &context)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}

/// `GET /keys/`
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, WebError> {
    let notice = query.done.as_deref().and_then(notice);
    render(&req, &state, &user.uid, StatusCode::OK, notice, None, None).await
}

/// `POST /keys/`: adds a key; a refusal shows the form again with its message.
pub async fn add(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    form: web::Form<AddForm>,
) -> Result<HttpResponse, WebError> {
    let activate = wants_activation(form.activate.as_deref());
    let service = KeyService::new(&state.services, &state.settings.keys);
    let new = NewKey {
        text: &form.key,
        comment: Some(&form.comment),
        system: form.system.as_deref().filter(|s| !s.is_empty()),
        activate,
    };
    match service.add(&user.actor(), &user.uid, new).await? {
        Ok(key) => {
            let done = if key.active {
                "added"
            } else {
                "added-suspended"
            };
            Ok(HttpResponse::SeeOther()
                .insert_header(("Location", format!("/keys/?done={done}")))
                .finish())
        }
        Err(rejection) => {
            let lang = crate::i18n::request_lang(&req).code();
            let echo = FormEcho::refused(&form, activate, rejection, lang);
            let status = StatusCode::BAD_REQUEST;
            render(&req, &state, &user.uid, status, None, Some(echo), None).await
        }
    }
}
