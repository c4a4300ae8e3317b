//! `GET /login/<backend>/`: sends the browser to the identity provider (sign-in) or to the
//! site whose account gets linked (signed-in sessions only), the flow stored first.

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::authz::{Principal, Via};
use serde::Deserialize;

use super::{Backend, backend, failure_page};
use crate::app::AppState;
use crate::auth::{principal, safe_next, sign_in_required};
use crate::error::WebError;

/// Query: where to return afterwards.
#[derive(Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    next: String,
}

/// Starts the flow of `backend`.
pub async fn begin(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    query: web::Query<StartQuery>,
) -> Result<HttpResponse, WebError> {
    let Some(backend) = backend(&state, &name) else {
        return Err(WebError::NotFound);
    };
    let started = match &backend {
        Backend::SignIn(provider) => {
            let next = safe_next(&query.next).unwrap_or_else(|| "/account/".into());
            provider.start(&state.services.db, &next).await
        }
        Backend::Link(consumer) => {
            let uid = match principal(&req) {
                Principal::User {
                    uid,
                    via: Via::Session,
                    ..
                } => uid,
                Principal::User { .. } => return Err(WebError::Forbidden { api: false }),
                Principal::Anonymous => return Err(sign_in_required(&req)),
            };
            let next = safe_next(&query.next).unwrap_or_else(|| "/account/".into());
            consumer.start(&state.services.db, &uid, &next).await
        }
    };
    match started {
        Ok(url) => Ok(HttpResponse::Found()
            .insert_header(("Location", url))
            .insert_header(("Cache-Control", "no-store"))
            .finish()),
        Err(e) => failure_page(&req, &state, e, matches!(backend, Backend::Link(_))),
    }
}
