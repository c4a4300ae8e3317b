//! `/permissions/log/{id}`: the history of one request, for its requester and the managers
//! of its group (403 for anyone else).

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::permissions::{store, views};

use crate::app::AppState;
use crate::error::WebError;
use crate::templates::{html, page_context};
use bitu_core::i18n::Msg;

/// `GET /permissions/log/{id}`
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<u64>,
) -> Result<HttpResponse, WebError> {
    let (uid, _) = super::who(&req)?;
    let mut conn = bitu_core::db::conn(&state.services.db).await?;
    let request = store::get(&mut conn, *id)
        .await?
        .ok_or(WebError::NotFound)?;
    let events = store::events(&mut conn, request.id).await?;
    drop(conn);
    let own = request.uid == uid;
    if !own {
        let manager = super::manager_facts(&state, &req).await?;
        if !views::manages(&state.settings.permissions, &manager, &request.group_dn) {
            return Err(super::forbidden(&req));
        }
    }
    let view = views::view(&state.settings.permissions, request);
    let title = Msg::new("bitu-permissions-request-title")
        .arg(view.request.id)
        .arg(&view.group_cn);
    let mut context = page_context(&req, &state, title);
    context.insert("request", &view);
    context.insert("events", &events);
    context.insert("own", &own);
    html(&state, "permissions/history.html", &context)
}
