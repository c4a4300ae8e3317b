//! What the pages and the API show of requests: one's own groups and requests, the requests
//! waiting for a manager, the decision log, and a group's members with their grants.

use std::collections::HashMap;

use serde::Serialize;

use super::rules::{self, Facts};
use super::store::{self, Request, State};
use super::{offered_groups, queries};
use crate::config::{PermissionGroup, PermissionsSettings};
use crate::db::{self, DbPool};
use crate::directory::{GroupStore, UserAttribute, UserStore};
use crate::error::Result;

/// The LDAP attribute naming a person's linked global (wiki) account.
const GLOBAL_ACCOUNT: &str = "wikimediaGlobalAccountName";

/// A request with what pages need to show it.
#[derive(Debug, Clone, Serialize)]
pub struct RequestView {
    /// The request as stored.
    #[serde(flatten)]
    pub request: Request,
    /// The group's cn.
    pub group_cn: String,
    /// `/permissions/request/<system>/<key>` of the group.
    pub request_path: String,
    /// The state for people.
    pub state_label: &'static str,
    /// Approved (or ended) but the directory change has not landed yet.
    pub being_applied: bool,
    /// A time-limited grant its holder may ask to renew.
    pub renewable: bool,
}

/// The cn (first RDN value) of a DN.
pub fn group_cn(dn: &str) -> String {
    dn.split(',')
        .next()
        .and_then(|rdn| rdn.split_once('='))
        .map_or(dn, |(_, value)| value.trim())
        .to_string()
}

/// `request` as pages show it.
pub fn view(settings: &PermissionsSettings, request: Request) -> RequestView {
    let request_path = settings
        .group(&request.group_dn)
        .map(|g| format!("/permissions/request/{}/{}", g.url_system(), g.url_key()))
        .unwrap_or_default();
    let being_applied = !request.applied
        && matches!(
            request.state,
            State::Approved | State::Expired | State::Revoked
        );
    RequestView {
        group_cn: group_cn(&request.group_dn),
        request_path,
        state_label: request.state.label(),
        being_applied,
        renewable: request.state == State::Approved && request.grant_ends_at.is_some(),
        request,
    }
}

/// A group someone is in.
#[derive(Debug, Clone, Serialize)]
pub struct GroupSummary {
    /// DN.
    pub dn: String,
    /// Name.
    pub cn: String,
    /// Description, if any.
    pub description: Option<String>,
}

/// A requestable group offered to someone.
#[derive(Debug, Clone, Serialize)]
pub struct Offer {
    /// DN.
    pub dn: String,
    /// Name.
    pub cn: String,
    /// The system part of its request path.
    pub system: String,
    /// The key part of its request path.
    pub key: String,
    /// They are in it already.
    pub member: bool,
    /// They have a pending request for it.
    pub pending: bool,
}

/// The "my permissions" page.
#[derive(Debug, Clone, Serialize)]
pub struct Mine {
    /// Groups they are in.
    pub member_of: Vec<GroupSummary>,
    /// Requestable groups their `prevalidate` rules offer them.
    pub offered: Vec<Offer>,
    /// Their requests, newest first.
    pub requests: Vec<RequestView>,
}

/// What `uid` (with these facts) sees on their own page.
pub async fn mine<D: GroupStore>(
    settings: &PermissionsSettings,
    pool: &DbPool,
    directory: &D,
    facts: &Facts,
) -> Result<Mine> {
    let member_of = directory
        .groups_of(&facts.uid)
        .await?
        .into_iter()
        .map(|g| GroupSummary {
            dn: g.dn,
            cn: g.cn,
            description: g.description,
        })
        .collect();
    let mut conn = db::conn(pool).await?;
    let requests: Vec<RequestView> = store::of_user(&mut conn, &facts.uid)
        .await?
        .into_iter()
        .map(|r| view(settings, r))
        .collect();
    let offered = offered_groups(settings, facts)
        .into_iter()
        .map(|g| Offer {
            dn: g.group.clone(),
            cn: group_cn(&g.group),
            system: g.url_system().to_string(),
            key: g.url_key(),
            member: facts.in_group(&g.group),
            pending: requests.iter().any(|r| {
                r.request.state == State::Pending
                    && crate::authz::groups::same_dn(&r.request.group_dn, &g.group)
            }),
        })
        .collect();
    Ok(Mine {
        member_of,
        offered,
        requests,
    })
}

/// A requester as managers see them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Person {
    /// Shell username.
    pub uid: String,
    /// Developer name.
    pub cn: String,
    /// Address.
    pub mail: Option<String>,
    /// Linked global account.
    pub global_account: Option<String>,
    /// Names of their groups.
    pub groups: Vec<String>,
}

/// `uid` as managers see them (only the name when the entry is gone).
pub async fn person<D: UserStore + GroupStore>(directory: &D, uid: &str) -> Result<Person> {
    let Some(user) = directory.find_user_by(UserAttribute::Uid, uid).await? else {
        return Ok(Person {
            uid: uid.to_string(),
            ..Person::default()
        });
    };
    let groups = directory.groups_of(uid).await?;
    Ok(Person {
        uid: uid.to_string(),
        cn: user.cn().to_string(),
        mail: user.mail().map(str::to_string),
        global_account: user.entry.first(GLOBAL_ACCOUNT).map(str::to_string),
        groups: groups.into_iter().map(|g| g.cn).collect(),
    })
}

/// A pending request with its requester.
#[derive(Debug, Clone, Serialize)]
pub struct Waiting {
    /// The request.
    pub request: RequestView,
    /// Who asked.
    pub requester: Person,
}

/// The configured groups `manager` decides for.
pub fn managed_groups<'a>(
    settings: &'a PermissionsSettings,
    manager: &Facts,
) -> Vec<&'a PermissionGroup> {
    settings
        .groups
        .iter()
        .filter(|g| !rules::managed_rules(g, manager).is_empty())
        .collect()
}

/// Whether `manager` decides for the group of `request`.
pub fn manages(settings: &PermissionsSettings, manager: &Facts, group_dn: &str) -> bool {
    settings
        .group(group_dn)
        .is_some_and(|g| !rules::managed_rules(g, manager).is_empty())
}

/// How many requests [`waiting_for`] lists, without reading the requesters (for the count
/// beside "Pending approvals" on every page).
pub async fn waiting_count(
    settings: &PermissionsSettings,
    pool: &DbPool,
    manager: &Facts,
) -> Result<usize> {
    let dns: Vec<String> = managed_groups(settings, manager)
        .iter()
        .map(|g| g.group.clone())
        .collect();
    if dns.is_empty() {
        return Ok(0);
    }
    let mut conn = db::conn(pool).await?;
    let pending = store::for_groups(&mut conn, &dns, State::Pending).await?;
    let ids: Vec<u64> = pending.iter().map(|r| r.id).collect();
    let voted = queries::voted_on(&mut conn, &ids, &manager.uid).await?;
    Ok(ids.iter().filter(|id| !voted.contains(id)).count())
}

/// Pending requests for the groups `manager` decides for, minus those they voted on.
pub async fn waiting_for<D: UserStore + GroupStore>(
    settings: &PermissionsSettings,
    pool: &DbPool,
    directory: &D,
    manager: &Facts,
) -> Result<Vec<Waiting>> {
    let dns: Vec<String> = managed_groups(settings, manager)
        .iter()
        .map(|g| g.group.clone())
        .collect();
    let mut conn = db::conn(pool).await?;
    let pending = store::for_groups(&mut conn, &dns, State::Pending).await?;
    let ids: Vec<u64> = pending.iter().map(|r| r.id).collect();
    let voted = queries::voted_on(&mut conn, &ids, &manager.uid).await?;
    drop(conn);
    let mut waiting = Vec::new();
    for request in pending.into_iter().filter(|r| !voted.contains(&r.id)) {
        let requester = person(directory, &request.uid).await?;
        waiting.push(Waiting {
            request: view(settings, request),
            requester,
        });
    }
    Ok(waiting)
}

/// One member of a group, with the grant made here if any.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    /// Shell username (or the stored value when it is not a person's DN).
    pub uid: String,
    /// The approved request that made them a member here, if any.
    pub grant: Option<RequestView>,
}

/// Who is in `group`, each with the grant made here (grants still being applied included).
pub async fn members<D: GroupStore>(
    settings: &PermissionsSettings,
    pool: &DbPool,
    directory: &D,
    group: &PermissionGroup,
) -> Result<Vec<Member>> {
    let mut conn = db::conn(pool).await?;
    let grants = store::for_groups(
        &mut conn,
        std::slice::from_ref(&group.group),
        State::Approved,
    )
    .await?;
    drop(conn);
    let mut by_uid: HashMap<String, Request> =
        grants.into_iter().map(|r| (r.uid.clone(), r)).collect();
    let stored = match directory.find_group(&group_cn(&group.group)).await? {
        Some(found) => found.members,
        None => Vec::new(),
    };
    let mut members: Vec<Member> = stored
        .iter()
        .map(|value| {
            let uid = if value.contains('=') {
                group_cn(value)
            } else {
                value.clone()
            };
            let grant = by_uid.remove(&uid).map(|r| view(settings, r));
            Member { uid, grant }
        })
        .collect();
    // Grants whose membership has not landed yet.
    members.extend(by_uid.into_values().map(|r| Member {
        uid: r.uid.clone(),
        grant: Some(view(settings, r)),
    }));
    members.sort_by(|a, b| a.uid.cmp(&b.uid));
    members.dedup_by(|a, b| a.uid == b.uid);
    Ok(members)
}
