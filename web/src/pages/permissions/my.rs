//! `/permissions/my/`: the groups I am in, the groups I may request, and my requests with
//! their state, when a grant ends, and cancel and renew buttons.

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::permissions::views;

use crate::app::AppState;
use crate::error::WebError;
use crate::templates::{form_html, page_context};
use bitu_core::i18n::Msg;

/// Renders the page, with `error` (and the comment that caused it) above the requests.
pub(super) async fn render(
    req: &HttpRequest,
    state: &AppState,
    error: Option<(u64, String, String)>,
) -> Result<HttpResponse, WebError> {
    let (uid, dn) = super::who(req)?;
    let facts = super::my_facts(state, &uid).await?;
    let mine = views::mine(
        &state.settings.permissions,
        &state.services.db,
        &state.services.directory,
        &facts,
    )
    .await?;
    let manager = state
        .authz
        .manages_any_group(&state.services.directory, &uid, &dn)
        .await?;
    let mut context = page_context(req, state, Msg::new("bitu-permissions-my-heading"));
    context.insert("mine", &mine);
    context.insert("manager", &manager);
    context.insert("error_id", &0u64);
    context.insert("comment", "");
    if let Some((id, message, comment)) = &error {
        context.insert("error_id", id);
        context.insert("error", message);
        context.insert("comment", comment);
    }
    form_html(state, "permissions/my.html", &context, error.is_some())
}

/// `GET /permissions/my/`
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, WebError> {
    render(&req, &state, None).await
}
