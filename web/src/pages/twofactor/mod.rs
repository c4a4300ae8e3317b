//! Two-factor sign-in (#18): the code step of the password sign-in, enrolment and the
//! recovery codes, disabling, an account manager's reset, and the check API. With
//! `[twofactor] enabled = false` every one of them answers 404.

pub mod api;
pub mod disable;
pub mod enrol;
pub mod reset;
pub mod signin;

use bitu_core::directory::DirectoryUser;

use crate::app::AppState;
use crate::error::WebError;

/// Refuses (404) when two-factor sign-in is turned off.
fn require_enabled(state: &AppState) -> Result<(), WebError> {
    if state.settings.twofactor.enabled {
        Ok(())
    } else {
        Err(WebError::NotFound)
    }
}

/// The directory entry of `uid` (404 when it is gone).
async fn entry(state: &AppState, uid: &str) -> Result<DirectoryUser, WebError> {
    state
        .services
        .directory
        .find_user_by_uid(uid)
        .await?
        .ok_or(WebError::NotFound)
}
