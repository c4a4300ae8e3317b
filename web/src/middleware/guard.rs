//! The one guard in front of every route: establishes who the request acts for (token, session
//! or nobody; locked accounts lose both), then lets it through only if the route's rule in
//! `routes` admits that principal. Handlers never check roles themselves.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use bitu_core::authz::Decision;
use tracing::info;

use crate::app::AppState;
use crate::auth::{Refused, authenticate, is_api_path, sign_in_required};
use crate::error::WebError;
use crate::routes::{Access, AccessTable};

/// The middleware; see the module documentation.
pub async fn guard(
    req: ServiceRequest,
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
