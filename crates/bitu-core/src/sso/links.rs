//! Linking and unlinking accounts on the LDAP entry: the duplicate check, then the audit row
//! and the `link_account` job in one transaction (bitu-rq writes LDAP).

use diesel_async::AsyncConnection;
use tracing::{info, warn};

use super::linking::{LinkedAccount, System};
use crate::audit::{self, Action, Actor, Entry, Outcome, Target};
use crate::db::DbPool;
use crate::directory::{DirectoryUser, Filter, UserStore};
use crate::error::{Error, Result};
use crate::jobs::LinkAccount;
use crate::queue::{Queue, outbox};

/// What a linking came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkOutcome {
    /// Newly linked (or another account replaced the linked one).
    Linked,
    /// The same account, its name refreshed after a rename.
    Refreshed,
    /// Already linked with this name; nothing to do.
    Unchanged,
    /// That account is linked to another LDAP entry: refused.
    LinkedElsewhere,
}

/// The account of `system` linked on `user`'s entry, if any.
pub fn linked(user: &DirectoryUser, system: System) -> Option<LinkedAccount> {
    Some(LinkedAccount {
        id: user.entry.first(system.id_attribute())?.to_string(),
        name: user
            .entry
            .first(system.name_attribute())
            .unwrap_or_default()
            .to_string(),
    })
}

/// Links `account` of `system` to `uid`'s entry, unless another entry holds it.
pub async fn link(
    db: &DbPool,
    queue: &Queue,
    users: &impl UserStore,
    actor: &Actor,
    uid: &str,
    system: System,
    account: &LinkedAccount,
) -> Result<LinkOutcome> {
    let holders = users
        .find_users_where(Filter::eq(system.id_attribute(), account.id.clone()))
        .await?;
    let target = Target::User(uid.to_string());
    let entry = Entry::new(actor, Action::AccountLink, target)
        .with("system", system.as_str())
        .with("account_id", account.id.as_str())
        .with("account_name", account.name.as_str());
    if let Some(other) = holders.iter().find(|h| !h.uid().eq_ignore_ascii_case(uid)) {
        warn!(
            uid,
            system = system.as_str(),
            other = other.uid(),
            "link refused: linked elsewhere"
        );
        let entry = entry
            .with("linked_to", other.uid())
            .outcome(Outcome::Refused);
        let mut conn = crate::db::conn(db).await?;
        audit::record(&mut conn, &entry).await?;
        return Ok(LinkOutcome::LinkedElsewhere);
    }
    let user = users
        .find_user_by(crate::directory::UserAttribute::Uid, uid)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no user {uid}")))?;
    let outcome = match linked(&user, system) {
        Some(current) if current == *account => return Ok(LinkOutcome::Unchanged),
        Some(current) if current.id == account.id => LinkOutcome::Refreshed,
        _ => LinkOutcome::Linked,
    };
    let entry = entry.with("refresh", outcome == LinkOutcome::Refreshed);
    let job = LinkAccount {
        uid: uid.to_string(),
        system,
        account: Some(account.clone()),
    };
    queue_with_audit(db, queue, job, &entry).await?;
    info!(
        uid,
        system = system.as_str(),
        ?outcome,
        "account link queued"
    );
    Ok(outcome)
}

/// Unlinks the account of `system` from `uid`'s entry (nothing when none is linked).
pub async fn unlink(
    db: &DbPool,
    queue: &Queue,
    users: &impl UserStore,
    actor: &Actor,
    uid: &str,
    system: System,
) -> Result<bool> {
    let user = users
        .find_user_by(crate::directory::UserAttribute::Uid, uid)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no user {uid}")))?;
    let Some(current) = linked(&user, system) else {
        return Ok(false);
    };
    let entry = Entry::new(actor, Action::AccountUnlink, Target::User(uid.to_string()))
        .with("system", system.as_str())
        .with("account_id", current.id.as_str())
        .with("account_name", current.name.as_str());
    let job = LinkAccount {
        uid: uid.to_string(),
        system,
        account: None,
    };
    queue_with_audit(db, queue, job, &entry).await?;
    info!(uid, system = system.as_str(), "account unlink queued");
    Ok(true)
}

async fn queue_with_audit(
    db: &DbPool,
    queue: &Queue,
    job: LinkAccount,
    entry: &Entry,
) -> Result<()> {
    let mut conn = crate::db::conn(db).await?;
    let envelope = conn
        .transaction::<_, Error, _>(async |conn| {
            let envelope = outbox::enqueue(conn, job).await?;
            audit::record(conn, entry).await?;
            Ok(envelope)
        })
        .await?;
    drop(conn);
    if let Err(e) = outbox::push_committed(db, queue, &[envelope]).await {
        warn!(error = %e, "job stays in the outbox until Redis answers");
    }
    Ok(())
}
