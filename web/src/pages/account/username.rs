//! `/username/`: mails the developer names and shell usernames of every account with an
//! address; the same answer, in the same time, whether or not there is one.

use std::time::Instant;

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use bitu_core::queue::{Job, UsernameReminderMail, outbox};
use serde::Deserialize;

use super::answer_no_sooner_than;
use crate::app::AppState;
use crate::auth::client_ip;
use crate::error::WebError;
use crate::templates::{html, page_context};

/// The form.
#[derive(Deserialize)]
pub struct UsernameForm {
    #[serde(default)]
    email: String,
}

/// `GET /username/`
#[get("/username/")]
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, WebError> {
    let mut context = page_context(&req, &state, "Forgot your username?");
    context.insert("sent", &false);
    html(&state, "account/username.html", &context)
}

/// `POST /username/`
#[post("/username/")]
pub async fn request(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<UsernameForm>,
) -> Result<HttpResponse, WebError> {
    let started = Instant::now();
    let ip = client_ip(&req, &state.settings.web.trusted_proxies)
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    let limits = &state.settings.rate_limit;
    if state
        .rate_limiter
        .hit(
            "mail-request-ip",
            &ip,
            limits.mail_requests_per_ip,
            limits.window,
        )
        .await
    {
        return Err(WebError::TooManyRequests);
    }
    if !form.email.trim().is_empty() {
        let job = Job::UsernameReminderMail(UsernameReminderMail {
            email: form.email.trim().to_string(),
        });
        outbox::submit(&state.services.db, &state.queue, job).await?;
    }
    answer_no_sooner_than(started, state.settings.account.anonymous_response_time).await;
    let mut context = page_context(&req, &state, "Forgot your username?");
    context.insert("sent", &true);
    html(&state, "account/username.html", &context)
}
