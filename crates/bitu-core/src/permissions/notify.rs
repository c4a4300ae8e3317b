//! Who hears of a request, and the mails queued for bitu-rq (inside the change's transaction).

use diesel_async::AsyncMysqlConnection;

use crate::config::{PermissionGroup, RuleKind};
use crate::directory::{GroupStore, UserAttribute, UserStore};
use crate::error::Result;
use crate::jobs::SendMail;
use crate::mail::Message;
use crate::queue::outbox;

/// One mail about a request, before its recipient.
pub struct Notice<'a> {
    /// The request.
    pub request_id: u64,
    /// new_request, approved, rejected, expiry_warning, expired, revoked, cancelled.
    pub event: &'a str,
    /// Tells repeated mails of one event apart (e.g. the first and last warning).
    pub nth: u8,
    /// The group.
    pub group: &'a PermissionGroup,
    /// Shell username of the requester.
    pub requester: &'a str,
    /// The reason given.
    pub comment: &'a str,
    /// (manager, comment) of each decision.
    pub decisions: &'a [(String, String)],
    /// When the grant ends, for people.
    pub ends: &'a str,
    /// The page to look at.
    pub path: String,
}

fn cn_of(dn: &str) -> &str {
    dn.split(',')
        .next()
        .and_then(|rdn| rdn.split_once('='))
        .map_or(dn, |(_, value)| value.trim())
}

/// Queues the mail of `notice` to `to`, at most once per request, event and recipient.
pub async fn queue(conn: &mut AsyncMysqlConnection, notice: &Notice<'_>, to: &str) -> Result<()> {
    let job = SendMail {
        dedup_key: format!(
            "group-access:{}:{}:{}:{to}",
            notice.request_id, notice.event, notice.nth
        ),
        message: Message::GroupAccess {
            to: to.to_string(),
            event: notice.event.to_string(),
            group: cn_of(&notice.group.group).to_string(),
            requester: notice.requester.to_string(),
            comment: notice.comment.to_string(),
            decisions: notice.decisions.to_vec(),
            ends: notice.ends.to_string(),
            path: notice.path.clone(),
        },
        lang: String::new(),
    };
    outbox::enqueue(conn, job).await?;
    Ok(())
}

/// The address of `uid`, if they have one.
pub async fn mail_of<D: UserStore>(directory: &D, uid: &str) -> Result<Option<String>> {
    Ok(directory
        .find_user_by(UserAttribute::Uid, uid)
        .await?
        .and_then(|user| user.mail().map(str::to_string)))
}

/// The uids of the members of the group with this DN (member DNs or memberUid values).
async fn member_uids<D: GroupStore>(directory: &D, dn: &str) -> Result<Vec<String>> {
    let Some(group) = directory.find_group(cn_of(dn)).await? else {
        return Ok(Vec::new());
    };
    Ok(group
        .members
        .iter()
        .map(|member| cn_of(member).to_string())
        .collect())
}

/// Who is mailed about a new request: every manager (named, or a member of a named group),
/// the `notify` addresses and the members of `notify_groups`, each address once.
pub async fn recipients_of_new<D: UserStore + GroupStore>(
    directory: &D,
    group: &PermissionGroup,
) -> Result<Vec<String>> {
    let mut uids = Vec::new();
    let mut addresses = Vec::new();
    for rule in &group.rules {
        addresses.extend(rule.notify.iter().cloned());
        let mut named: Vec<&String> = rule.notify_groups.iter().collect();
        if rule.kind == RuleKind::ManagerApproval {
            named.extend(rule.managers.iter());
        }
        for name in named {
            if name.contains('=') {
                uids.extend(member_uids(directory, name).await?);
            } else {
                uids.push(name.clone());
            }
        }
    }
    uids.sort();
    uids.dedup();
    for uid in uids {
        if let Some(mail) = mail_of(directory, &uid).await? {
            addresses.push(mail);
        }
    }
    addresses.sort();
    addresses.dedup();
    Ok(addresses)
}
