//! `/wikimedia/block/{uid}/log`: every block and unblock of one account with each system's
//! progress (pending, done, failed with its reason and next try), and "retry now".

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::blocking::{self, System, search, store};

use crate::app::AppState;
use crate::error::WebError;
use crate::templates::{html, page_context};
use bitu_core::i18n::Msg;

/// `GET /wikimedia/block/{uid}/log`
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    uid: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let account = search::account(&state.services, &state.settings, &uid)
        .await?
        .ok_or(WebError::NotFound)?;
    let actions = super::history(&state, &uid).await?;
    let mut context = page_context(&req, &state, Msg::new("bitu-block-log-title"));
    context.insert("account", &account);
    context.insert("actions", &actions);
    html(&state, "blocking/log.html", &context)
}

/// `POST /wikimedia/block/{uid}/retry/{id}/{system}`: runs a failed system again now.
pub async fn retry(
    state: web::Data<AppState>,
    path: web::Path<(String, u64, String)>,
) -> Result<HttpResponse, WebError> {
    let (uid, id, system) = path.into_inner();
    let system: System = system.parse().map_err(|_| WebError::NotFound)?;
    let action = match store::action(&state.services.db, id).await {
        Ok(action) if action.uid == uid => action,
        Ok(_) | Err(bitu_core::Error::NotFound(_)) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    };
    blocking::retry_now(&state.services, &state.queue, action.id, system).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", format!("/wikimedia/block/{uid}/log")))
        .finish())
}
