//! `/permissions/approve/{id}`: one request for a manager of its group (403 for others):
//! who asks and why, its history, and the approve/reject form with a required comment.

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::permissions::service::MAX_COMMENT;
use bitu_core::permissions::{Facts, Request, State, Voted, store, views};

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::templates::{form_html, page_context};
use bitu_core::i18n::Msg;

/// The request `id` and the caller's facts, when they manage its group.
async fn managed(
    req: &HttpRequest,
    state: &AppState,
    id: u64,
) -> Result<(Request, Facts), WebError> {
    let mut conn = bitu_core::db::conn(&state.services.db).await?;
    let request = store::get(&mut conn, id).await?.ok_or(WebError::NotFound)?;
    drop(conn);
    let manager = super::manager_facts(state, req).await?;
    if !views::manages(&state.settings.permissions, &manager, &request.group_dn) {
        return Err(super::forbidden(req));
    }
    Ok((request, manager))
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    request: Request,
    error: Option<(&str, &str)>,
) -> Result<HttpResponse, WebError> {
    let mut conn = bitu_core::db::conn(&state.services.db).await?;
    let events = store::events(&mut conn, request.id).await?;
    drop(conn);
    let requester = views::person(&state.services.directory, &request.uid).await?;
    let pending = request.state == State::Pending;
    let view = views::view(&state.settings.permissions, request);
    let title = Msg::new("bitu-permissions-request-title")
        .arg(view.request.id)
        .arg(&view.group_cn);
    let mut context = page_context(req, state, title);
    context.insert("request", &view);
    context.insert("requester", &requester);
    context.insert("events", &events);
    context.insert("pending", &pending);
    context.insert("max_comment", &MAX_COMMENT);
    if let Some((message, comment)) = error {
        context.insert("error", message);
        context.insert("comment", comment);
    }
    form_html(state, "permissions/approve.html", &context, error.is_some())
}

/// `GET /permissions/approve/{id}`
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<u64>,
) -> Result<HttpResponse, WebError> {
    let (request, _) = managed(&req, &state, *id).await?;
    render(&req, &state, request, None).await
}

/// `POST /permissions/approve/{id}` (`decision` approve or reject, `comment`)
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<u64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let (request, manager) = managed(&req, &state, *id).await?;
    let comment = super::field(&form, "comment");
    let approve = match super::field(&form, "decision") {
        "approve" => true,
        "reject" => false,
        _ => {
            let message = crate::i18n::text(&req, &Msg::new("bitu-permissions-error-choose"));
            return render(&req, &state, request, Some((&message, comment))).await;
        }
    };
    let voted = super::service(&state)
        .vote_as(&user.actor(), &manager, *id, approve, comment)
        .await;
    let message = match voted {
        Ok(Voted::Counted(_) | Voted::Recorded) => {
            return Ok(super::see_other("/permissions/pending/"));
        }
        Ok(Voted::NotManager) => return Err(super::forbidden(&req)),
        Ok(Voted::AlreadyVoted) => Msg::new("bitu-permissions-error-already-voted"),
        Err(bitu_core::Error::Invalid(message)) => {
            Msg::new("bitu-permissions-error-not-accepted").arg(message)
        }
        Err(e) => return Err(e.into()),
    };
    let message = crate::i18n::text(&req, &message);
    render(&req, &state, request, Some((&message, comment))).await
}
