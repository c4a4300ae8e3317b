//! `/password/reset/`: ask for a reset link by developer name or shell username (same answer,
//! same time, whether or not the account exists), open it, set a new password.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::account::password::{ChangeOutcome, reset_password};
use bitu_core::account::recovery;
use bitu_core::queue::{Job, PasswordResetMail};
use serde::Deserialize;

use super::anonymous_mail_request;
use crate::app::AppState;
use crate::auth::client_ip;
use crate::error::WebError;
use crate::templates::{html, html_status, page_context};
use bitu_core::i18n::Msg;

const SESSION_RESET: &str = "reset_link";

/// The request form.
#[derive(Deserialize)]
pub struct RequestForm {
    /// Developer name or shell username (the field keeps its first name).
    #[serde(default)]
    cn: String,
}

/// The new password form.
#[derive(Deserialize)]
pub struct SetForm {
    new_password: String,
    new_password_again: String,
}

/// `GET /password/reset/`
pub async fn request_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let mut context = page_context(&req, &state, Msg::new("bitu-reset-heading"));
    context.insert("sent", &false);
    html(&state, "account/reset_request.html", &context)
}

/// `POST /password/reset/`: queues the lookup and the mail; the answer never says whether
/// the account exists.
pub async fn request(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<RequestForm>,
) -> Result<HttpResponse, WebError> {
    let cn = form.cn.trim();
    let lang = crate::i18n::request_lang(&req).code().to_string();
    let job = (!cn.is_empty()).then(|| {
        Job::new(PasswordResetMail {
            cn: cn.to_string(),
            lang,
        })
    });
    anonymous_mail_request(
        &req,
        &state,
        job,
        "account/reset_request.html",
        Msg::new("bitu-reset-heading"),
    )
    .await
}

/// `GET /password/reset/{uid}/{expires}/{token}/`: keeps the link in the session and
/// redirects, so the token leaves the address bar (and every Referer).
pub async fn open_link(
    session: Session,
    path: web::Path<(String, i64, String)>,
) -> Result<HttpResponse, WebError> {
    session
        .insert(SESSION_RESET, path.into_inner())
        .map_err(|e| WebError::Core(bitu_core::Error::Internal(e.to_string())))?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/password/reset/set/"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .finish())
}

async fn linked_user(
    state: &AppState,
    session: &Session,
) -> Result<Option<bitu_core::directory::DirectoryUser>, WebError> {
    let Some((uid, expires, token)) = session
        .get::<(String, i64, String)>(SESSION_RESET)
        .ok()
        .flatten()
    else {
        return Ok(None);
    };
    Ok(recovery::check_reset_link(
        &state.services.directory,
        &state.settings,
        &bitu_core::clock::SystemClock,
        &uid,
        expires,
        &token,
    )
    .await?)
}

fn dead_link(req: &HttpRequest, state: &AppState) -> Result<HttpResponse, WebError> {
    let mut context = page_context(req, state, Msg::new("bitu-link-dead-title"));
    context.insert("paragraphs", &[Msg::new("bitu-reset-link-dead")]);
    context.insert("link_url", "/password/reset/");
    context.insert("link_text", &Msg::new("bitu-reset-link-dead-again"));
    html_status(
        state,
        "message.html",
        &context,
        actix_web::http::StatusCode::BAD_REQUEST,
    )
}

fn render_set(
    req: &HttpRequest,
    state: &AppState,
    user: &bitu_core::directory::DirectoryUser,
    errors: &[Msg],
) -> Result<HttpResponse, WebError> {
    let mut context = page_context(req, state, Msg::new("bitu-reset-set-heading"));
    context.insert("cn", user.cn());
    context.insert("uid", user.uid());
    context.insert(
        "errors",
        &crate::templates::errors_by_field(errors, crate::templates::password_field),
    );
    context.insert("min_length", &state.settings.password.min_length);
    html(state, "account/reset_set.html", &context)
}

/// `GET /password/reset/set/`
pub async fn set_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, WebError> {
    match linked_user(&state, &session).await? {
        Some(user) => render_set(&req, &state, &user, &[]),
        None => dead_link(&req, &state),
    }
}

/// `POST /password/reset/set/`: sets the password and ends every session of the account.
pub async fn set(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<SetForm>,
) -> Result<HttpResponse, WebError> {
    let Some(user) = linked_user(&state, &session).await? else {
        return dead_link(&req, &state);
    };
    let client = client_ip(&req, &state.settings.web.trusted_proxies);
    let outcome = reset_password(
        &state.services.db,
        &state.services.directory,
        &state.settings.password,
        &user,
        client,
        &form.new_password,
        &form.new_password_again,
    )
    .await?;
    if let ChangeOutcome::Refused(errors) = outcome {
        return render_set(&req, &state, &user, &errors);
    }
    state.sessions.end_sessions_of(user.uid(), None).await?;
    session.purge();
    let mut context = page_context(&req, &state, Msg::new("bitu-reset-done-title"));
    context.insert("paragraphs", &[Msg::new("bitu-reset-done-text")]);
    context.insert("link_url", "/login/");
    context.insert("link_text", &Msg::new("bitu-login-heading"));
    html(&state, "message.html", &context)
}
