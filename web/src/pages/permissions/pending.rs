//! `/permissions/pending/`: the requests waiting for this manager (minus those they voted on),
//! with the requester's names, mail, linked global account, current groups, date and comment.

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::permissions::views;

use crate::app::AppState;
use crate::error::WebError;
use crate::templates::{html, page_context};
use bitu_core::i18n::Msg;

/// `GET /permissions/pending/`
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, WebError> {
    let manager = super::manager_facts(&state, &req).await?;
    let waiting = views::waiting_for(
        &state.settings.permissions,
        &state.services.db,
        &state.services.directory,
        &manager,
    )
    .await?;
    let groups: Vec<serde_json::Value> =
        views::managed_groups(&state.settings.permissions, &manager)
            .iter()
            .map(|g| {
                serde_json::json!({
                    "cn": views::group_cn(&g.group),
                    "system": g.url_system(),
                    "key": g.url_key(),
                })
            })
            .collect();
    let mut context = page_context(&req, &state, Msg::new("bitu-permissions-pending-heading"));
    context.insert("waiting", &waiting);
    context.insert("groups", &groups);
    html(&state, "permissions/pending.html", &context)
}
