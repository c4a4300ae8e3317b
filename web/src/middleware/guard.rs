//! The one guard in front of every route: establishes who the request acts for (token, session
//! or nobody; locked accounts lose both), then lets it through only if the route's rule in
//! `routes` admits that principal. Handlers never check roles themselves.

use actix_session::SessionExt;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use bitu_core::authz::Decision;
use tracing::info;

use crate::app::AppState;
use crate::auth::{Refused, authenticate, is_api_path, sign_in_required, sign_in_required_to};
use crate::error::WebError;
use crate::resume;
use crate::routes::{Access, AccessTable};

/// The middleware; see the module documentation.
pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let (Some(state), Some(table)) = (
        req.app_data::<web::Data<AppState>>().cloned(),
        req.app_data::<web::Data<AccessTable>>().cloned(),
    ) else {
        let error = WebError::Core(bitu_core::Error::Internal("no state".into()));
        return Ok(req.error_response(error).map_into_right_body());
    };
    let principal = match authenticate(req.request(), &state).await {
        Ok(principal) => principal,
        Err(Refused::BadToken) => {
            info!(
                path = req.path(),
                "request refused: Authorization header does not authenticate"
            );
            return Ok(req
                .error_response(WebError::Unauthorized)
                .map_into_right_body());
        }
        Err(Refused::Failed(error)) => {
            return Ok(req.error_response(error).map_into_right_body());
        }
    };
    req.extensions_mut().insert(principal.clone());
    if crate::nav::is_page(req.path())
        && let Some(nav) = crate::nav::for_principal(&state, &principal).await
    {
        req.extensions_mut().insert(nav);
    }
    let access = req
        .match_pattern()
        .and_then(|pattern| table.get(req.method(), &pattern).cloned());
    let Some(Access::Require(permission)) = access else {
        // Public, or no route (the default service answers 404).
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let decision = state
        .authz
        .decide(&state.services.directory, &principal, &permission)
        .await;
    let refusal = match decision {
        Ok(Decision::Allowed) => return Ok(next.call(req).await?.map_into_left_body()),
        Ok(Decision::SignInRequired) if is_unsafe(req.method()) && !is_api_path(req.path()) => {
            let next = keep_form(&mut req, &table).await;
            sign_in_required_to(req.request(), next)
        }
        Ok(Decision::SignInRequired) => sign_in_required(req.request()),
        Ok(Decision::Forbidden) => {
            info!(
                path = req.path(),
                ?permission,
                "request refused: not permitted"
            );
            WebError::Forbidden {
                api: is_api_path(req.path()),
            }
        }
        Err(e) => WebError::Core(e),
    };
    Ok(req.error_response(refusal).map_into_right_body())
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the request carried a session cookie (so its session ended; a form sent with
/// none, e.g. by another site under SameSite=Lax, must not get a new session planted).
fn session_cookie_sent(req: &ServiceRequest) -> bool {
    req.app_data::<web::Data<AppState>>()
        .is_some_and(|state| req.cookie(&state.settings.session.cookie_name).is_some())
}

/// For a form sent without a live session: keeps its non-secret fields in the (new) session
/// and returns the page to come back to after signing in — the form's own page (its Referer),
/// else the same address when it has a page, else the account page.
async fn keep_form(req: &mut ServiceRequest, table: &AccessTable) -> String {
    let has_page = req
        .match_pattern()
        .is_some_and(|pattern| table.get(&Method::GET, &pattern).is_some());
    let fallback = if has_page { req.path() } else { "/account/" }.to_string();
    let path = resume::return_path(req.request(), &fallback);
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if is_form
        && resume::sent_from_here(req.request())
        && session_cookie_sent(req)
        && let Ok(body) = req.extract::<web::Bytes>().await
        && let Some(fields) = resume::non_secret_fields(&body)
    {
        resume::keep(&req.get_session(), &path, fields);
    }
    path
}
