//! A block's effect in LDAP and Bitu itself: the ppolicy lock (binds fail), optionally the
//! `mail` cleared and the SSH keys moved to Bitu's suspended store, and every session and API
//! token of the account ended. Each step checks before it writes, so a rerun changes nothing.

use std::collections::HashSet;

use chrono::Utc;
use ldap3::Mod;
use tracing::info;

use super::store::{self, ActionRow};
use crate::account::sessions::Sessions;
use crate::account::tokens;
use crate::audit::Actor;
use crate::authz::groups::same_dn;
use crate::config::{KeySystemKind, Settings};
use crate::directory::{DirectoryUser, RC_NO_SUCH_ATTRIBUTE, expect_success};
use crate::error::{Error, Result};
use crate::keys::KeyService;
use crate::services::Services;

/// The ppolicy attribute whose presence locks an account.
pub const LOCKED_TIME: &str = "pwdAccountLockedTime";
/// The ppolicy attribute naming the account's policy.
pub const POLICY: &str = "pwdPolicySubentry";

fn single(value: &str) -> HashSet<String> {
    HashSet::from([value.to_string()])
}

async fn user(services: &Services, uid: &str) -> Result<DirectoryUser> {
    services
        .directory
        .find_user_by_uid(uid)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no directory entry for {uid}")))
}

/// Applies block `action` in LDAP and Bitu.
pub async fn block(services: &Services, settings: &Settings, action: &ActionRow) -> Result<()> {
    let directory = &services.directory;
    let uid = action.uid.as_str();
    let found = user(services, uid).await?;
    let policy = &settings.ldap.ppolicy_dn;
    let mut mods = Vec::new();
    if !found
        .entry
        .first(POLICY)
        .is_some_and(|p| same_dn(p, policy))
    {
        mods.push(Mod::Replace(POLICY.to_string(), single(policy)));
    }
    // A lock already there (an earlier run, or a lock from outside Bitu) keeps its time.
    if found.entry.first(LOCKED_TIME).is_none() {
        let now = Utc::now().format("%Y%m%d%H%M%SZ").to_string();
        mods.push(Mod::Replace(LOCKED_TIME.to_string(), single(&now)));
    }
    if action.unset_email
        && let Some(mail) = found.mail()
    {
        // Kept before it goes, so no run can lose it.
        store::keep_old_mail(&services.db, action.id, mail).await?;
        mods.push(Mod::Delete("mail".to_string(), HashSet::new()));
    }
    if !mods.is_empty() {
        directory.modify_user(uid, mods).await?;
        info!(uid, action = action.id, "account locked in LDAP");
    }
    if action.move_keys {
        suspend_keys(services, settings, action).await?;
    }
    let ended = Sessions::new(services.db.clone(), std::time::Duration::ZERO)
        .end_sessions_of(uid, None)
        .await?;
    let disabled = tokens::disable_all(&services.db, uid).await?;
    info!(
        uid,
        sessions = ended,
        tokens = disabled,
        "sessions and API tokens of a blocked account ended"
    );
    Ok(())
}

/// Moves every active LDAP-held key of the account into Bitu's suspended store.
async fn suspend_keys(services: &Services, settings: &Settings, action: &ActionRow) -> Result<()> {
    let keys = KeyService::new(services, &settings.keys);
    let mut suspended = Vec::new();
    for system in keys.list(&action.uid).await? {
        if system.system.kind != KeySystemKind::Ldap {
            continue;
        }
        suspended.extend(system.keys.iter().filter(|k| k.active).map(|k| k.id));
    }
    // Recorded first: an unblock restoring a key that was never suspended is harmless.
    store::keep_suspended_keys(&services.db, action.id, &suspended).await?;
    for id in suspended {
        keys.suspend(&Actor::system(), &action.uid, id).await?;
    }
    Ok(())
}

/// Puts back the address the last block cleared, unless the entry has one again (someone set
/// a new one meanwhile: theirs wins).
async fn restore_mail(
    services: &Services,
    found: &DirectoryUser,
    action: &ActionRow,
) -> Result<()> {
    if found.mail().is_some() {
        return Ok(());
    }
    let Some(block) = store::latest_mail_removal(&services.db, &action.uid).await? else {
        return Ok(());
    };
    if let Some(mail) = block.old_mail.as_deref() {
        services
            .directory
            .modify_user(
                &action.uid,
                vec![Mod::Replace("mail".to_string(), single(mail))],
            )
            .await?;
        info!(uid = %action.uid, action = action.id, "email address restored");
    }
    Ok(())
}

/// Applies unblock `action`: the lock goes, and the policy when it is the disabled one; the
/// address and the keys the last block removed come back when asked.
pub async fn unblock(services: &Services, settings: &Settings, action: &ActionRow) -> Result<()> {
    let directory = &services.directory;
    let uid = action.uid.as_str();
    let found = user(services, uid).await?;
    let dn = directory.user_dn(uid);
    if found.entry.first(LOCKED_TIME).is_some() {
        let result = directory
            .modify(
                &dn,
                vec![Mod::Delete(LOCKED_TIME.to_string(), HashSet::new())],
            )
            .await?;
        if result.rc != RC_NO_SUCH_ATTRIBUTE {
            expect_success(result)?;
        }
    }
    if let Some(current) = found.entry.first(POLICY)
        && same_dn(current, &settings.ldap.ppolicy_dn)
    {
        let result = directory
            .modify(&dn, vec![Mod::Delete(POLICY.to_string(), single(current))])
            .await?;
        if result.rc != RC_NO_SUCH_ATTRIBUTE {
            expect_success(result)?;
        }
    }
    info!(uid, action = action.id, "account unlocked in LDAP");
    if action.unset_email {
        restore_mail(services, &found, action).await?;
    }
    if action.move_keys
        && let Some(block) = store::latest_key_suspension(&services.db, uid).await?
    {
        let keys = KeyService::new(services, &settings.keys);
        for id in block.suspended_key_ids() {
            match keys.activate(&Actor::system(), uid, id).await {
                // The owner deleted it meanwhile: nothing to restore.
                Err(Error::NotFound(_)) => {}
                other => {
                    other?;
                }
            }
        }
    }
    Ok(())
}
