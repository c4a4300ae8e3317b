//! Activation: the mailed link stores its token in the session and redirects (so the token
//! never leaks through a Referer), a page asks for one click, and only that POST activates —
//! mail scanners that open links activate nothing.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::signup::store::LinkProblem;

use crate::app::AppState;
use crate::auth::client_ip;
use crate::error::WebError;
use crate::templates::{html, html_status, page_context};
use bitu_core::i18n::Msg;

const SESSION_SIGNUP: &str = "activation_signup";
const SESSION_TOKEN: &str = "activation_token";

fn problem_page(
    req: &HttpRequest,
    state: &AppState,
    problem: LinkProblem,
) -> Result<HttpResponse, WebError> {
    let name = match problem {
        LinkProblem::Used => "used",
        LinkProblem::Expired => "expired",
        LinkProblem::Unknown => "unknown",
    };
    let mut context = page_context(req, state, Msg::new(format!("bitu-activate-{name}-title")));
    context.insert(
        "paragraphs",
        &[Msg::new(format!("bitu-activate-{name}-text"))],
    );
    context.insert("link_url", "/signup/");
    context.insert("link_text", &Msg::new("bitu-signup-title"));
    html_status(
        state,
        "message.html",
        &context,
        actix_web::http::StatusCode::BAD_REQUEST,
    )
}

fn insert_err(e: actix_session::SessionInsertError) -> WebError {
    WebError::Core(bitu_core::Error::Internal(e.to_string()))
}

/// `GET /signup/activate/{id}/{token}/`: remember the link, redirect to the confirmation.
pub async fn open_link(
    session: Session,
    path: web::Path<(u64, String)>,
) -> Result<HttpResponse, WebError> {
    let (id, token) = path.into_inner();
    session.insert(SESSION_SIGNUP, id).map_err(insert_err)?;
    session.insert(SESSION_TOKEN, token).map_err(insert_err)?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/signup/activate/"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .finish())
}

fn remembered(session: &Session) -> Option<(u64, String)> {
    let id = session.get::<u64>(SESSION_SIGNUP).ok().flatten()?;
    let token = session.get::<String>(SESSION_TOKEN).ok().flatten()?;
    Some((id, token))
}

/// `GET /signup/activate/`: the one-button confirmation page.
pub async fn confirm_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, WebError> {
    let Some((id, token)) = remembered(&session) else {
        return problem_page(&req, &state, LinkProblem::Unknown);
    };
    match state.signup_service().check_link(id, &token).await? {
        Ok(signup) => {
            let mut context = page_context(&req, &state, Msg::new("bitu-activate-heading"));
            context.insert("cn", &signup.cn);
            context.insert("uid", &signup.uid);
            html(&state, "signup/confirm.html", &context)
        }
        Err(problem) => problem_page(&req, &state, problem),
    }
}

/// `POST /signup/activate/`: activates and queues the account's creation.
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, WebError> {
    let Some((id, token)) = remembered(&session) else {
        return problem_page(&req, &state, LinkProblem::Unknown);
    };
    let client = client_ip(&req, &state.settings.web.trusted_proxies);
    match state.signup_service().activate(id, &token, client).await? {
        Ok(()) => {
            session.remove(SESSION_SIGNUP);
            session.remove(SESSION_TOKEN);
            let mut context = page_context(&req, &state, Msg::new("bitu-activate-done-title"));
            context.insert(
                "paragraphs",
                &[
                    Msg::new("bitu-activate-done-text"),
                    Msg::new("bitu-activate-done-signin"),
                ],
            );
            context.insert("link_url", "/login/");
            context.insert("link_text", &Msg::new("bitu-login-heading"));
            html(&state, "message.html", &context)
        }
        Err(problem) => problem_page(&req, &state, problem),
    }
}
