//! `permissions_permissionrequest` and `permissions_log`: group access requests with their
//! state and the managers' decisions, as our `access_requests` and their events.
//!
//! The original's two-letter states (`PermissionRequest.REQUEST_STATUS`) are read as: `PN`
//! pending, `AP` approved, `SY` "Enabled" (approved and in the group), `RJ` rejected, `CN`
//! cancelled; any other is skipped and named in the report. The original's LDAP backend is the
//! system `ldapbackend` and keys its requests by the group's DN (older releases by its `cn`);
//! both find the group among `[permissions] groups`, as do our own `system`/`key` pairs. A
//! request for a group not configured here is skipped.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Datetime, Integer, Text, Unsigned};
use diesel_async::RunQueryDsl;

use super::{Family, Outcome, Run, SourceRow};
use crate::db::schema::access_requests;
use crate::error::Result;
use crate::permissions::store::{State, add_event};

/// A request row with its requester.
#[derive(QueryableByName)]
pub(crate) struct Row {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Datetime)]
    created: NaiveDateTime,
    #[diesel(sql_type = Datetime)]
    updated: NaiveDateTime,
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = Text)]
    system: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Text)]
    comment: String,
    #[diesel(sql_type = Text)]
    ticket: String,
    #[diesel(sql_type = Text)]
    username: String,
}

impl SourceRow for Row {
    fn legacy_id(&self) -> String {
        self.id.clone()
    }
}

#[derive(QueryableByName)]
struct LogRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Datetime)]
    created: NaiveDateTime,
    #[diesel(sql_type = Bool)]
    approved: bool,
    #[diesel(sql_type = Text)]
    comment: String,
    #[diesel(sql_type = Text)]
    username: String,
}

/// The state of one of the original's status codes.
pub fn state_of(status: &str) -> Option<State> {
    Some(match status.trim().to_ascii_uppercase().as_str() {
        "PN" => State::Pending,
        "AP" | "SY" => State::Approved,
        "RJ" => State::Rejected,
        "CN" => State::Cancelled,
        _ => return None,
    })
}

/// The original's name for its LDAP backend, in `system` columns.
pub const ORIGINAL_LDAP_SYSTEM: &str = "ldapbackend";

/// The configured group a request of the original names: by our `system`/`key`, or, for the
/// original's LDAP backend, by the group's DN or its `cn`.
fn configured_group<'s>(
    settings: &'s crate::config::PermissionsSettings,
    system: &str,
    key: &str,
) -> Option<&'s crate::config::PermissionGroup> {
    if let Some(group) = settings.group_by_key(system, key) {
        return Some(group);
    }
    if system != ORIGINAL_LDAP_SYSTEM {
        return None;
    }
    settings.group(key).or_else(|| {
        settings
            .groups
            .iter()
            .find(|g| g.url_system() == "ldap" && g.url_key().eq_ignore_ascii_case(key.trim()))
    })
}

/// The decisions table, read with each request.
pub const LOG_TABLE: &str = "permissions_log";

/// `permissions_permissionrequest` (with `permissions_log`).
pub(crate) struct Requests;

impl Family for Requests {
    type Row = Row;
    const TABLE: &'static str = "permissions_permissionrequest";
    const START: &'static str = "";

    async fn fetch(run: &mut Run<'_>, after: &str, limit: u32) -> Result<Vec<Row>> {
        Ok(diesel::sql_query(
            "SELECT r.id, r.created, r.updated, r.`key`, r.system, r.status, r.comment, \
             r.ticket, u.username FROM permissions_permissionrequest r \
             JOIN accounts_user u ON u.id = r.user_id WHERE r.id > ? ORDER BY r.id LIMIT ?",
        )
        .bind::<Text, _>(after)
        .bind::<Unsigned<Integer>, _>(limit)
        .load(&mut run.source)
        .await?)
    }

    async fn import_row(run: &mut Run<'_>, row: &Row) -> Result<Outcome> {
        let logs: Vec<LogRow> = diesel::sql_query(
            "SELECT l.id, l.created, l.approved, l.comment, u.username FROM permissions_log l \
             JOIN accounts_user u ON u.id = l.created_by_id WHERE l.request_id = ? ORDER BY l.id",
        )
        .bind::<Text, _>(&row.id)
        .load(&mut run.source)
        .await?;
        for _ in &logs {
            run.read(LOG_TABLE);
        }
        let skipped = |run: &mut Run<'_>, reason: String| -> Result<Outcome> {
            for _ in &logs {
                run.report
                    .pending(LOG_TABLE)
                    .skip("its request was skipped".into());
            }
            Ok(Outcome::Skipped(reason))
        };
        let Some(state) = state_of(&row.status) else {
            return skipped(run, format!("unknown status {:?}", row.status));
        };
        let Some(group) = configured_group(&run.settings.permissions, &row.system, &row.key)
            .map(|g| g.group.clone())
        else {
            return skipped(
                run,
                format!(
                    "group {}/{} is not in [permissions] groups",
                    row.system, row.key
                ),
            );
        };
        let pending = state == State::Pending;
        let comment = if row.ticket.trim().is_empty() {
            row.comment.clone()
        } else {
            format!("{} (ticket: {})", row.comment, row.ticket.trim())
        };
        let inserted = diesel::insert_into(access_requests::table)
            .values((
                access_requests::uid.eq(&row.username),
                access_requests::group_dn.eq(&group),
                access_requests::state.eq(state.as_str()),
                // The original applied every decision it recorded.
                access_requests::applied.eq(!pending),
                access_requests::comment.eq(&comment),
                access_requests::created_at.eq(row.created),
                access_requests::decided_at.eq((!pending).then_some(row.updated)),
                access_requests::open_key.eq(pending.then_some(1u8)),
            ))
            .execute(&mut *run.dest)
            .await;
        match inserted {
            Ok(_) => {}
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {
                return skipped(
                    run,
                    "a pending request for the same group exists here".into(),
                );
            }
            Err(e) => return Err(e.into()),
        }
        let id: u64 = diesel::select(diesel::dsl::sql::<Unsigned<BigInt>>("LAST_INSERT_ID()"))
            .get_result(&mut *run.dest)
            .await?;
        add_event(
            &mut run.dest,
            id,
            row.created,
            Some(row.username.as_str()),
            "created",
            &row.comment,
            &[],
        )
        .await?;
        for log in &logs {
            let kind = if log.approved { "approve" } else { "reject" };
            add_event(
                &mut run.dest,
                id,
                log.created,
                Some(log.username.as_str()),
                kind,
                &log.comment,
                &[],
            )
            .await?;
            let event: u64 =
                diesel::select(diesel::dsl::sql::<Unsigned<BigInt>>("LAST_INSERT_ID()"))
                    .get_result(&mut *run.dest)
                    .await?;
            let legacy = log.id.to_string();
            run.record(
                LOG_TABLE,
                &legacy,
                Outcome::Imported {
                    table: "access_request_events",
                    id: event,
                },
            )
            .await?;
        }
        Ok(Outcome::Imported {
            table: "access_requests",
            id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_originals_request_status_codes_are_read() {
        assert_eq!(state_of("PN"), Some(State::Pending));
        assert_eq!(state_of("AP"), Some(State::Approved));
        assert_eq!(state_of("SY"), Some(State::Approved));
        assert_eq!(state_of("RJ"), Some(State::Rejected));
        assert_eq!(state_of("CN"), Some(State::Cancelled));
        assert_eq!(state_of("PE"), None);
    }
}
