//! The site navigation's role-dependent part: which links a signed-in person gets beyond their
//! own account, keys, group access and tokens (the same for everyone signed in). Two-factor
//! sign-in shows when `[twofactor]` is enabled. Account managers see blocking; managers of a requestable group see the requests waiting for them,
//! with their number. Worked out by the guard for each page request of a browser session; when
//! LDAP or MariaDB is away the links are left out rather than the page failing.

use actix_web::{HttpMessage, HttpRequest};
use bitu_core::authz::{Decision, Permission, Principal, Via};
use bitu_core::permissions::{facts_of, views};
use serde::Serialize;
use tracing::debug;

use crate::app::AppState;

/// What the navigation shows beyond everyone's links.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Nav {
    /// Account blocking (`/wikimedia/block/`): account managers.
    pub blocking: bool,
    /// Pending approvals (`/permissions/pending/`): managers of some requestable group.
    pub approvals: bool,
    /// How many requests wait for this manager's vote.
    pub pending: usize,
    /// Two-factor sign-in (`/account/2fa/`): when `[twofactor]` is enabled.
    pub twofactor: bool,
}

async fn allowed(state: &AppState, principal: &Principal, permission: Permission) -> bool {
    match state
        .authz
        .decide(&state.services.directory, principal, &permission)
        .await
    {
        Ok(decision) => decision == Decision::Allowed,
        Err(e) => {
            debug!(error = %e, ?permission, "navigation: role unknown, link left out");
            false
        }
    }
}

/// The navigation for `principal`: `None` unless a browser session's.
pub async fn for_principal(state: &AppState, principal: &Principal) -> Option<Nav> {
    let Principal::User {
        uid,
        via: Via::Session,
        ..
    } = principal
    else {
        return None;
    };
    let mut nav = Nav {
        blocking: allowed(state, principal, Permission::BlockAccounts).await,
        approvals: allowed(state, principal, Permission::ManageGroupRequests).await,
        pending: 0,
        twofactor: state.settings.twofactor.enabled,
    };
    if nav.approvals {
        let count = match facts_of(&state.services.directory, uid).await {
            Ok(Some(facts)) => {
                views::waiting_count(&state.settings.permissions, &state.services.db, &facts).await
            }
            Ok(None) => Ok(0),
            Err(e) => Err(e),
        };
        nav.pending = count.unwrap_or_else(|e| {
            debug!(error = %e, "navigation: pending requests not counted");
            0
        });
    }
    Some(nav)
}

/// Whether a request to `path` renders a page (and so needs the navigation).
pub fn is_page(path: &str) -> bool {
    !crate::auth::is_api_path(path)
        && !path.starts_with("/static/")
        && !matches!(path, "/healthz" | "/metrics" | "/favicon.ico")
}

/// The navigation the guard left on `req`, if any.
pub fn of(req: &HttpRequest) -> Option<Nav> {
    req.extensions().get::<Nav>().cloned()
}
