//! `/account/email/`: change the address. The new one gets a link that works only for the
//! same signed-in user, once, in time, and only while the address is unchanged; the old one
//! gets a notice once it is done.

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::account::email_change::{ConfirmOutcome, EmailChange, RequestOutcome};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::templates::{html, html_status, page_context};
use bitu_core::i18n::Msg;

/// The change form.
#[derive(Deserialize)]
pub struct EmailForm {
    email: String,
    email_again: String,
    /// Asked again, so a session left open cannot redirect the account's mail.
    #[serde(default)]
    current_password: String,
}

/// The link's values.
#[derive(Deserialize)]
pub struct LinkValues {
    mail: String,
    expires: i64,
    token: String,
}

fn service(state: &AppState) -> EmailChange<'_> {
    EmailChange {
        settings: &state.settings,
        services: &state.services,
        queue: &state.queue,
    }
}

async fn entry(
    state: &AppState,
    user: &CurrentUser,
) -> Result<bitu_core::directory::DirectoryUser, WebError> {
    state
        .services
        .directory
        .find_user_by_uid(&user.uid)
        .await?
        .ok_or(WebError::NotFound)
}

fn render(
    req: &HttpRequest,
    state: &AppState,
    current: &str,
    email: &str,
    errors: &[Msg],
    sent_to: Option<&str>,
) -> Result<HttpResponse, WebError> {
    let mut context = page_context(req, state, Msg::new("bitu-email-heading"));
    context.insert("current", current);
    context.insert("email", email);
    context.insert(
        "errors",
        &crate::templates::errors_by_field(errors, |key| match key {
            "bitu-email-error-mismatch" => "email2",
            "bitu-password-error-current" => "current_password",
            _ => "email",
        }),
    );
    context.insert("sent_to", &sent_to);
    html(state, "account/email.html", &context)
}

/// `GET /account/email/`
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, WebError> {
    let entry = entry(&state, &user).await?;
    render(
        &req,
        &state,
        entry.mail().unwrap_or_default(),
        "",
        &[],
        None,
    )
}

/// `POST /account/email/`: checks the address by the sign-up rules and mails the link.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    form: web::Form<EmailForm>,
) -> Result<HttpResponse, WebError> {
    let entry = entry(&state, &user).await?;
    let current = entry.mail().unwrap_or_default();
    // Wrong passwords here count with failed sign-ins: an open session is no guessing oracle.
    let limits = &state.settings.rate_limit;
    let (bucket, uid) = ("signin-account", entry.uid());
    if state
        .rate_limiter
        .exceeded(
            bucket,
            uid,
            limits.signin_failures_per_account,
            limits.window,
        )
        .await
    {
        return Err(WebError::TooManyRequests);
    }
    let outcome = service(&state)
        .request(
            &user.actor(),
            &entry,
            &form.email,
            &form.email_again,
            &form.current_password,
        )
        .await?;
    match outcome {
        RequestOutcome::Refused(errors) => {
            render(&req, &state, current, &form.email, &errors, None)
        }
        RequestOutcome::WrongPassword(message) => {
            state.rate_limiter.record(bucket, uid, limits.window).await;
            render(&req, &state, current, &form.email, &[message], None)
        }
        RequestOutcome::Sent(new_mail) => render(&req, &state, current, "", &[], Some(&new_mail)),
    }
}

fn dead_link(req: &HttpRequest, state: &AppState) -> Result<HttpResponse, WebError> {
    let mut context = page_context(req, state, Msg::new("bitu-link-dead-title"));
    context.insert("paragraphs", &[Msg::new("bitu-email-link-dead")]);
    context.insert("link_url", "/account/email/");
    context.insert("link_text", &Msg::new("bitu-email-link-dead-again"));
    html_status(
        state,
        "message.html",
        &context,
        actix_web::http::StatusCode::BAD_REQUEST,
    )
}

/// The signed-in user's entry, if the link is valid for it as it is now.
async fn linked_entry(
    state: &AppState,
    user: &CurrentUser,
    link: &LinkValues,
) -> Result<Option<bitu_core::directory::DirectoryUser>, WebError> {
    let entry = entry(state, user).await?;
    let valid = service(state).link_is_valid(&entry, &link.mail, link.expires, &link.token)?;
    Ok(valid.then_some(entry))
}

/// `GET /account/email/confirm/?mail=&expires=&token=`: one button to confirm.
pub async fn confirm_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    link: web::Query<LinkValues>,
) -> Result<HttpResponse, WebError> {
    let Some(entry) = linked_entry(&state, &user, &link).await? else {
        return dead_link(&req, &state);
    };
    let mut context = page_context(&req, &state, Msg::new("bitu-email-confirm-heading"));
    context.insert("new_mail", &link.mail);
    context.insert("current", entry.mail().unwrap_or_default());
    context.insert("expires", &link.expires);
    context.insert("token", &link.token);
    let mut response = html(&state, "account/email_confirm.html", &context)?;
    // Not no-referrer: Chromium then posts the button with `Origin: null`, which the CSRF
    // check refuses; same-origin still keeps the link's secret from every other site.
    response.headers_mut().insert(
        actix_web::http::header::REFERRER_POLICY,
        actix_web::http::header::HeaderValue::from_static("same-origin"),
    );
    Ok(response)
}

/// `POST /account/email/confirm/`: replaces the address and notifies the old one.
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    link: web::Form<LinkValues>,
) -> Result<HttpResponse, WebError> {
    let entry = entry(&state, &user).await?;
    let outcome = service(&state)
        .confirm(&user.actor(), &entry, &link.mail, link.expires, &link.token)
        .await?;
    match outcome {
        ConfirmOutcome::Changed => Ok(HttpResponse::SeeOther()
            .insert_header(("Location", "/account/?saved=mail"))
            .finish()),
        ConfirmOutcome::DeadLink => dead_link(&req, &state),
        ConfirmOutcome::Refused(message) => render(
            &req,
            &state,
            entry.mail().unwrap_or_default(),
            "",
            &[message],
            None,
        ),
    }
}
