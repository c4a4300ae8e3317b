//! `/login/2fa/`: the second step of the password sign-in for accounts with two-factor
//! sign-in. The password step leaves only a pending mark in the session (no user: nothing is
//! granted), which expires after `[twofactor] pending_timeout`; a right code (or an unused
//! recovery code) starts the real session under a fresh id.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::account::signin::SignedIn;
use bitu_core::audit::Actor;
use bitu_core::i18n::Msg;
use bitu_core::twofactor::CodeCheck;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::{client_ip, start_session};
use crate::error::WebError;
use crate::templates::{form_html, page_context};

const PENDING_UID: &str = "twofactor_pending_uid";
const PENDING_CN: &str = "twofactor_pending_cn";
const PENDING_AT: &str = "twofactor_pending_at";
const PENDING_NEXT: &str = "twofactor_pending_next";

/// After a right password: remembers who is half signed in (under a fresh session id), and
/// where they go afterwards.
pub fn begin(session: &Session, user: &SignedIn, next: &str) -> Result<(), WebError> {
    session.clear();
    session.renew();
    session
        .insert(PENDING_UID, &user.uid)
        .and_then(|()| session.insert(PENDING_CN, &user.cn))
        .and_then(|()| session.insert(PENDING_AT, chrono::Utc::now().timestamp()))
        .and_then(|()| session.insert(PENDING_NEXT, next))
        .map_err(|e| WebError::Core(bitu_core::Error::Internal(e.to_string())))
}

fn forget(session: &Session) {
    for key in [PENDING_UID, PENDING_CN, PENDING_AT, PENDING_NEXT] {
        session.remove(key);
    }
}

/// The pending sign-in and its `next`, unless absent or expired (then it is forgotten).
fn pending(session: &Session, state: &AppState) -> Option<(SignedIn, String)> {
    let uid: String = session.get(PENDING_UID).ok().flatten()?;
    let cn: String = session.get(PENDING_CN).ok().flatten().unwrap_or_default();
    let at: i64 = session.get(PENDING_AT).ok().flatten()?;
    let next: String = session.get(PENDING_NEXT).ok().flatten().unwrap_or_default();
    let limit = i64::try_from(state.settings.twofactor.pending_timeout.as_secs()).unwrap_or(0);
    let now = chrono::Utc::now();
    if now.timestamp() - at > limit || at > now.timestamp() {
        forget(session);
        return None;
    }
    Some((SignedIn { uid, cn, at: now }, next))
}

/// Back to the password form, saying the session ended.
fn restart() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", "/login/?ended=1"))
        .finish()
}

/// The code form.
#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

fn render(req: &HttpRequest, state: &AppState, wrong: bool) -> Result<HttpResponse, WebError> {
    let mut context = page_context(req, state, Msg::new("bitu-2fa-signin-heading"));
    context.insert("wrong", &wrong);
    form_html(state, "twofactor/signin.html", &context, wrong)
}

/// `GET /login/2fa/`
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, WebError> {
    super::require_enabled(&state)?;
    if pending(&session, &state).is_none() {
        return Ok(restart());
    }
    render(&req, &state, false)
}

/// `POST /login/2fa/`
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, WebError> {
    super::require_enabled(&state)?;
    let Some((user, next)) = pending(&session, &state) else {
        return Ok(restart());
    };
    let entry = super::entry(&state, &user.uid).await?;
    let actor = Actor::session(
        &user.uid,
        client_ip(&req, &state.settings.web.trusted_proxies),
    );
    let outcome = state
        .twofactor()
        .verify(&actor, &entry, &form.code, "signin")
        .await?;
    match outcome {
        CodeCheck::Valid | CodeCheck::Recovery { .. } | CodeCheck::NotEnabled => {
            // NotEnabled: an account manager reset it meanwhile; the password was right.
            forget(&session);
            start_session(&session, &user)?;
            let target = crate::auth::safe_next(&next).unwrap_or_else(|| "/account/".into());
            Ok(HttpResponse::SeeOther()
                .insert_header(("Location", target))
                .finish())
        }
        CodeCheck::Wrong => render(&req, &state, true),
        CodeCheck::Throttled => Err(WebError::TooManyRequests),
    }
}
