//! The request workflow: create, vote, cancel, revoke, expire and clean. Each change writes
//! its state, history event, audit row, membership job and mails in one transaction.

use chrono::{NaiveDateTime, TimeDelta};
use diesel_async::{AsyncConnection, AsyncMysqlConnection};

use super::facts_of;
use super::notify::{self, Notice};
use super::rules::{self, Facts, Outcome};
use super::store::{self, Request, State};
use crate::audit::{self, Action, Actor, Entry, Target};
use crate::clock::Clock;
use crate::config::{PermissionGroup, PermissionsSettings};
use crate::db::{self, DbPool};
use crate::directory::{GroupStore, UserStore};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::jobs::GroupMembership;
use crate::queue::outbox;

/// Longest comment a request or decision may carry.
pub const MAX_COMMENT: usize = 2000;

/// What became of a new request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// Stored with this id, in this state (approved or rejected at once by automatic rules).
    Stored(u64, State),
    /// The user has a pending request for the group already.
    AlreadyPending,
}

/// What became of a manager's vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voted {
    /// Counted; the request is now in this state.
    Counted(State),
    /// The voter manages none of the group's manager rules.
    NotManager,
    /// The voter has voted on this request already.
    AlreadyVoted,
    /// Recorded while LDAP was away; bitu-rq decides the outcome when it is back.
    Recorded,
}

/// The workflow over the database, the directory seams and a clock.
pub struct AccessRequests<'a, D> {
    /// `[permissions]`.
    pub settings: &'a PermissionsSettings,
    /// MariaDB.
    pub db: &'a DbPool,
    /// Users and groups.
    pub directory: &'a D,
    /// Where "now" comes from.
    pub clock: &'a dyn Clock,
}

pub(super) fn check_comment(comment: &str) -> Result<&str> {
    let comment = comment.trim();
    if comment.is_empty() || comment.chars().count() > MAX_COMMENT {
        return Err(Error::Invalid(
            Msg::new("bitu-permissions-error-comment").arg(MAX_COMMENT),
        ));
    }
    Ok(comment)
}

impl<D: UserStore + GroupStore> AccessRequests<'_, D> {
    pub(super) fn now(&self) -> NaiveDateTime {
        self.clock.now_naive()
    }

    pub(super) fn group(&self, dn: &str) -> Result<&PermissionGroup> {
        self.settings
            .group(dn)
            .ok_or_else(|| Error::NotFound(format!("group {dn} is not requestable")))
    }

    pub(super) async fn facts(&self, uid: &str) -> Result<Facts> {
        facts_of(self.directory, uid)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no user {uid}")))
    }

    /// Stores `uid`'s request for `group` with `comment`; automatic rules decide at once. A
    /// group the user is in is stored as "already a member"; a group hidden from them by
    /// `prevalidate` is not found.
    pub async fn create(
        &self,
        actor: &Actor,
        uid: &str,
        group: &PermissionGroup,
        comment: &str,
        renews: Option<u64>,
    ) -> Result<Created> {
        let comment = check_comment(comment)?;
        let facts = self.facts(uid).await?;
        if !rules::offered(group, &facts) {
            return Err(Error::NotFound(format!(
                "{} is not offered to {uid}",
                group.group
            )));
        }
        // A renewal is made by a member on purpose: it extends the grant they hold.
        let already_member = renews.is_none() && facts.in_group(&group.group);
        let outcome = rules::outcome(group, &facts, &[], self.settings.allow_self_approval);
        let mails = notify::recipients_of_new(self.directory, group).await?;
        let requester_mail = notify::mail_of(self.directory, uid).await?;
        let now = self.now();
        let mut conn = db::conn(self.db).await?;
        conn.transaction::<_, Error, _>(async |conn| {
            let Some(id) = store::insert(conn, uid, &group.group, comment, now, renews).await?
            else {
                return Ok(Created::AlreadyPending);
            };
            store::add_event(conn, id, now, Some(uid), "created", comment, &[]).await?;
            let state = match (already_member, outcome) {
                (true, _) => State::Member,
                (false, Outcome::Approved) => State::Approved,
                (false, Outcome::Rejected) => State::Rejected,
                (false, Outcome::Pending) => State::Pending,
            };
            let entry = Entry::new(
                actor,
                Action::GroupAccessRequest,
                Target::Group(group.group.clone()),
            )
            .with("request_id", id)
            .with("uid", uid)
            .with("state", state.as_str());
            audit::record(conn, &entry).await?;
            if state == State::Pending {
                let notice = Notice {
                    request_id: id,
                    event: "new_request",
                    nth: 0,
                    group,
                    requester: uid,
                    comment,
                    decisions: &[],
                    ends: "",
                    path: format!("/permissions/approve/{id}"),
                };
                for to in &mails {
                    notify::queue(conn, &notice, to).await?;
                }
            } else {
                self.settle(conn, id, uid, group, state, requester_mail.as_deref(), &[])
                    .await?;
            }
            Ok(Created::Stored(id, state))
        })
        .await
    }

    /// Moves a request to a final state: approved (membership job, grant end), rejected, or
    /// already a member; mails the requester.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn settle(
        &self,
        conn: &mut AsyncMysqlConnection,
        id: u64,
        uid: &str,
        group: &PermissionGroup,
        state: State,
        requester_mail: Option<&str>,
        decisions: &[(String, String)],
    ) -> Result<()> {
        let now = self.now();
        let ends = match state {
            State::Approved => group
                .grant_for
                .and_then(|d| TimeDelta::from_std(d).ok())
                .map(|d| now + d),
            _ => None,
        };
        store::set_state(conn, id, state, now, ends).await?;
        if state == State::Member {
            store::mark_applied(conn, id, state).await?;
            return Ok(());
        }
        if state == State::Approved {
            self.retire_renewed(conn, id, now).await?;
            let job = GroupMembership {
                request_id: id,
                group_dn: group.group.clone(),
                uid: uid.to_string(),
                add: true,
            };
            outbox::enqueue(conn, job).await?;
        }
        if let Some(to) = requester_mail {
            let event = if state == State::Approved {
                "approved"
            } else {
                "rejected"
            };
            let ends = ends
                .map(|e| e.format("%Y-%m-%d").to_string())
                .unwrap_or_default();
            let notice = Notice {
                request_id: id,
                event,
                nth: 0,
                group,
                requester: uid,
                comment: "",
                decisions,
                ends: &ends,
                path: format!("/permissions/log/{id}"),
            };
            notify::queue(conn, &notice, to).await?;
        }
        Ok(())
    }

    /// Ends a request: `from` must be its state; writes the event, audit row, removal job
    /// (for approved access) and the requester's mail.
    #[allow(clippy::too_many_arguments)]
    async fn end(
        &self,
        actor: &Actor,
        request: &Request,
        to: State,
        action: Action,
        event: &str,
        comment: &str,
    ) -> Result<bool> {
        let group = self.group(&request.group_dn)?;
        let requester_mail = notify::mail_of(self.directory, &request.uid).await?;
        let now = self.now();
        let mut conn = db::conn(self.db).await?;
        let id = request.id;
        conn.transaction::<_, Error, _>(async |conn| {
            let Some(current) = store::get_for_update(conn, id).await? else {
                return Ok(false);
            };
            if current.state != request.state {
                return Ok(false);
            }
            store::set_state(conn, id, to, now, None).await?;
            store::add_event(conn, id, now, actor.uid.as_deref(), event, comment, &[]).await?;
            let entry = Entry::new(actor, action, Target::User(request.uid.clone()))
                .with("request_id", id)
                .with("group", group.group.as_str());
            audit::record(conn, &entry).await?;
            if current.state == State::Approved {
                let job = GroupMembership {
                    request_id: id,
                    group_dn: group.group.clone(),
                    uid: request.uid.clone(),
                    add: false,
                };
                outbox::enqueue(conn, job).await?;
            }
            if let Some(to) = &requester_mail {
                let notice = Notice {
                    request_id: id,
                    event: event_mail(event),
                    nth: 0,
                    group,
                    requester: &request.uid,
                    comment,
                    decisions: &[],
                    ends: "",
                    path: format!("/permissions/log/{id}"),
                };
                notify::queue(conn, &notice, to).await?;
            }
            Ok(true)
        })
        .await
    }

    /// The requester `uid` withdraws their pending request `id`; false when it is not theirs
    /// or not pending.
    pub async fn cancel(&self, actor: &Actor, uid: &str, id: u64) -> Result<bool> {
        let mut conn = db::conn(self.db).await?;
        let Some(request) = store::get(&mut conn, id).await? else {
            return Ok(false);
        };
        if request.uid != uid || request.state != State::Pending {
            return Ok(false);
        }
        self.end(
            actor,
            &request,
            State::Cancelled,
            Action::GroupAccessCancel,
            "cancel",
            "",
        )
        .await
    }

    /// A manager of the group takes approved access `id` away, saying why.
    pub async fn revoke(
        &self,
        actor: &Actor,
        manager: &str,
        id: u64,
        comment: &str,
    ) -> Result<Voted> {
        let comment = check_comment(comment)?;
        let manager_facts = self.facts(manager).await?;
        let mut conn = db::conn(self.db).await?;
        let request = store::get(&mut conn, id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no request {id}")))?;
        if rules::managed_rules(self.group(&request.group_dn)?, &manager_facts).is_empty() {
            return Ok(Voted::NotManager);
        }
        if request.state != State::Approved {
            return Err(Error::Invalid(
                Msg::new("bitu-permissions-error-not-approved")
                    .arg(id)
                    .arg(request.state.to_string()),
            ));
        }
        self.end(
            actor,
            &request,
            State::Revoked,
            Action::GroupAccessRevoke,
            "revoke",
            comment,
        )
        .await?;
        Ok(Voted::Counted(State::Revoked))
    }

    /// Ends every grant due by now and sends the expiry warnings that are due; returns the
    /// ids of the grants ended.
    pub async fn expire(&self, actor: &Actor) -> Result<Vec<u64>> {
        let now = self.now();
        let mut conn = db::conn(self.db).await?;
        let mut ended = Vec::new();
        for request in store::grants_ending_before(&mut conn, now).await? {
            if self
                .end(
                    actor,
                    &request,
                    State::Expired,
                    Action::GroupAccessExpire,
                    "expire",
                    "",
                )
                .await?
            {
                ended.push(request.id);
            }
        }
        let warnings = [self.settings.first_warning, self.settings.last_warning];
        let horizon = warnings.iter().flatten().max().copied().unwrap_or_default();
        let horizon = now + TimeDelta::from_std(horizon).unwrap_or_default();
        for request in store::grants_ending_before(&mut conn, horizon).await? {
            let Some(ends) = request.grant_ends_at else {
                continue;
            };
            // The warnings due: the first once inside its window, the last inside its own.
            let due = warnings
                .iter()
                .enumerate()
                .filter(|(_, w)| {
                    w.is_some_and(|w| ends - TimeDelta::from_std(w).unwrap_or_default() <= now)
                })
                .map(|(i, _)| i as u8 + 1)
                .max()
                .unwrap_or(0);
            if due <= request.warnings_sent {
                continue;
            }
            let group = self.group(&request.group_dn)?;
            let to = notify::mail_of(self.directory, &request.uid).await?;
            conn.transaction::<_, Error, _>(async |conn| {
                store::set_warnings_sent(conn, request.id, due).await?;
                store::add_event(conn, request.id, now, None, "warn", "", &[]).await?;
                if let Some(to) = &to {
                    let ends = ends.format("%Y-%m-%d").to_string();
                    let notice = Notice {
                        request_id: request.id,
                        event: "expiry_warning",
                        nth: due,
                        group,
                        requester: &request.uid,
                        comment: "",
                        decisions: &[],
                        ends: &ends,
                        path: format!(
                            "/permissions/request/{}/{}",
                            group.url_system(),
                            group.url_key()
                        ),
                    };
                    notify::queue(conn, &notice, to).await?;
                }
                Ok(())
            })
            .await?;
        }
        Ok(ended)
    }

    /// Pending requests older than `older_than`; cancelled (with event, audit row and mail)
    /// unless `dry_run`. Returns their ids.
    pub async fn clean(
        &self,
        actor: &Actor,
        older_than: TimeDelta,
        dry_run: bool,
    ) -> Result<Vec<u64>> {
        let before = self.now() - older_than;
        let mut conn = db::conn(self.db).await?;
        let stale = store::older_than(&mut conn, State::Pending, before).await?;
        let mut cancelled = Vec::new();
        for request in stale {
            let comment = "no decision in time";
            if dry_run
                || self
                    .end(
                        actor,
                        &request,
                        State::Cancelled,
                        Action::GroupAccessCancel,
                        "cancel",
                        comment,
                    )
                    .await?
            {
                cancelled.push(request.id);
            }
        }
        Ok(cancelled)
    }
}

/// The mail event of a history event.
fn event_mail(event: &str) -> &str {
    match event {
        "expire" => "expired",
        "revoke" => "revoked",
        _ => "cancelled",
    }
}
