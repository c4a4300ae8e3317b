//! `/wikimedia/unblock/{uid}`: the unblock form (a required comment, restoring the suspended
//! SSH keys and the email address the last block removed, both on by default) and its
//! submission.

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::blocking::{ActionKind, search, store};

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
    // Offered only when the entry has no address now: a new one is not overwritten.
    let removed_mail = match account.mail {
        Some(_) => None,
        None => store::latest_mail_removal(&state.services.db, uid)
            .await?
            .and_then(|block| block.old_mail),
    };
    let mut context = page_context(req, state, Msg::new("bitu-unblock-title"));
    context.insert("account", &account);
    context.insert("removed_mail", &removed_mail);
    context.insert("error", &error);
    form_html(state, "blocking/unblock.html", &context, error.is_some())
}

/// `GET /wikimedia/unblock/{uid}`
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    uid: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    render(&req, &state, &uid, None).await
}

/// `POST /wikimedia/unblock/{uid}`
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    uid: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    match super::submit(&state, &user, &uid, ActionKind::Unblock, &form).await? {
        Ok(done) => Ok(done),
        Err(message) => {
            let message = crate::i18n::text(&req, &message);
            render(&req, &state, &uid, Some(message)).await
        }
    }
}
