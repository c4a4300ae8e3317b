//! `POST /keys/{id}/activate/` and `POST /keys/{id}/suspend/`; another user's key is 404.

use actix_web::{HttpResponse, web};
use bitu_core::keys::KeyService;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;

fn back_to_list(done: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", format!("/keys/?done={done}")))
        .finish()
}

/// Pushes the key to its system.
pub async fn activate(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<u64>,
) -> Result<HttpResponse, WebError> {
    let service = KeyService::new(&state.services, &state.settings.keys);
    service.activate(&user.actor(), &user.uid, *id).await?;
    Ok(back_to_list("activated"))
}

/// Removes the key from its system, keeping it in Bitu.
pub async fn suspend(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<u64>,
) -> Result<HttpResponse, WebError> {
    let service = KeyService::new(&state.services, &state.settings.keys);
    service.suspend(&user.actor(), &user.uid, *id).await?;
    Ok(back_to_list("suspended"))
}
