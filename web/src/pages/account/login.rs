//! `/login/`: sign in with developer name or shell username and password.

use std::time::Instant;

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::account::signin;
use serde::Deserialize;
use tracing::{info, warn};

use crate::app::AppState;
use crate::auth::{SESSION_CN, SESSION_SIGNED_IN_AT, SESSION_UID, client_ip, safe_next};
use crate::error::WebError;
use crate::templates::{html, page_context};

/// Where people land after signing in when `next` is absent or unsafe.
const DEFAULT_NEXT: &str = "/account/";
/// The one message for every failure, so it tells nothing about which part was wrong.
const FAILED: &str = "Wrong developer account name, username or password.";

/// Query of the sign-in page.
#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

/// The sign-in form.
#[derive(Deserialize)]
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
    name: &str,
    next: &str,
    error: Option<&str>,
) -> Result<HttpResponse, WebError> {
    let mut context = page_context(req, state, "Sign in");
    context.insert("name", name);
    context.insert("next", next);
    context.insert("error", &error);
    html(state, "account/login.html", &context)
}

/// `GET /login/`
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, WebError> {
    render(&req, &state, "", &query.next, None)
}

/// `POST /login/`
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, WebError> {
    let started = Instant::now();
    let limits = &state.settings.rate_limit;
    let ip = client_ip(&req, &state.settings.web.trusted_proxies)
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    let account = form.name.trim().to_lowercase();
    if state
        .rate_limiter
        .exceeded(
            "signin-ip",
            &ip,
            limits.signin_failures_per_ip,
            limits.window,
        )
        .await
        || state
            .rate_limiter
            .exceeded(
                "signin-account",
                &account,
                limits.signin_failures_per_account,
                limits.window,
            )
            .await
    {
        warn!(client_ip = %ip, "sign-in refused: too many failures");
        return Err(WebError::TooManyRequests);
    }

    match signin::authenticate(&state.services.directory, &form.name, &form.password).await? {
        Some(user) => {
            // A fresh session id at sign-in, so a planted one cannot be ridden.
            session.renew();
            let insert = |key: &str, value: &str| session.insert(key, value);
            insert(SESSION_UID, user.uid())
                .and_then(|()| insert(SESSION_CN, user.cn()))
                .and_then(|()| session.insert(SESSION_SIGNED_IN_AT, chrono::Utc::now().timestamp()))
                .map_err(|e| WebError::Core(bitu_core::Error::Internal(e.to_string())))?;
            info!(uid = user.uid(), client_ip = %ip, "signed in");
            let target = safe_next(&form.next).unwrap_or_else(|| DEFAULT_NEXT.to_string());
            Ok(HttpResponse::SeeOther()
                .insert_header(("Location", target))
                .finish())
        }
        None => {
            state
                .rate_limiter
                .record("signin-ip", &ip, limits.window)
                .await;
            state
                .rate_limiter
                .record("signin-account", &account, limits.window)
                .await;
            warn!(client_ip = %ip, "sign-in failed");
            // Same answer, same time, whether the account exists or not.
            super::answer_no_sooner_than(started, state.settings.account.anonymous_response_time)
                .await;
            let mut response = render(&req, &state, &form.name, &form.next, Some(FAILED))?;
            *response.status_mut() = actix_web::http::StatusCode::OK;
            Ok(response)
        }
    }
}
