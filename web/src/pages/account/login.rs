//! `/login/` (and `/accounts/login/`): sign in with developer name or shell username and
//! password, and the button to the identity provider when `[oidc]` is on.

use std::time::Instant;

use actix_session::{Session, SessionExt};
use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::account::signin::SigninOutcome;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::{client_ip, safe_next, start_session};
use crate::error::WebError;
use crate::resume;
use crate::templates::{html, page_context};
use bitu_core::i18n::Msg;

/// Where people land after signing in when `next` is absent or unsafe.
const DEFAULT_NEXT: &str = "/account/";
/// The one message for every failure, so it tells nothing about which part was wrong.
const FAILED: &str = "bitu-login-error-failed";

/// Query of the sign-in page.
#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
    /// Set when a page sent here because the visitor's session had ended.
    #[serde(default)]
    ended: Option<String>,
}

/// The sign-in form.
#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

fn render(
    req: &HttpRequest,
    state: &AppState,
    form: &LoginForm,
    session_ended: bool,
    error: Option<&str>,
) -> Result<HttpResponse, WebError> {
    let mut context = page_context(req, state, Msg::new("bitu-login-heading"));
    context.insert("name", &form.name);
    context.insert("next", &form.next);
    context.insert("error", &error);
    context.insert("session_ended", &session_ended);
    context.insert("form_kept", &resume::waiting(&req.get_session()));
    let oidc = &state.settings.oidc;
    context.insert("password_form", &oidc.password_form);
    if oidc.enabled {
        let next: String = url::form_urlencoded::byte_serialize(form.next.as_bytes()).collect();
        context.insert("oidc_url", &format!("/login/{}/?next={next}", oidc.backend));
        context.insert("oidc_name", &oidc.display_name);
    }
    html(state, "account/login.html", &context)
}

/// `GET /login/`
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, WebError> {
    let form = LoginForm {
        next: query.next.clone(),
        ..LoginForm::default()
    };
    render(&req, &state, &form, query.ended.is_some(), None)
}

/// `POST /login/`
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, WebError> {
    if !state.settings.oidc.password_form {
        // Turned off: people sign in at the identity provider only.
        return Err(WebError::NotFound);
    }
    let started = Instant::now();
    let ip = client_ip(&req, &state.settings.web.trusted_proxies)
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    let outcome = state
        .signin_service()
        .attempt(&form.name, &form.password, &ip)
        .await?;
    match outcome {
        SigninOutcome::Throttled => Err(WebError::TooManyRequests),
        SigninOutcome::SignedIn(user) => {
            let target = safe_next(&form.next).unwrap_or_else(|| DEFAULT_NEXT.to_string());
            if state.settings.twofactor.enabled && state.twofactor().is_enabled(&user.uid).await? {
                // The password was right; the session grants nothing until the code is.
                crate::pages::twofactor::signin::begin(&session, &user, &target)?;
                return Ok(HttpResponse::SeeOther()
                    .insert_header(("Location", "/login/2fa/"))
                    .finish());
            }
            start_session(&session, &user)?;
            Ok(HttpResponse::SeeOther()
                .insert_header(("Location", target))
                .finish())
        }
        SigninOutcome::Failed => {
            // Same answer, same time, whether the account exists or not.
            super::answer_no_sooner_than(started, state.settings.account.anonymous_response_time)
                .await;
            render(&req, &state, &form, false, Some(FAILED))
        }
    }
}
