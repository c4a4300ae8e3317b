//! Group access requests (the original's `/permissions/...` paths): one's own groups and
//! requests, requesting, cancelling and renewing; the managers' pending list, decisions, log,
//! members and revocation; the JSON API. Handlers are thin over `bitu_core::permissions`.

pub mod api;
pub mod approve;
pub mod cancel;
pub mod history;
pub mod log;
pub mod members;
pub mod my;
pub mod overview;
pub mod pending;
pub mod renew;
pub mod request;
pub mod revoke;

use actix_web::HttpRequest;
use bitu_core::authz::Principal;
use bitu_core::clock::SystemClock;
use bitu_core::config::PermissionGroup;
use bitu_core::directory::{Directory, Entry};
use bitu_core::permissions::{AccessRequests, Facts, facts_of};

use crate::app::AppState;
use crate::auth::is_api_path;
use crate::error::WebError;

/// The request workflow over this state.
fn service(state: &AppState) -> AccessRequests<'_, Directory> {
    AccessRequests {
        settings: &state.settings.permissions,
        db: &state.services.db,
        directory: &state.services.directory,
        clock: &SystemClock,
    }
}

/// The (uid, DN) the guard established.
fn who(req: &HttpRequest) -> Result<(String, String), WebError> {
    match crate::auth::principal(req) {
        Principal::User { uid, dn, .. } => Ok((uid, dn)),
        Principal::Anonymous => Err(crate::auth::sign_in_required(req)),
    }
}

/// The refusal for a caller who manages some group, but not this one.
fn forbidden(req: &HttpRequest) -> WebError {
    WebError::Forbidden {
        api: is_api_path(req.path()),
    }
}

/// What rules know of the caller, from LDAP.
async fn my_facts(state: &AppState, uid: &str) -> Result<Facts, WebError> {
    facts_of(&state.services.directory, uid)
        .await?
        .ok_or(WebError::NotFound)
}

/// What rules need to know of a manager: from LDAP, or while LDAP is away, the groups the
/// guard's short cache knows them in (enough to count a vote; the outcome waits for LDAP).
async fn manager_facts(state: &AppState, req: &HttpRequest) -> Result<Facts, WebError> {
    let (uid, dn) = who(req)?;
    match facts_of(&state.services.directory, &uid).await {
        Ok(Some(facts)) => Ok(facts),
        Ok(None) => Err(WebError::NotFound),
        Err(e) if e.is_unavailable() => {
            let named = state
                .settings
                .permissions
                .groups
                .iter()
                .flat_map(|g| g.rules.iter())
                .flat_map(|r| r.managers.iter())
                .filter(|m| m.contains('='));
            let mut groups = Vec::new();
            for group_dn in named {
                if state
                    .authz
                    .in_group(&state.services.directory, group_dn, &uid, &dn)
                    .await?
                {
                    groups.push(group_dn.clone());
                }
            }
            Ok(Facts::new(&uid, Entry::new(&dn, []), groups))
        }
        Err(e) => Err(e.into()),
    }
}

/// The configured group at `/permissions/.../<system>/<key>`, or 404.
fn group_at<'a>(
    state: &'a AppState,
    system: &str,
    key: &str,
) -> Result<&'a PermissionGroup, WebError> {
    state
        .settings
        .permissions
        .group_by_key(system, key)
        .ok_or(WebError::NotFound)
}

/// A form field's value.
fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(field, _)| field == name)
        .map_or("", |(_, value)| value.as_str())
}

/// A 303 to `location`.
fn see_other(location: &str) -> actix_web::HttpResponse {
    actix_web::HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}
