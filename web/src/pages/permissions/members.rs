//! `/permissions/members/<system>/<key>`: who is in a group, for its managers (403 for
//! others): since and until when for grants made here, each with "revoke".

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::config::PermissionGroup;
use bitu_core::permissions::service::MAX_COMMENT;
use bitu_core::permissions::views;

use crate::app::AppState;
use crate::error::WebError;
use crate::templates::{form_html, page_context};
use bitu_core::i18n::Msg;

/// Renders the members of `group`, with `error` and the comment that caused it.
pub(super) async fn render(
    req: &HttpRequest,
    state: &AppState,
    group: &PermissionGroup,
    error: Option<(u64, &str, &str)>,
) -> Result<HttpResponse, WebError> {
    let manager = super::manager_facts(state, req).await?;
    if !views::manages(&state.settings.permissions, &manager, &group.group) {
        return Err(super::forbidden(req));
    }
    let members = views::members(
        &state.settings.permissions,
        &state.services.db,
        &state.services.directory,
        group,
    )
    .await?;
    let cn = views::group_cn(&group.group);
    let mut context = page_context(
        req,
        state,
        Msg::new("bitu-permissions-members-heading").arg(&cn),
    );
    context.insert("group_cn", &cn);
    context.insert("members", &members);
    context.insert("max_comment", &MAX_COMMENT);
    context.insert("error_id", &0u64);
    context.insert("comment", "");
    if let Some((id, message, comment)) = error {
        context.insert("error_id", &id);
        context.insert("error", message);
        context.insert("comment", comment);
    }
    form_html(state, "permissions/members.html", &context, error.is_some())
}

/// `GET /permissions/members/{system}/{key}`
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let group = super::group_at(&state, &path.0, &path.1)?;
    render(&req, &state, group, None).await
}
