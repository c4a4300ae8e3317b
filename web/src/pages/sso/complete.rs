//! `GET /complete/<backend>/`: the provider's callback. A sign-in starts a session for the
//! matched LDAP entry; a linking (in the session that started it) queues the LDAP write.
//! Every failure is a page saying what happened.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::account::signin::SignedIn;
use bitu_core::authz::{Principal, Via};
use bitu_core::sso::SsoError;
use bitu_core::sso::linking::Consumer;
use bitu_core::sso::links::{self, LinkOutcome};
use bitu_core::sso::oidc::{self, Callback, Provider};

use super::{Backend, SESSION_GROUPS, SESSION_VIA_OIDC, backend, failure_page, message};
use crate::app::AppState;
use crate::auth::{CurrentUser, principal, request_client, safe_next, start_session};
use crate::error::WebError;
use bitu_core::i18n::Msg;

/// Finishes the flow of `backend`.
pub async fn finish(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    name: web::Path<String>,
    query: web::Query<Callback>,
) -> Result<HttpResponse, WebError> {
    match backend(&state, &name) {
        None => Err(WebError::NotFound),
        Some(Backend::SignIn(provider)) => {
            match sign_in(&req, &state, &session, &provider, &query).await {
                Ok(response) => Ok(response),
                Err(e) => failure_page(&req, &state, e, false),
            }
        }
        Some(Backend::Link(consumer)) => {
            let uid = match principal(&req) {
                Principal::User {
                    uid,
                    via: Via::Session,
                    ..
                } => uid,
                Principal::User { .. } => return Err(WebError::Forbidden { api: false }),
                // Linking never signs anyone in: without the session that started it, refuse.
                Principal::Anonymous => {
                    return failure_page(&req, &state, SsoError::BadState, true);
                }
            };
            match link(&req, &state, &uid, &consumer, &query).await {
                Ok(response) => Ok(response),
                Err(e) => failure_page(&req, &state, e, true),
            }
        }
    }
}

async fn sign_in(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    provider: &Provider<'_>,
    callback: &Callback,
) -> Result<HttpResponse, SsoError> {
    let db = &state.services.db;
    let (claims, next) = provider.finish(db, callback).await?;
    let (uid, cn) = oidc::match_account(
        db,
        &state.services.directory,
        &state.settings.oidc,
        &state.settings.ldap.ppolicy_dn,
        &claims,
        request_client(req),
    )
    .await?;
    let user = SignedIn {
        uid,
        cn,
        at: chrono::Utc::now(),
    };
    let stored = start_session(session, &user).and_then(|()| {
        session
            .insert(SESSION_VIA_OIDC, true)
            .and_then(|()| match claims.groups() {
                Some(groups) => session.insert(SESSION_GROUPS, groups),
                None => Ok(()),
            })
            .map_err(|e| WebError::Core(bitu_core::Error::Internal(e.to_string())))
    });
    if let Err(e) = stored {
        return Err(SsoError::Core(bitu_core::Error::Internal(e.to_string())));
    }
    let target = safe_next(&next).unwrap_or_else(|| "/account/".into());
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", target))
        .finish())
}

async fn link(
    req: &HttpRequest,
    state: &AppState,
    uid: &str,
    consumer: &Consumer<'_>,
    callback: &Callback,
) -> Result<HttpResponse, SsoError> {
    let db = &state.services.db;
    let (account, next) = consumer.finish(db, uid, callback).await?;
    let actor = CurrentUser {
        uid: uid.to_string(),
        method: crate::auth::AuthMethod::Session,
        token_id: None,
        client: request_client(req),
        lang: crate::i18n::request_lang(req).code(),
    }
    .actor();
    let outcome = links::link(
        db,
        &state.queue,
        &state.services.directory,
        &actor,
        uid,
        consumer.system,
        &account,
    )
    .await?;
    if outcome == LinkOutcome::LinkedElsewhere {
        return message(
            req,
            state,
            StatusCode::CONFLICT,
            Msg::new("bitu-sso-linked-elsewhere-title"),
            &[Msg::new("bitu-sso-linked-elsewhere-text").arg(&account.name)],
            Some(("/account/", Msg::new("bitu-sso-back-account"))),
        )
        .map_err(|e| SsoError::Core(bitu_core::Error::Internal(e.to_string())));
    }
    let target = safe_next(&next).unwrap_or_else(|| "/account/".into());
    let sep = if target.contains('?') { '&' } else { '?' };
    Ok(HttpResponse::SeeOther()
        .insert_header((
            "Location",
            format!("{target}{sep}saved=linked-{}", consumer.system.as_str()),
        ))
        .finish())
}
