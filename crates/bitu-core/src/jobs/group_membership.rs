//! `group_membership`: add a user to a requested group or remove them, in both shapes
//! (`member` DN, and `memberUid` when the group is a `posixGroup`), then mark the request's
//! change as landed. Every step is idempotent, so retries after an LDAP outage are harmless.

use std::collections::HashSet;

use ldap3::{Mod, Scope};
use serde::{Deserialize, Serialize};

use crate::directory::{Directory, Filter, RC_NO_SUCH_ATTRIBUTE, RC_VALUE_EXISTS, expect_success};
use crate::error::{Error, Result};
use crate::permissions::store::{self, State};
use crate::queue::{BackgroundJob, Envelope, JobContext, JobResult, QueueName};

/// Adds `uid` to the group `group_dn` (`add`) or removes them, for request `request_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMembership {
    /// The access request this change belongs to.
    pub request_id: u64,
    /// DN of the group.
    pub group_dn: String,
    /// Shell username of the member.
    pub uid: String,
    /// Add (true) or remove.
    pub add: bool,
}

/// Adds or removes one value of one attribute; a value already there (or already gone) is
/// success.
async fn change_value(
    directory: &Directory,
    dn: &str,
    attribute: &str,
    value: String,
    add: bool,
) -> Result<()> {
    let values = HashSet::from([value]);
    let (change, harmless) = if add {
        (Mod::Add(attribute.to_string(), values), RC_VALUE_EXISTS)
    } else {
        (
            Mod::Delete(attribute.to_string(), values),
            RC_NO_SUCH_ATTRIBUTE,
        )
    };
    let result = directory.modify(dn, vec![change]).await?;
    if result.rc != harmless {
        expect_success(result)?;
    }
    Ok(())
}

/// Adds `uid` (entry DN and, for a `posixGroup`, the uid) to the group at `group_dn`, or
/// removes it.
pub async fn apply(directory: &Directory, group_dn: &str, uid: &str, add: bool) -> Result<()> {
    let group = directory
        .search(
            group_dn,
            Scope::Base,
            &Filter::Present("objectClass"),
            &["objectClass"],
            0,
        )
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Directory(format!("group {group_dn} does not exist")))?;
    let classes = group.values("objectClass");
    let of_names = classes
        .iter()
        .any(|c| c.eq_ignore_ascii_case("groupOfNames"));
    let posix = classes.iter().any(|c| c.eq_ignore_ascii_case("posixGroup"));
    if of_names || !posix {
        change_value(directory, group_dn, "member", directory.user_dn(uid), add).await?;
    }
    if posix {
        change_value(directory, group_dn, "memberUid", uid.to_string(), add).await?;
    }
    Ok(())
}

impl BackgroundJob for GroupMembership {
    const KIND: &'static str = "group_membership";
    const QUEUE: QueueName = QueueName::Default;

    async fn run(&self, ctx: &JobContext, _envelope: &Envelope) -> JobResult {
        let mut conn = crate::db::conn(&ctx.services.db).await?;
        let Some(request) = store::get(&mut conn, self.request_id).await? else {
            return Ok(Some("request gone"));
        };
        // A request that moved on (revoked while the add waited) must not be re-added.
        let wanted = match request.state {
            State::Approved => true,
            State::Expired | State::Revoked => false,
            _ => return Ok(Some("request no longer wants a change")),
        };
        if wanted != self.add {
            return Ok(Some("request no longer wants this change"));
        }
        apply(&ctx.services.directory, &self.group_dn, &self.uid, self.add).await?;
        store::mark_applied(&mut conn, self.request_id, request.state).await?;
        Ok(None)
    }
}
