//! `/keys/{id}/delete/`: a confirmation page, then the deletion of a suspended key.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::keys::KeyService;

use super::view::KeyView;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::templates::page_context;
use bitu_core::i18n::Msg;

async fn render(
    req: &HttpRequest,
    state: &AppState,
    uid: &str,
    id: u64,
    status: StatusCode,
    error: Option<&str>,
) -> Result<HttpResponse, WebError> {
    let service = KeyService::new(&state.services, &state.settings.keys);
    let key = service.get(uid, id).await?;
    let system = state.settings.keys.system(&key.key_system);
    let mut context = page_context(req, state, Msg::new("bitu-keys-delete-heading"));
    context.insert("key", &KeyView::from(&key));
    context.insert("system_name", &system.map(|s| s.display_name.as_str()));
    context.insert("error", &error);
    let body = state.templates.render("keys/delete.html", &context)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// `GET /keys/{id}/delete/`: asks for confirmation (or says to suspend the key first).
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<u64>,
) -> Result<HttpResponse, WebError> {
    render(&req, &state, &user.uid, *id, StatusCode::OK, None).await
}

/// `POST /keys/{id}/delete/`: deletes the key if it is suspended; 409 while it is active.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<u64>,
) -> Result<HttpResponse, WebError> {
    let service = KeyService::new(&state.services, &state.settings.keys);
    match service.delete(&user.actor(), &user.uid, *id).await {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header(("Location", "/keys/?done=deleted"))
            .finish()),
        Err(bitu_core::Error::Invalid(message)) => {
            render(
                &req,
                &state,
                &user.uid,
                *id,
                StatusCode::CONFLICT,
                Some(&crate::i18n::text(&req, &message)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
