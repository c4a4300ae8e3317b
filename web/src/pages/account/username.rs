//! `/username/`: mails the developer names and shell usernames of every account with an
//! address; the same answer, in the same time, whether or not there is one.

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::queue::{Job, UsernameReminderMail};
use serde::Deserialize;

use super::anonymous_mail_request;
use crate::app::AppState;
use crate::error::WebError;
use crate::templates::{html, page_context};
use bitu_core::i18n::Msg;

/// The form.
#[derive(Deserialize)]
pub struct UsernameForm {
    #[serde(default)]
    email: String,
}

/// `GET /username/`
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, WebError> {
    let mut context = page_context(&req, &state, Msg::new("bitu-username-heading"));
    context.insert("sent", &false);
    html(&state, "account/username.html", &context)
}

/// `POST /username/`
pub async fn request(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<UsernameForm>,
) -> Result<HttpResponse, WebError> {
    let email = form.email.trim();
    let job = (!email.is_empty()).then(|| {
        Job::new(UsernameReminderMail {
            email: email.to_string(),
            lang: crate::i18n::request_lang(&req).code().to_string(),
        })
    });
    anonymous_mail_request(
        &req,
        &state,
        job,
        "account/username.html",
        Msg::new("bitu-username-heading"),
    )
    .await
}
