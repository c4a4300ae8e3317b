//! Provisioning: the bitu-rq job that turns an activated sign-up into an LDAP entry. Every
//! step is idempotent, so a redelivered or retried job ends in the same state.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tracing::info;

use super::store;
use super::uid_numbers;
use crate::config::Settings;
use crate::db::schema::signups;
use crate::db::{self};
use crate::directory::{Created, GroupStore, NewUser};
use crate::error::{Error, Result};
use crate::mail::Message;
use crate::names::confusables;
use crate::queue::{SendMail, outbox};
use crate::services::Services;

/// What a provisioning run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provisioned {
    /// The entry was created with this uidNumber.
    Created(u32),
    /// An entry with this uid was already there; nothing changed.
    AlreadyThere,
    /// The sign-up is gone (expired and deleted); nothing to do.
    Gone,
}

/// Makes `uid` a member of every group of `[signup] default_groups`; a rerun changes nothing.
pub async fn join_default_groups(
    groups: &impl GroupStore,
    default_groups: &[String],
    uid: &str,
) -> Result<()> {
    for group in default_groups {
        groups.add_group_member(group, uid).await?;
    }
    Ok(())
}

/// Creates the entry of activated sign-up `signup_id`, adds it to the default groups and
/// queues the administrators' notice.
pub async fn provision(
    services: &Services,
    settings: &Settings,
    signup_id: u64,
) -> Result<Provisioned> {
    let Some(signup) = store::find(&services.db, signup_id).await? else {
        return Ok(Provisioned::Gone);
    };
    if signup.activated_at.is_none() {
        return Err(Error::Internal(format!(
            "sign-up {signup_id} is not activated"
        )));
    }
    let directory = &services.directory;
    if signup.provisioned_at.is_none()
        && directory.find_user_by_uid(&signup.uid).await?.is_some()
        && signup.uid_number.is_none()
    {
        // Someone else made this uid meanwhile: never touch an entry that is not ours.
        info!(uid = %signup.uid, "uid exists in the directory; nothing to provision");
        return Ok(Provisioned::AlreadyThere);
    }
    let ranges = &settings.signup.uid_number_ranges;
    let uid_number = uid_numbers::assign(&services.db, directory, ranges, signup_id).await?;
    let user = NewUser {
        uid: signup.uid.to_lowercase(),
        cn: signup.cn.clone(),
        sn: signup.cn.clone(),
        mail: signup.mail.to_lowercase(),
        uid_number,
        gid_number: settings.signup.gid_number,
        home_directory: format!(
            "{}/{}",
            settings.signup.home_base.trim_end_matches('/'),
            signup.uid
        ),
        login_shell: settings.signup.login_shell.clone(),
        password_hash: signup.password_hash.clone(),
    };
    let created = directory.create_user(&user).await?;
    join_default_groups(directory, &settings.signup.default_groups, &user.uid).await?;
    let mut conn = db::conn(&services.db).await?;
    diesel::update(
        signups::table
            .find(signup_id)
            .filter(signups::provisioned_at.is_null()),
    )
    .set(signups::provisioned_at.eq(Utc::now().naive_utc()))
    .execute(&mut conn)
    .await?;
    // The name is in the directory now: its skeleton stays when the sign-up row goes.
    confusables::settle_signup(&mut conn, signup_id, &user.cn).await?;
    if !settings.mail.admins.is_empty() {
        outbox::enqueue(
            &mut conn,
            SendMail {
                dedup_key: format!("provisioned:{signup_id}"),
                message: Message::AdminNotice {
                    subject: format!("LDAP user created: {}", user.uid),
                    body: format!(
                        "The developer account {} (shell username {}, uidNumber {uid_number}) \
                         was created.",
                        user.cn, user.uid
                    ),
                },
                lang: String::new(),
            },
        )
        .await?;
    }
    info!(uid = %user.uid, uid_number, "provisioned");
    Ok(match created {
        Created::Created => Provisioned::Created(uid_number),
        Created::AlreadyExisted => Provisioned::AlreadyThere,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryDirectory;

    #[tokio::test]
    async fn default_groups_are_joined_once_even_when_run_twice() {
        let directory = MemoryDirectory::new();
        directory.add_group("project-a");
        directory.add_group("project-b");
        let groups = vec!["project-a".to_string(), "project-b".to_string()];
        join_default_groups(&directory, &groups, "dana")
            .await
            .unwrap();
        join_default_groups(&directory, &groups, "dana")
            .await
            .unwrap();
        let joined = directory.groups_of("dana").await.unwrap();
        assert_eq!(joined.len(), 2);
        assert!(joined.iter().all(|g| g.members == ["dana"]));
        let missing = join_default_groups(&directory, &["nope".to_string()], "dana").await;
        assert!(missing.is_err());
    }
}
