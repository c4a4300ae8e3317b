//! `POST /permissions/cancel/{id}`: the requester withdraws their own pending request.

use actix_web::{HttpResponse, web};

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;

/// `POST /permissions/cancel/{id}`
pub async fn submit(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<u64>,
) -> Result<HttpResponse, WebError> {
    // Someone else's request, or one no longer pending, is not there for this caller.
    if !super::service(&state)
        .cancel(&user.actor(), &user.uid, *id)
        .await?
    {
        return Err(WebError::NotFound);
    }
    Ok(super::see_other("/permissions/my/"))
}
