//! `/account/2fa/`: turning two-factor sign-in on. The page shows a new secret as a QR code
//! (SVG, drawn here) and in groups of four; one right code enables it and shows the ten
//! recovery codes once (with a text download). When on, the page offers turning it off.

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::i18n::Msg;
use bitu_core::twofactor::ConfirmOutcome;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::templates::{form_html, page_context};

/// The confirmation form.
#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    code: String,
}

/// Query of the page.
#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// The page as it stands for `uid`: enrolment (with `wrong` after a bad code) or, when on,
/// the disable form (with `error`).
pub(super) async fn render(
    req: &HttpRequest,
    state: &AppState,
    uid: &str,
    wrong: bool,
    notice: Option<&str>,
) -> Result<HttpResponse, WebError> {
    let service = state.twofactor();
    let status = service.status(uid).await?;
    let mut context = page_context(req, state, Msg::new("bitu-2fa-heading"));
    context.insert("wrong", &wrong);
    context.insert("notice", &notice);
    context.insert("enabled", &status.enabled);
    context.insert("codes_left", &status.codes_left);
    if !status.enabled {
        let enrolment = service.begin(uid).await?;
        context.insert("qr_svg", &enrolment.qr_svg);
        context.insert("secret", &enrolment.grouped_secret);
        context.insert("uri", &enrolment.uri);
    }
    form_html(state, "twofactor/enrol.html", &context, wrong)
}

/// `GET /account/2fa/`
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, WebError> {
    super::require_enabled(&state)?;
    let notice = match query.saved.as_deref() {
        Some("disabled") => Some("bitu-2fa-disabled-notice"),
        _ => None,
    };
    render(&req, &state, &user.uid, false, notice).await
}

/// `POST /account/2fa/`: the first code.
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    form: web::Form<ConfirmForm>,
) -> Result<HttpResponse, WebError> {
    super::require_enabled(&state)?;
    let entry = super::entry(&state, &user.uid).await?;
    let outcome = state
        .twofactor()
        .confirm(&user.actor(), &entry, &form.code)
        .await?;
    match outcome {
        ConfirmOutcome::Enabled(codes) => {
            let mut context = page_context(&req, &state, Msg::new("bitu-2fa-codes-heading"));
            // The download: the codes as text in a data: link (they are stored only hashed).
            let download = format!("data:text/plain;charset=utf-8,{}%0A", codes.join("%0A"));
            context.insert("codes", &codes);
            context.insert("download", &download);
            crate::templates::html(&state, "twofactor/codes.html", &context)
        }
        ConfirmOutcome::Wrong => render(&req, &state, &user.uid, true, None).await,
        ConfirmOutcome::Throttled => Err(WebError::TooManyRequests),
        ConfirmOutcome::NotWaiting => Ok(HttpResponse::SeeOther()
            .insert_header(("Location", "/account/2fa/"))
            .finish()),
    }
}
