//! The account page's linked accounts: unlinking one, and dismissing the banner that invites
//! to link (for this session).

use actix_session::Session;
use actix_web::{HttpResponse, web};
use bitu_core::sso::linking::System;
use bitu_core::sso::links;

use super::{SESSION_BANNER_DISMISSED, link_backend};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;

fn system(name: &str) -> Option<System> {
    System::ALL.into_iter().find(|s| s.as_str() == name)
}

/// `POST /account/links/{system}/unlink/`
pub async fn unlink(
    state: web::Data<AppState>,
    user: CurrentUser,
    name: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let system = system(&name)
        .filter(|s| link_backend(&state, *s).is_some())
        .ok_or(WebError::NotFound)?;
    links::unlink(
        &state.services.db,
        &state.queue,
        &state.services.directory,
        &user.actor(),
        &user.uid,
        system,
    )
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((
            "Location",
            format!("/account/?saved=unlinked-{}", system.as_str()),
        ))
        .finish())
}

/// `POST /account/links/dismiss/`
pub async fn dismiss(session: Session, _user: CurrentUser) -> Result<HttpResponse, WebError> {
    session
        .insert(SESSION_BANNER_DISMISSED, true)
        .map_err(|e| WebError::Core(bitu_core::Error::Internal(e.to_string())))?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/account/"))
        .finish())
}

/// One linked-account row of the account page.
#[derive(serde::Serialize)]
struct LinkRow {
    system: &'static str,
    label: &'static str,
    name: Option<String>,
    link_url: String,
    unlink_url: String,
}

/// Adds the linked accounts, the invitation banner and the provider's groups to the account
/// page's context.
pub fn account_context(
    state: &AppState,
    session: &Session,
    user: &bitu_core::directory::DirectoryUser,
    context: &mut tera::Context,
) {
    let rows: Vec<LinkRow> = System::ALL
        .into_iter()
        .filter_map(|system| {
            let backend = link_backend(state, system)?;
            Some(LinkRow {
                system: system.as_str(),
                label: match system {
                    System::Wikimedia => "bitu-links-wikimedia",
                    System::Phabricator => "bitu-links-phabricator",
                },
                name: links::linked(user, system).map(|account| account.name),
                link_url: format!("/login/{backend}/"),
                unlink_url: format!("/account/links/{}/unlink/", system.as_str()),
            })
        })
        .collect();
    let dismissed = session
        .get::<bool>(SESSION_BANNER_DISMISSED)
        .ok()
        .flatten()
        .unwrap_or(false);
    let banner = !dismissed && rows.iter().any(|row| row.name.is_none());
    let groups: Option<Vec<String>> = session.get(super::SESSION_GROUPS).ok().flatten();
    context.insert("links", &rows);
    context.insert("link_banner", &banner);
    context.insert("idp_groups", &groups);
}
