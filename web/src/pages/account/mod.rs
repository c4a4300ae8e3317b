//! Sign-in and the signed-in user's own account: overview, attributes, password, API tokens.

pub mod api;
pub mod attribute;
pub mod email;
pub mod login;
pub mod logout;
pub mod overview;
pub mod password;
pub mod reset;
pub mod tokens;
pub mod username;

use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse};
use bitu_core::account::mail_request::{self, MailRequest};
use bitu_core::queue::{Job, Outbox};

use crate::app::AppState;
use crate::auth::client_ip;
use crate::error::WebError;
use crate::templates::{html, page_context};
use bitu_core::i18n::Msg;

/// Waits until `floor` has passed since `started`, so answers about unknown and known
/// accounts take the same time.
pub async fn answer_no_sooner_than(started: Instant, floor: Duration) {
    if let Some(rest) = floor.checked_sub(started.elapsed()) {
        tokio::time::sleep(rest).await;
    }
}

/// Answers a request that mails someone (reset link, forgotten names): rate limited per
/// client, the lookup and mail left to bitu-rq, and the same page after the same time
/// whether or not anyone gets mail.
pub async fn anonymous_mail_request(
    req: &HttpRequest,
    state: &AppState,
    job: Option<Job>,
    template: &str,
    title: Msg,
) -> Result<HttpResponse, WebError> {
    let started = Instant::now();
    let ip = client_ip(req, &state.settings.web.trusted_proxies)
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    let outbox = Outbox {
        db: &state.services.db,
        queue: &state.queue,
    };
    let limits = &state.settings.rate_limit;
    let outcome = mail_request::request(&state.rate_limiter, &outbox, limits, &ip, job).await?;
    if outcome == MailRequest::TooMany {
        return Err(WebError::TooManyRequests);
    }
    answer_no_sooner_than(started, state.settings.account.anonymous_response_time).await;
    let mut context = page_context(req, state, title);
    context.insert("sent", &true);
    html(state, template, &context)
}
