//! Reading the audit trail: for on-call (`bitu audit`) and for each person's own recent
//! activity on their account page.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;

use super::Action;
use crate::db::schema::audit_log;
use crate::db::{self, DbPool};
use crate::error::Result;

/// One stored row.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    /// Row id.
    pub id: u64,
    /// When (UTC).
    pub at: NaiveDateTime,
    /// Who acted, when known.
    pub actor_uid: Option<String>,
    /// session, token, cli, link, anonymous, system.
    pub actor_kind: String,
    /// Token id or OS user.
    pub actor_detail: Option<String>,
    /// Stored action name.
    pub action: String,
    /// user, group, key, token.
    pub target_kind: String,
    /// uid, group DN, key fingerprint or token id.
    pub target: String,
    /// The account the change concerns.
    pub subject_uid: Option<String>,
    /// Client address.
    pub client_address: Option<String>,
    /// success, refused, failed.
    pub outcome: String,
    /// JSON details.
    pub detail: String,
}

impl AuditRow {
    /// The row as its account's owner reads it: "Password changed from 192.0.2.1, on
    /// 2026-11-28 14:02".
    pub fn describe(&self) -> String {
        self.describe_msg().to_string()
    }

    /// [`AuditRow::describe`] as a message, for the reader's language.
    pub fn describe_msg(&self) -> crate::i18n::Msg {
        use crate::i18n::{Arg, Msg};
        let what: Arg = match self.action.parse::<Action>() {
            Ok(action) => Msg::new(action.message_key()).into(),
            Err(_) => self.action.clone().into(),
        };
        let when = self.at.format("%Y-%m-%d %H:%M").to_string();
        match &self.client_address {
            Some(client) => Msg::new("bitu-activity-from")
                .arg(what)
                .arg(client)
                .arg(when),
            None => Msg::new("bitu-activity").arg(what).arg(when),
        }
    }
}

/// Which rows to read; every field set narrows the search.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Rows by this actor (shell username, or the OS user of `bitu`).
    pub actor: Option<String>,
    /// Rows about this target (uid, group DN, fingerprint, token id) or this account.
    pub target: Option<String>,
    /// Rows of this action.
    pub action: Option<Action>,
    /// Rows concerning this account only.
    pub subject: Option<String>,
    /// Rows at or after this time.
    pub since: Option<NaiveDateTime>,
    /// At most this many rows, newest first (0: 100).
    pub limit: i64,
}

/// The rows matching `filter`, newest first.
pub async fn search(pool: &DbPool, filter: &Filter) -> Result<Vec<AuditRow>> {
    let mut query = audit_log::table.select(AuditRow::as_select()).into_boxed();
    if let Some(actor) = &filter.actor {
        query = query.filter(
            audit_log::actor_uid
                .eq(actor.clone())
                .or(audit_log::actor_kind
                    .eq("cli")
                    .and(audit_log::actor_detail.eq(actor.clone()))),
        );
    }
    if let Some(target) = &filter.target {
        query = query.filter(
            audit_log::target
                .eq(target.clone())
                .or(audit_log::subject_uid.eq(target.clone())),
        );
    }
    if let Some(action) = filter.action {
        query = query.filter(audit_log::action.eq(action.as_str()));
    }
    if let Some(subject) = &filter.subject {
        query = query.filter(audit_log::subject_uid.eq(subject.clone()));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_log::at.ge(since));
    }
    let limit = if filter.limit > 0 { filter.limit } else { 100 };
    let mut conn = db::conn(pool).await?;
    Ok(query
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(limit)
        .load(&mut conn)
        .await?)
}

/// The last `limit` rows concerning account `uid`, for its owner's account page.
pub async fn recent_for(pool: &DbPool, uid: &str, limit: i64) -> Result<Vec<AuditRow>> {
    let filter = Filter {
        subject: Some(uid.to_string()),
        limit,
        ..Filter::default()
    };
    search(pool, &filter).await
}
