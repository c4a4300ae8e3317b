//! Account blocking for account managers (search, block, unblock, the per-account log with
//! "retry now"), the public ban log, and the block API. Paths keep the original's
//! `/wikimedia/...` shape.

pub mod account_log;
pub mod api;
pub mod block;
pub mod public_log;
pub mod search;
pub mod unblock;

use actix_web::HttpResponse;
use bitu_core::blocking::{self, ActionKind, BlockRequest};

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;

/// Every block and unblock of `uid`, newest first, each with its systems and progress: what the
/// managers' log page and the block API both show.
async fn history(state: &AppState, uid: &str) -> Result<Vec<serde_json::Value>, WebError> {
    Ok(blocking::store::history(&state.services.db, uid)
        .await?
        .into_iter()
        .map(|(action, systems)| {
            serde_json::json!({
                "progress": blocking::progress(&systems),
                "old_mail": action.old_mail,
                "action": action,
                "systems": systems,
            })
        })
        .collect())
}

/// What this host caches of `uid`'s account follows a block or unblock at once: a block ends
/// its sessions and tokens here now; other hosts notice within `[authz] account_state_ttl`
/// of bitu-rq locking the entry.
fn took_effect(state: &AppState, uid: &str, action: ActionKind) {
    match action {
        ActionKind::Block => state.authz.note_blocked(uid),
        ActionKind::Unblock => state.authz.forget_account(uid),
    }
}

/// A checkbox field is on.
fn checked(fields: &[(String, String)], name: &str) -> bool {
    fields
        .iter()
        .any(|(field, value)| field == name && !value.is_empty())
}

/// A text field's value.
fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(field, _)| field == name)
        .map_or("", |(_, value)| value.as_str())
}

/// Stores a block or unblock from a page's form; `Err(message)` for a refused form.
async fn submit(
    state: &AppState,
    user: &CurrentUser,
    uid: &str,
    action: ActionKind,
    fields: &[(String, String)],
) -> Result<Result<HttpResponse, bitu_core::i18n::Msg>, WebError> {
    let mail_field = match action {
        ActionKind::Block => "unset_email",
        ActionKind::Unblock => "restore_email",
    };
    let request = BlockRequest {
        uid,
        action,
        comment: field(fields, "comment"),
        unset_email: checked(fields, mail_field),
        move_keys: checked(fields, "keys"),
    };
    match blocking::request(
        &state.services,
        &state.settings,
        &state.queue,
        &user.actor(),
        &request,
    )
    .await
    {
        Ok(_) => {
            took_effect(state, uid, action);
            Ok(Ok(HttpResponse::SeeOther()
                .insert_header(("Location", format!("/wikimedia/block/{uid}/log")))
                .finish()))
        }
        Err(bitu_core::Error::Invalid(message)) => Ok(Err(message)),
        Err(e) => Err(e.into()),
    }
}
