//! Finding accounts to block: an address (containing `@`) matches `mail` exactly; anything
//! else is a prefix of the developer name or the shell username. Values are escaped by
//! [`Filter`], so filter syntax in the input finds nothing extra.

use serde::Serialize;

use super::{BlockState, store};
use crate::authz::state::is_locked;
use crate::config::Settings;
use crate::directory::{DirectoryUser, UserAttribute};
use crate::error::Result;
use crate::services::Services;

/// Most accounts one search shows.
pub const MAX_RESULTS: usize = 50;

/// One account found.
#[derive(Debug, Clone, Serialize)]
pub struct FoundAccount {
    /// Shell username.
    pub uid: String,
    /// Developer name.
    pub cn: String,
    /// Email address, if any.
    pub mail: Option<String>,
    /// Blocked or not.
    pub state: BlockState,
}

/// The accounts found, and whether there were more than shown.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Found {
    /// At most [`MAX_RESULTS`], by shell username.
    pub accounts: Vec<FoundAccount>,
    /// More matched: the person should refine the search.
    pub truncated: bool,
}

/// Accounts matching `query`.
pub async fn search(services: &Services, settings: &Settings, query: &str) -> Result<Found> {
    let query = query.trim();
    if query.is_empty() {
        return Ok(Found::default());
    }
    let directory = &services.directory;
    // One more than shown, to know whether there were more.
    let limit = i32::try_from(MAX_RESULTS + 1).unwrap_or(i32::MAX);
    let mut users: Vec<DirectoryUser> = if query.contains('@') {
        directory.find_users_by(UserAttribute::Mail, query).await?
    } else {
        let mut users = directory
            .find_users_by_prefix(UserAttribute::Cn, query, limit)
            .await?;
        for user in directory
            .find_users_by_prefix(UserAttribute::Uid, query, limit)
            .await?
        {
            if !users.iter().any(|u| u.dn() == user.dn()) {
                users.push(user);
            }
        }
        users
    };
    users.sort_by(|a, b| a.uid().cmp(b.uid()));
    let truncated = users.len() > MAX_RESULTS;
    users.truncate(MAX_RESULTS);
    accounts(services, settings, users, truncated).await
}

/// The block state of each of `users`.
async fn accounts(
    services: &Services,
    settings: &Settings,
    users: Vec<DirectoryUser>,
    truncated: bool,
) -> Result<Found> {
    let uids: Vec<&str> = users.iter().map(|u| u.uid()).collect();
    let latest = store::latest_of(&services.db, &uids).await?;
    let accounts = users
        .iter()
        .map(|user| {
            let last = latest.iter().find(|a| a.uid == user.uid());
            FoundAccount {
                uid: user.uid().to_string(),
                cn: user.cn().to_string(),
                mail: user.mail().map(str::to_string),
                state: super::state_of(is_locked(user, &settings.ldap.ppolicy_dn), last),
            }
        })
        .collect();
    Ok(Found {
        accounts,
        truncated,
    })
}

/// The account `uid` with its block state, if it exists.
pub async fn account(
    services: &Services,
    settings: &Settings,
    uid: &str,
) -> Result<Option<FoundAccount>> {
    let Some(user) = services.directory.find_user_by_uid(uid).await? else {
        return Ok(None);
    };
    Ok(accounts(services, settings, vec![user], false)
        .await?
        .accounts
        .pop())
}
