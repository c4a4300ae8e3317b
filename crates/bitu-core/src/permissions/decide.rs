//! Managers' votes, the decision bitu-rq makes for votes recorded while LDAP was away, and
//! renewals of time-limited grants.

use chrono::NaiveDateTime;
use diesel_async::{AsyncConnection, AsyncMysqlConnection};

use super::notify;
use super::rules::{self, Facts, Outcome};
use super::service::{AccessRequests, Created, Voted, check_comment};
use super::store::{self, State};
use crate::audit::{self, Action, Actor, Entry, Target};
use crate::db;
use crate::directory::{GroupStore, UserStore};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::jobs::GroupAccessDecide;
use crate::queue::outbox;

/// (manager, comment) of every vote in a history.
fn decisions(events: &[store::Event]) -> Vec<(String, String)> {
    events
        .iter()
        .filter(|e| e.kind == "approve" || e.kind == "reject")
        .map(|e| (e.actor_uid.clone().unwrap_or_default(), e.comment.clone()))
        .collect()
}

fn state_of(outcome: Outcome) -> State {
    match outcome {
        Outcome::Approved => State::Approved,
        Outcome::Rejected => State::Rejected,
        Outcome::Pending => State::Pending,
    }
}

impl<D: UserStore + GroupStore> AccessRequests<'_, D> {
    /// Counts `manager`'s vote (approve or reject, with `comment`) on request `id`.
    pub async fn vote(
        &self,
        actor: &Actor,
        manager: &str,
        id: u64,
        approve: bool,
        comment: &str,
    ) -> Result<Voted> {
        let manager = self.facts(manager).await?;
        self.vote_as(actor, &manager, id, approve, comment).await
    }

    /// Counts the vote of the manager `manager` describes (bitu-web builds these facts from
    /// its group cache, so a vote needs no LDAP). When the requester cannot be looked up
    /// because LDAP is away, the vote is recorded and bitu-rq decides the outcome later.
    pub async fn vote_as(
        &self,
        actor: &Actor,
        manager: &Facts,
        id: u64,
        approve: bool,
        comment: &str,
    ) -> Result<Voted> {
        let comment = check_comment(comment)?;
        let mut conn = db::conn(self.db).await?;
        let request = store::get(&mut conn, id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no request {id}")))?;
        let group = self.group(&request.group_dn)?;
        let managed = rules::managed_rules(group, manager);
        if managed.is_empty() {
            return Ok(Voted::NotManager);
        }
        let requester = match self.facts(&request.uid).await {
            Ok(facts) => Some(facts),
            Err(e) if e.is_unavailable() => None,
            Err(e) => return Err(e),
        };
        let requester_mail = match requester {
            Some(_) => notify::mail_of(self.directory, &request.uid).await?,
            None => None,
        };
        let now = self.now();
        let manager_uid = manager.uid.as_str();
        conn.transaction::<_, Error, _>(async |conn| {
            let request = store::get_for_update(conn, id)
                .await?
                .ok_or_else(|| Error::NotFound(format!("no request {id}")))?;
            if request.state != State::Pending {
                return Err(Error::Invalid(
                    Msg::new("bitu-permissions-error-not-pending")
                        .arg(id)
                        .arg(request.state.to_string()),
                ));
            }
            let events = store::events(conn, id).await?;
            if store::votes(&events)
                .iter()
                .any(|v| v.manager == manager_uid)
            {
                return Ok(Voted::AlreadyVoted);
            }
            let kind = if approve { "approve" } else { "reject" };
            store::add_event(conn, id, now, Some(manager_uid), kind, comment, &managed).await?;
            let events = store::events(conn, id).await?;
            let state = match &requester {
                Some(requester) => state_of(rules::outcome(
                    group,
                    requester,
                    &store::votes(&events),
                    self.settings.allow_self_approval,
                )),
                None => State::Pending,
            };
            let action = if approve {
                Action::GroupAccessApprove
            } else {
                Action::GroupAccessReject
            };
            let entry = Entry::new(actor, action, Target::User(request.uid.clone()))
                .with("request_id", id)
                .with("group", group.group.as_str())
                .with("state", state.as_str());
            audit::record(conn, &entry).await?;
            if requester.is_none() {
                outbox::enqueue(conn, GroupAccessDecide { request_id: id }).await?;
                return Ok(Voted::Recorded);
            }
            if state != State::Pending {
                let decisions = decisions(&events);
                let mail = requester_mail.as_deref();
                self.settle(conn, id, &request.uid, group, state, mail, &decisions)
                    .await?;
            }
            Ok(Voted::Counted(state))
        })
        .await
    }

    /// Decides a pending request from the votes it holds (for votes recorded while LDAP was
    /// away); fails while LDAP still is, so bitu-rq retries. Returns the state.
    pub async fn reconsider(&self, id: u64) -> Result<State> {
        let mut conn = db::conn(self.db).await?;
        let Some(request) = store::get(&mut conn, id).await? else {
            return Err(Error::NotFound(format!("no request {id}")));
        };
        if request.state != State::Pending {
            return Ok(request.state);
        }
        let group = self.group(&request.group_dn)?;
        let requester = self.facts(&request.uid).await?;
        let requester_mail = notify::mail_of(self.directory, &request.uid).await?;
        conn.transaction::<_, Error, _>(async |conn| {
            let Some(request) = store::get_for_update(conn, id).await? else {
                return Err(Error::NotFound(format!("no request {id}")));
            };
            if request.state != State::Pending {
                return Ok(request.state);
            }
            let events = store::events(conn, id).await?;
            let votes = store::votes(&events);
            let outcome =
                rules::outcome(group, &requester, &votes, self.settings.allow_self_approval);
            let state = state_of(outcome);
            if state == State::Pending {
                return Ok(state);
            }
            let entry = Entry::new(
                &Actor::system(),
                Action::GroupAccessDecide,
                Target::User(request.uid.clone()),
            )
            .with("request_id", id)
            .with("group", group.group.as_str())
            .with("state", state.as_str());
            audit::record(conn, &entry).await?;
            let decisions = decisions(&events);
            let mail = requester_mail.as_deref();
            self.settle(conn, id, &request.uid, group, state, mail, &decisions)
                .await?;
            Ok(state)
        })
        .await
    }

    /// `uid` asks to renew their time-limited grant `id`: a new request (with `comment`)
    /// that remembers which grant it renews. `None` when `id` is not such a grant of theirs.
    pub async fn renew(
        &self,
        actor: &Actor,
        uid: &str,
        id: u64,
        comment: &str,
    ) -> Result<Option<Created>> {
        let mut conn = db::conn(self.db).await?;
        let Some(grant) = store::get(&mut conn, id).await? else {
            return Ok(None);
        };
        if grant.uid != uid || grant.state != State::Approved || grant.grant_ends_at.is_none() {
            return Ok(None);
        }
        let group = self.group(&grant.group_dn)?;
        self.create(actor, uid, group, comment, Some(id))
            .await
            .map(Some)
    }

    /// When approved request `id` renews a grant, that grant ends here without taking the
    /// membership away (the new grant holds it), its history saying so.
    pub(super) async fn retire_renewed(
        &self,
        conn: &mut AsyncMysqlConnection,
        id: u64,
        now: NaiveDateTime,
    ) -> Result<()> {
        let Some(renews) = store::get(conn, id).await?.and_then(|r| r.renews) else {
            return Ok(());
        };
        let Some(old) = store::get_for_update(conn, renews).await? else {
            return Ok(());
        };
        if old.state != State::Approved {
            return Ok(());
        }
        store::set_state(conn, renews, State::Expired, now, None).await?;
        store::mark_applied(conn, renews, State::Expired).await?;
        let note = format!("renewed by request {id}");
        store::add_event(conn, renews, now, None, "renewed", &note, &[]).await?;
        Ok(())
    }
}
