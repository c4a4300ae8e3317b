//! Requests and their history in MariaDB (`access_requests`, `access_request_events`).

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::{AsyncMysqlConnection, RunQueryDsl};
use serde::Serialize;

use super::rules::Vote;
use crate::db::schema::{access_request_events, access_requests};
use crate::error::{Error, Result};

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Waiting for managers.
    Pending,
    /// Approved: the user is (or is being made) a member.
    Approved,
    /// Rejected by a rule or a manager.
    Rejected,
    /// Withdrawn by the requester, or cancelled as stale.
    Cancelled,
    /// The grant ended by itself.
    Expired,
    /// A manager took the access away.
    Revoked,
    /// The requester already was a member.
    Member,
}

impl State {
    /// Every state.
    pub const ALL: [State; 7] = [
        State::Pending,
        State::Approved,
        State::Rejected,
        State::Cancelled,
        State::Expired,
        State::Revoked,
        State::Member,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Approved => "approved",
            State::Rejected => "rejected",
            State::Cancelled => "cancelled",
            State::Expired => "expired",
            State::Revoked => "revoked",
            State::Member => "member",
        }
    }

    /// How pages show it.
    pub fn label(self) -> &'static str {
        match self {
            State::Pending => "Pending",
            State::Approved => "Approved",
            State::Rejected => "Rejected",
            State::Cancelled => "Cancelled",
            State::Expired => "Expired",
            State::Revoked => "Revoked",
            State::Member => "Already a member",
        }
    }
}

impl FromStr for State {
    type Err = Error;

    fn from_str(name: &str) -> Result<State> {
        State::ALL
            .into_iter()
            .find(|state| state.as_str() == name)
            .ok_or_else(|| Error::Internal(format!("unknown request state {name:?}")))
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One request as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Request {
    /// Row id.
    pub id: u64,
    /// Requester's shell username.
    pub uid: String,
    /// DN of the requested group.
    pub group_dn: String,
    /// Where it stands.
    pub state: State,
    /// Whether the directory change of the state has landed.
    pub applied: bool,
    /// The requester's reason.
    pub comment: String,
    /// When it was made (UTC).
    pub created_at: NaiveDateTime,
    /// When the state last changed.
    pub decided_at: Option<NaiveDateTime>,
    /// When the grant ends by itself.
    pub grant_ends_at: Option<NaiveDateTime>,
    /// Expiry warnings sent so far.
    pub warnings_sent: u8,
    /// The request this one renews.
    pub renews: Option<u64>,
}

type Row = (
    u64,
    String,
    String,
    String,
    bool,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    u8,
    Option<u64>,
);

fn columns() -> (
    access_requests::id,
    access_requests::uid,
    access_requests::group_dn,
    access_requests::state,
    access_requests::applied,
    access_requests::comment,
    access_requests::created_at,
    access_requests::decided_at,
    access_requests::grant_ends_at,
    access_requests::warnings_sent,
    access_requests::renews,
) {
    (
        access_requests::id,
        access_requests::uid,
        access_requests::group_dn,
        access_requests::state,
        access_requests::applied,
        access_requests::comment,
        access_requests::created_at,
        access_requests::decided_at,
        access_requests::grant_ends_at,
        access_requests::warnings_sent,
        access_requests::renews,
    )
}

fn from_row(row: Row) -> Result<Request> {
    Ok(Request {
        id: row.0,
        uid: row.1,
        group_dn: row.2,
        state: row.3.parse()?,
        applied: row.4,
        comment: row.5,
        created_at: row.6,
        decided_at: row.7,
        grant_ends_at: row.8,
        warnings_sent: row.9,
        renews: row.10,
    })
}

/// One entry of a request's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// When.
    pub at: NaiveDateTime,
    /// Who (none: Bitu itself).
    pub actor_uid: Option<String>,
    /// created, approve, reject, cancel, applied, expire, revoke, warn.
    pub kind: String,
    /// What they said.
    pub comment: String,
    /// For votes: the manager rules counted for.
    pub rules: Vec<usize>,
}

/// Inserts a pending request; `None` when the user already has one pending for the group.
pub async fn insert(
    conn: &mut AsyncMysqlConnection,
    uid: &str,
    group_dn: &str,
    comment: &str,
    now: NaiveDateTime,
    renews: Option<u64>,
) -> Result<Option<u64>> {
    let inserted = diesel::insert_into(access_requests::table)
        .values((
            access_requests::uid.eq(uid),
            access_requests::group_dn.eq(group_dn),
            access_requests::state.eq(State::Pending.as_str()),
            access_requests::comment.eq(comment),
            access_requests::created_at.eq(now),
            access_requests::renews.eq(renews),
            access_requests::open_key.eq(Some(1u8)),
        ))
        .execute(conn)
        .await;
    match inserted {
        Ok(_) => {}
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let id: u64 = diesel::select(diesel::dsl::sql::<
        diesel::sql_types::Unsigned<diesel::sql_types::BigInt>,
    >("LAST_INSERT_ID()"))
    .get_result(conn)
    .await?;
    Ok(Some(id))
}

/// The request `id`, locked for update when inside a transaction.
pub async fn get_for_update(conn: &mut AsyncMysqlConnection, id: u64) -> Result<Option<Request>> {
    access_requests::table
        .select(columns())
        .filter(access_requests::id.eq(id))
        .for_update()
        .first::<Row>(conn)
        .await
        .optional()?
        .map(from_row)
        .transpose()
}

/// The request `id`.
pub async fn get(conn: &mut AsyncMysqlConnection, id: u64) -> Result<Option<Request>> {
    access_requests::table
        .select(columns())
        .filter(access_requests::id.eq(id))
        .first::<Row>(conn)
        .await
        .optional()?
        .map(from_row)
        .transpose()
}

/// Requests of `uid`, newest first.
pub async fn of_user(conn: &mut AsyncMysqlConnection, uid: &str) -> Result<Vec<Request>> {
    access_requests::table
        .select(columns())
        .filter(access_requests::uid.eq(uid))
        .order(access_requests::id.desc())
        .load::<Row>(conn)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

/// Requests for the groups `group_dns` in `state`, oldest first.
pub async fn for_groups(
    conn: &mut AsyncMysqlConnection,
    group_dns: &[String],
    state: State,
) -> Result<Vec<Request>> {
    access_requests::table
        .select(columns())
        .filter(access_requests::group_dn.eq_any(group_dns))
        .filter(access_requests::state.eq(state.as_str()))
        .order(access_requests::id.asc())
        .load::<Row>(conn)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

/// Requests in `state` created before `before`.
pub async fn older_than(
    conn: &mut AsyncMysqlConnection,
    state: State,
    before: NaiveDateTime,
) -> Result<Vec<Request>> {
    access_requests::table
        .select(columns())
        .filter(access_requests::state.eq(state.as_str()))
        .filter(access_requests::created_at.lt(before))
        .order(access_requests::id.asc())
        .load::<Row>(conn)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

/// Approved grants ending before `before`.
pub async fn grants_ending_before(
    conn: &mut AsyncMysqlConnection,
    before: NaiveDateTime,
) -> Result<Vec<Request>> {
    access_requests::table
        .select(columns())
        .filter(access_requests::state.eq(State::Approved.as_str()))
        .filter(access_requests::grant_ends_at.lt(before))
        .order(access_requests::id.asc())
        .load::<Row>(conn)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

/// Moves a request to `state` (not yet applied in the directory), closing it when it leaves
/// pending.
pub async fn set_state(
    conn: &mut AsyncMysqlConnection,
    id: u64,
    state: State,
    now: NaiveDateTime,
    grant_ends_at: Option<NaiveDateTime>,
) -> Result<()> {
    let open_key = (state == State::Pending).then_some(1u8);
    diesel::update(access_requests::table.filter(access_requests::id.eq(id)))
        .set((
            access_requests::state.eq(state.as_str()),
            access_requests::applied.eq(false),
            access_requests::decided_at.eq(Some(now)),
            access_requests::grant_ends_at.eq(grant_ends_at),
            access_requests::open_key.eq(open_key),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks the directory change of a request in `state` as landed; false when the request
/// has moved on to another state meanwhile.
pub async fn mark_applied(conn: &mut AsyncMysqlConnection, id: u64, state: State) -> Result<bool> {
    let changed = diesel::update(
        access_requests::table
            .filter(access_requests::id.eq(id))
            .filter(access_requests::state.eq(state.as_str())),
    )
    .set(access_requests::applied.eq(true))
    .execute(conn)
    .await?;
    Ok(changed == 1)
}

/// Records how many expiry warnings went out.
pub async fn set_warnings_sent(conn: &mut AsyncMysqlConnection, id: u64, sent: u8) -> Result<()> {
    diesel::update(access_requests::table.filter(access_requests::id.eq(id)))
        .set(access_requests::warnings_sent.eq(sent))
        .execute(conn)
        .await?;
    Ok(())
}

/// Appends to a request's history.
pub async fn add_event(
    conn: &mut AsyncMysqlConnection,
    request_id: u64,
    at: NaiveDateTime,
    actor_uid: Option<&str>,
    kind: &str,
    comment: &str,
    rules: &[usize],
) -> Result<()> {
    let rules = rules
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    diesel::insert_into(access_request_events::table)
        .values((
            access_request_events::request_id.eq(request_id),
            access_request_events::at.eq(at),
            access_request_events::actor_uid.eq(actor_uid),
            access_request_events::kind.eq(kind),
            access_request_events::comment.eq(comment),
            access_request_events::rules.eq(rules),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A request's history, oldest first.
pub async fn events(conn: &mut AsyncMysqlConnection, request_id: u64) -> Result<Vec<Event>> {
    let rows: Vec<(NaiveDateTime, Option<String>, String, String, String)> =
        access_request_events::table
            .select((
                access_request_events::at,
                access_request_events::actor_uid,
                access_request_events::kind,
                access_request_events::comment,
                access_request_events::rules,
            ))
            .filter(access_request_events::request_id.eq(request_id))
            .order(access_request_events::id.asc())
            .load(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(at, actor_uid, kind, comment, rules)| Event {
            at,
            actor_uid,
            kind,
            comment,
            rules: rules.split(',').filter_map(|r| r.parse().ok()).collect(),
        })
        .collect())
}

/// The managers' votes among a request's history.
pub fn votes(events: &[Event]) -> Vec<Vote> {
    events
        .iter()
        .filter(|event| event.kind == "approve" || event.kind == "reject")
        .filter_map(|event| {
            Some(Vote {
                manager: event.actor_uid.clone()?,
                approve: event.kind == "approve",
                rules: event.rules.clone(),
            })
        })
        .collect()
}
