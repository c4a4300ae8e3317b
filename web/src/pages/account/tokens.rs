//! `/account/tokens/`: personal API tokens — create (shown once), list, revoke.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use bitu_core::account::tokens;
use serde::Deserialize;
use tracing::info;

use crate::app::AppState;
use crate::auth::{AuthMethod, CurrentUser};
use crate::error::WebError;
use crate::templates::{html, page_context};

/// The create form.
#[derive(Deserialize)]
pub struct CreateForm {
    name: String,
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    uid: &str,
    new_token: Option<(&str, &str)>,
    error: Option<String>,
) -> Result<HttpResponse, WebError> {
    let list = tokens::list(&state.services.db, uid).await?;
    let mut context = page_context(req, state, "API tokens");
    context.insert("tokens", &list);
    context.insert("new_token_name", &new_token.map(|(name, _)| name));
    context.insert("new_token", &new_token.map(|(_, value)| value));
    context.insert("error", &error);
    let mut response = html(state, "account/tokens.html", &context)?;
    // The page may hold a secret shown once: keep it out of caches.
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// Tokens manage tokens only from a browser session: a token cannot mint more tokens.
fn require_session(user: &CurrentUser) -> Result<(), WebError> {
    match user.method {
        AuthMethod::Session => Ok(()),
        AuthMethod::Token => Err(WebError::NotFound),
    }
}

/// `GET /account/tokens/`
#[get("/account/tokens/")]
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, WebError> {
    require_session(&user)?;
    render(&req, &state, &user.uid, None, None).await
}

/// `POST /account/tokens/`
#[post("/account/tokens/")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, WebError> {
    require_session(&user)?;
    match tokens::create(&state.services.db, &user.actor(), &user.uid, &form.name).await {
        Ok((token, value)) => {
            info!(uid = %user.uid, token_id = token.id, "API token created");
            render(&req, &state, &user.uid, Some((&token.name, &value)), None).await
        }
        Err(bitu_core::Error::Invalid(message)) => {
            render(&req, &state, &user.uid, None, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /account/tokens/{id}/revoke/`; another user's token id is 404.
#[post("/account/tokens/{id}/revoke/")]
pub async fn revoke(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<u64>,
) -> Result<HttpResponse, WebError> {
    require_session(&user)?;
    if !tokens::revoke(&state.services.db, &user.actor(), &user.uid, *id).await? {
        return Err(WebError::NotFound);
    }
    info!(uid = %user.uid, token_id = *id, "API token revoked");
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/account/tokens/"))
        .finish())
}
