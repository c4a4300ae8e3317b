//! `/signup/`: the sign-up form, its submission, and the "check your email" page.

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::audit::Actor;
use bitu_core::signup::admission::Admission;
use bitu_core::signup::service::SubmitOutcome;
use bitu_core::signup::validate::{FieldErrors, SignupRequest};
use serde::Deserialize;
use tracing::warn;

use crate::app::AppState;
use crate::auth::client_ip;
use crate::error::WebError;
use crate::templates::{html, page_context};
use bitu_core::i18n::Msg;

/// The submitted form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignupForm {
    cn: String,
    uid: String,
    email: String,
    password: String,
    password_again: String,
    captcha_id: String,
    captcha: String,
    /// Set by the "New image" button: show the form again with a new captcha, no checks.
    new_captcha: String,
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    form: &SignupForm,
    errors: &FieldErrors,
    form_error: Option<&str>,
) -> Result<HttpResponse, WebError> {
    if !state.settings.signup.enabled {
        return html(
            state,
            "signup/disabled.html",
            &page_context(req, state, Msg::new("bitu-signup-title")),
        );
    }
    let captcha_id = super::captcha::issue(req, state).await?;
    let mut context = page_context(req, state, Msg::new("bitu-signup-title"));
    let info = &state.settings.signup.info_html;
    context.insert("info_html", info);
    context.insert("info_is_message", &bitu_core::i18n::is_message(info));
    context.insert("cn", &form.cn);
    context.insert("uid", &form.uid);
    context.insert("email", &form.email);
    context.insert("captcha_id", &captcha_id);
    if state.settings.signup.reveal_captcha_answer_for_tests {
        // Tests only (check-config refuses it on a real site): lets a browser test solve it.
        let answer =
            bitu_core::signup::captcha::answer_for_tests(&state.services.db, &captcha_id).await?;
        context.insert("captcha_answer", &answer);
    }
    // Rendered here: the template shows each as it is.
    let errors: std::collections::BTreeMap<&String, Vec<String>> = errors
        .0
        .iter()
        .map(|(field, messages)| {
            let texts = messages.iter().map(|m| crate::i18n::text(req, m));
            (field, texts.collect())
        })
        .collect();
    context.insert("errors", &errors);
    context.insert("form_error", &form_error);
    context.insert("min_length", &state.settings.password.min_length);
    html(state, "signup/form.html", &context)
}

/// `GET /signup/`
pub async fn show(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, WebError> {
    render(
        &req,
        &state,
        &SignupForm::default(),
        &FieldErrors::default(),
        None,
    )
    .await
}

/// `POST /signup/`
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<SignupForm>,
) -> Result<HttpResponse, WebError> {
    if !state.settings.signup.enabled || !form.new_captcha.is_empty() {
        return render(&req, &state, &form, &FieldErrors::default(), None).await;
    }
    let client = client_ip(&req, &state.settings.web.trusted_proxies);
    match state.signup_gate().admit(client).await? {
        Admission::Open => {}
        Admission::TooManyAttempts => return Err(WebError::TooManyRequests),
        Admission::Blocked(reason) => {
            let reason = crate::i18n::text(&req, &reason);
            let mut response =
                render(&req, &state, &form, &FieldErrors::default(), Some(&reason)).await?;
            *response.status_mut() = actix_web::http::StatusCode::FORBIDDEN;
            return Ok(response);
        }
    }
    let request = SignupRequest {
        cn: form.cn.clone(),
        uid: form.uid.clone(),
        email: form.email.clone(),
        password: form.password.clone(),
        password_again: form.password_again.clone(),
    };
    match state
        .signup_service()
        .submit(
            &Actor::anonymous(client).in_lang(crate::i18n::request_lang(&req).code()),
            &request,
            &form.captcha_id,
            &form.captcha,
        )
        .await
    {
        Ok(SubmitOutcome::Stored(_)) => Ok(HttpResponse::SeeOther()
            .insert_header(("Location", "/signup/done/"))
            .finish()),
        Ok(SubmitOutcome::Invalid(errors)) => {
            let mut response = render(&req, &state, &form, &errors, None).await?;
            *response.status_mut() = actix_web::http::StatusCode::BAD_REQUEST;
            Ok(response)
        }
        Err(e) if e.is_unavailable() => {
            warn!(error = %e, "sign-up could not be checked");
            let message = crate::i18n::text(
                &req,
                &bitu_core::i18n::Msg::new("bitu-signup-error-unavailable"),
            );
            let mut response = render(&req, &state, &form, &FieldErrors::default(), Some(&message))
                .await
                .unwrap_or_else(|_| HttpResponse::ServiceUnavailable().body(message));
            *response.status_mut() = actix_web::http::StatusCode::SERVICE_UNAVAILABLE;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /signup/done/`
pub async fn done(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, WebError> {
    let mut context = page_context(&req, &state, Msg::new("bitu-signup-done-title"));
    context.insert(
        "paragraphs",
        &[
            Msg::new("bitu-signup-done-sent"),
            Msg::new("bitu-signup-done-spam"),
        ],
    );
    html(&state, "message.html", &context)
}
