//! `/account/password/`: change the password (old one checked by bind); every other session
//! of the user ends.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::account::password::{ChangeOutcome, change_password};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::templates::{html, page_context};
use bitu_core::i18n::Msg;

/// The password change form.
#[derive(Deserialize)]
pub struct PasswordForm {
    old_password: String,
    new_password: String,
    new_password_again: String,
}

fn render(req: &HttpRequest, state: &AppState, errors: &[Msg]) -> Result<HttpResponse, WebError> {
    let mut context = page_context(req, state, Msg::new("bitu-password-heading"));
    context.insert(
        "errors",
        &crate::templates::errors_by_field(errors, crate::templates::password_field),
    );
    context.insert("min_length", &state.settings.password.min_length);
    html(state, "account/password.html", &context)
}

/// `GET /account/password/`
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    _user: CurrentUser,
) -> Result<HttpResponse, WebError> {
    render(&req, &state, &[])
}

/// `POST /account/password/`
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, WebError> {
    let directory = &state.services.directory;
    let entry = directory
        .find_user_by_uid(&user.uid)
        .await?
        .ok_or(WebError::NotFound)?;
    let outcome = change_password(
        &state.services.db,
        directory,
        &state.settings.password,
        &user.actor(),
        &entry,
        &form.old_password,
        &form.new_password,
        &form.new_password_again,
    )
    .await?;
    match outcome {
        ChangeOutcome::Refused(errors) => render(&req, &state, &errors),
        ChangeOutcome::Changed => {
            // End every session of the user, then give this one a new id to stay signed in.
            state.sessions.end_sessions_of(&user.uid, None).await?;
            session.renew();
            Ok(HttpResponse::SeeOther()
                .insert_header(("Location", "/account/?saved=password"))
                .finish())
        }
    }
}
