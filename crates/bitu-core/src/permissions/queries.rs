//! Read-only questions the pages ask of the request tables: the managers' decision log and
//! which requests a manager has voted on.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::{AsyncMysqlConnection, RunQueryDsl};

use crate::db::schema::{access_request_events, access_requests};
use crate::error::Result;

/// History kinds the decision log shows.
pub const DECISIONS: [&str; 6] = ["approve", "reject", "cancel", "revoke", "expire", "renewed"];

/// One row of the decision log.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LogRow {
    /// The request.
    pub request_id: u64,
    /// When.
    pub at: NaiveDateTime,
    /// Who (none: Bitu itself).
    pub actor_uid: Option<String>,
    /// approve, reject, cancel, revoke, expire, renewed.
    pub kind: String,
    /// What they said.
    pub comment: String,
}

/// Decisions on requests for `group_dns`, newest first: `limit` rows from `offset`.
pub async fn decisions(
    conn: &mut AsyncMysqlConnection,
    group_dns: &[String],
    offset: i64,
    limit: i64,
) -> Result<Vec<LogRow>> {
    let requests = access_requests::table
        .select(access_requests::id)
        .filter(access_requests::group_dn.eq_any(group_dns));
    let rows: Vec<(u64, NaiveDateTime, Option<String>, String, String)> =
        access_request_events::table
            .select((
                access_request_events::request_id,
                access_request_events::at,
                access_request_events::actor_uid,
                access_request_events::kind,
                access_request_events::comment,
            ))
            .filter(access_request_events::request_id.eq_any(requests))
            .filter(access_request_events::kind.eq_any(DECISIONS))
            .order(access_request_events::id.desc())
            .offset(offset)
            .limit(limit)
            .load(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(request_id, at, actor_uid, kind, comment)| LogRow {
            request_id,
            at,
            actor_uid,
            kind,
            comment,
        })
        .collect())
}

/// Which of `ids` `manager` has voted on.
pub async fn voted_on(
    conn: &mut AsyncMysqlConnection,
    ids: &[u64],
    manager: &str,
) -> Result<HashSet<u64>> {
    let voted: Vec<u64> = access_request_events::table
        .select(access_request_events::request_id)
        .filter(access_request_events::request_id.eq_any(ids))
        .filter(access_request_events::actor_uid.eq(manager))
        .filter(access_request_events::kind.eq_any(["approve", "reject"]))
        .load(conn)
        .await?;
    Ok(voted.into_iter().collect())
}
