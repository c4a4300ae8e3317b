//! `/wikimedia/2fa/{uid}`: an account manager turns off someone's two-factor sign-in (lost
//! phone and codes), with a required comment that goes into the audit row and the mail to
//! the account.

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::i18n::Msg;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::templates::{form_html, page_context};

/// The reset form.
#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    comment: String,
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    uid: &str,
    error: Option<&str>,
    done: bool,
) -> Result<HttpResponse, WebError> {
    let entry = super::entry(state, uid).await?;
    let status = state.twofactor().status(uid).await?;
    let mut context = page_context(
        req,
        state,
        Msg::new("bitu-2fa-reset-heading").arg(entry.uid()),
    );
    context.insert("uid", entry.uid());
    context.insert("cn", entry.cn());
    context.insert("enabled", &status.enabled);
    context.insert("error", &error);
    context.insert("done", &done);
    form_html(state, "twofactor/reset.html", &context, error.is_some())
}

/// `GET /wikimedia/2fa/{uid}`
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    uid: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    super::require_enabled(&state)?;
    render(&req, &state, &uid, None, false).await
}

/// `POST /wikimedia/2fa/{uid}`
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    manager: CurrentUser,
    uid: web::Path<String>,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, WebError> {
    super::require_enabled(&state)?;
    let comment = form.comment.trim();
    if comment.is_empty() || comment.chars().count() > 2000 {
        return render(
            &req,
            &state,
            &uid,
            Some("bitu-2fa-reset-comment-required"),
            false,
        )
        .await;
    }
    let entry = super::entry(&state, &uid).await?;
    let done = state
        .twofactor()
        .reset(&manager.actor(), &entry, comment)
        .await?;
    render(&req, &state, &uid, None, done).await
}
