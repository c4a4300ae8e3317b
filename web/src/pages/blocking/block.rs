//! `/wikimedia/block/{uid}`: the block form (the account, what the block reaches, a required
//! comment, mail and key options) and its submission.

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::blocking::{ActionKind, System, search};

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::templates::{form_html, page_context};
use bitu_core::i18n::Msg;

async fn render(
    req: &HttpRequest,
    state: &AppState,
    uid: &str,
    error: Option<String>,
) -> Result<HttpResponse, WebError> {
    let account = search::account(&state.services, &state.settings, uid)
        .await?
        .ok_or(WebError::NotFound)?;
    let systems: Vec<&str> = System::enabled(&state.settings)
        .into_iter()
        .map(System::as_str)
        .collect();
    let mut context = page_context(req, state, Msg::new("bitu-block-title"));
    context.insert("account", &account);
    context.insert("systems", &systems);
    context.insert("error", &error);
    form_html(state, "blocking/block.html", &context, error.is_some())
}

/// `GET /wikimedia/block/{uid}`
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    uid: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    render(&req, &state, &uid, None).await
}

/// `POST /wikimedia/block/{uid}`
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    uid: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    match super::submit(&state, &user, &uid, ActionKind::Block, &form).await? {
        Ok(done) => Ok(done),
        Err(message) => {
            let message = crate::i18n::text(&req, &message);
            render(&req, &state, &uid, Some(message)).await
        }
    }
}
