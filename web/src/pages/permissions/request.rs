//! `/permissions/request/<system>/<key>`: asking for a group with a required comment. An
//! unconfigured group (or one hidden by `prevalidate`) is 404; a second pending request is
//! refused; a group one is in says "already a member".

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::config::PermissionGroup;
use bitu_core::permissions::service::MAX_COMMENT;
use bitu_core::permissions::{Created, Facts, rules};

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::templates::{form_html, page_context};
use bitu_core::i18n::Msg;

async fn render(
    req: &HttpRequest,
    state: &AppState,
    group: &PermissionGroup,
    facts: &Facts,
    error: Option<(&str, &str)>,
) -> Result<HttpResponse, WebError> {
    let cn = bitu_core::permissions::views::group_cn(&group.group);
    let mut context = page_context(
        req,
        state,
        Msg::new("bitu-permissions-request-heading").arg(&cn),
    );
    context.insert("group_cn", &cn);
    context.insert("system", group.url_system());
    context.insert("key", &group.url_key());
    context.insert("member", &facts.in_group(&group.group));
    context.insert("max_comment", &MAX_COMMENT);
    if let Some((message, comment)) = error {
        context.insert("error", message);
        context.insert("comment", comment);
    }
    form_html(state, "permissions/request.html", &context, error.is_some())
}

/// The group at the path, offered to the caller; 404 otherwise.
async fn offered<'a>(
    state: &'a AppState,
    uid: &str,
    path: &(String, String),
) -> Result<(&'a PermissionGroup, Facts), WebError> {
    let group = super::group_at(state, &path.0, &path.1)?;
    let facts = super::my_facts(state, uid).await?;
    if !rules::offered(group, &facts) {
        return Err(WebError::NotFound);
    }
    Ok((group, facts))
}

/// `GET /permissions/request/{system}/{key}`
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (group, facts) = offered(&state, &user.uid, &path).await?;
    render(&req, &state, group, &facts, None).await
}

/// `POST /permissions/request/{system}/{key}`
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let (group, facts) = offered(&state, &user.uid, &path).await?;
    let comment = super::field(&form, "comment");
    let created = super::service(&state)
        .create(&user.actor(), &user.uid, group, comment, None)
        .await;
    match created {
        Ok(Created::Stored(id, _)) => Ok(super::see_other(&format!("/permissions/log/{id}"))),
        Ok(Created::AlreadyPending) => {
            let message =
                crate::i18n::text(&req, &Msg::new("bitu-permissions-error-already-pending"));
            render(&req, &state, group, &facts, Some((&message, comment))).await
        }
        Err(bitu_core::Error::Invalid(message)) => {
            let message = crate::i18n::text(
                &req,
                &Msg::new("bitu-permissions-error-reason").arg(message),
            );
            render(&req, &state, group, &facts, Some((&message, comment))).await
        }
        Err(e) => Err(e.into()),
    }
}
