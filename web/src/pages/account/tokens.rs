//! `/account/tokens/`: personal API tokens — create with scopes and a lifetime (shown once),
//! list, revoke. Only from a signed-in session (the route table's `ManageOwnAccount`).

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::account::tokens::{self, NewToken};
use bitu_core::authz::Scope;
use serde::Serialize;
use serde_json::json;
use tracing::info;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::templates::{html, page_context};
use bitu_core::i18n::Msg;

/// A token as listed.
#[derive(Serialize)]
struct Listed {
    #[serde(flatten)]
    token: tokens::ApiToken,
    expired: bool,
}

/// The create form: `name`, `scope` (repeated), `lifetime_days`.
fn new_token(fields: &[(String, String)]) -> Result<(String, Vec<Scope>, Option<u32>), Msg> {
    let value = |name: &str| {
        fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.trim())
    };
    let mut scopes = Vec::new();
    for (_, name) in fields.iter().filter(|(field, _)| field == "scope") {
        let scope = name
            .parse::<Scope>()
            .map_err(|_| Msg::new("bitu-tokens-error-scope-unknown").arg(name))?;
        scopes.push(scope);
    }
    let lifetime = match value("lifetime_days").filter(|v| !v.is_empty()) {
        Some(days) => Some(
            days.parse::<u32>()
                .map_err(|_| Msg::new("bitu-tokens-error-lifetime-number"))?,
        ),
        None => None,
    };
    Ok((
        value("name").unwrap_or_default().to_string(),
        scopes,
        lifetime,
    ))
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    uid: &str,
    new_token: Option<(&str, &str)>,
    error: Option<Msg>,
) -> Result<HttpResponse, WebError> {
    let list: Vec<Listed> = tokens::list(&state.services.db, uid)
        .await?
        .into_iter()
        .map(|token| Listed {
            expired: token.is_expired(),
            token,
        })
        .collect();
    let scopes: Vec<_> = Scope::ALL
        .iter()
        .map(|s| {
            json!({
                "name": s.as_str(),
                "description": format!("bitu-scope-{}", s.as_str().replace('_', "-")),
            })
        })
        .collect();
    let lifetimes = &state.settings.api_tokens;
    let mut context = page_context(req, state, Msg::new("bitu-tokens-heading"));
    context.insert("tokens", &list);
    context.insert("scopes", &scopes);
    context.insert(
        "default_days",
        &(lifetimes.default_lifetime.as_secs() / 86_400),
    );
    context.insert("max_days", &(lifetimes.max_lifetime.as_secs() / 86_400));
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

/// `GET /account/tokens/`
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, WebError> {
    render(&req, &state, &user.uid, None, None).await
}

/// `POST /account/tokens/`
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let (name, scopes, lifetime_days) = match new_token(&form) {
        Ok(parts) => parts,
        Err(message) => return render(&req, &state, &user.uid, None, Some(message)).await,
    };
    let new = NewToken {
        name: &name,
        scopes: &scopes,
        lifetime_days,
    };
    let settings = &state.settings.api_tokens;
    match tokens::create(&state.services.db, settings, &user.actor(), &user.uid, &new).await {
        Ok((token, value)) => {
            info!(uid = %user.uid, token_id = token.id, scopes = %token.scopes, "API token created");
            render(&req, &state, &user.uid, Some((&token.name, &value)), None).await
        }
        Err(bitu_core::Error::Invalid(message)) => {
            render(&req, &state, &user.uid, None, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /account/tokens/{id}/revoke/`; another user's token id is 404.
pub async fn revoke(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<u64>,
) -> Result<HttpResponse, WebError> {
    if !tokens::revoke(&state.services.db, &user.actor(), &user.uid, *id).await? {
        return Err(WebError::NotFound);
    }
    info!(uid = %user.uid, token_id = *id, "API token revoked");
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/account/tokens/"))
        .finish())
}
