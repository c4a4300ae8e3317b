//! The audit trail: one row per change, written with [`record`] on the connection of the
//! transaction that makes the change (the same one as its outbox rows), so a change without
//! its row cannot exist. A change that ends in the directory records its row first and
//! commits after the directory write: a failed write rolls the row back with the rest.
//!
//! New features add an [`Action`] variant (and a [`Target`] kind when they touch a new
//! kind of thing); nothing else changes.

mod action;
pub mod query;
pub mod retention;

use std::net::IpAddr;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel_async::AnsiTransactionManager;
use diesel_async::{AsyncMysqlConnection, RunQueryDsl, TransactionManager};
use serde_json::{Map, Value};

pub use action::Action;
pub use query::{AuditRow, Filter, search};

use crate::db::schema::audit_log;
use crate::db::{self, DbPool};
use crate::error::Result;

/// How the actor proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    /// A signed-in browser session.
    Session,
    /// An API token (its id in [`Actor::detail`]).
    Token,
    /// The `bitu` command (the OS user in [`Actor::detail`]).
    Cli,
    /// Someone holding a link Bitu mailed (activation, password reset).
    Link,
    /// A visitor who is not signed in (e.g. a sign-up).
    Anonymous,
    /// Bitu itself: a worker job or a timer.
    System,
}

impl ActorKind {
    /// The stored, stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::Session => "session",
            ActorKind::Token => "token",
            ActorKind::Cli => "cli",
            ActorKind::Link => "link",
            ActorKind::Anonymous => "anonymous",
            ActorKind::System => "system",
        }
    }
}

/// Who made a change, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Shell username, when known.
    pub uid: Option<String>,
    /// How they proved it.
    pub kind: ActorKind,
    /// The token id or the OS user.
    pub detail: Option<String>,
    /// The client's address, for web requests.
    pub client: Option<IpAddr>,
    /// The language of the person acting (a web request's), for the mails to them; `en`
    /// where there is no reader (a job, the command line).
    pub lang: String,
}

impl Actor {
    /// The same actor, reading `lang` (a language code of the request).
    #[must_use]
    pub fn in_lang(mut self, lang: &str) -> Actor {
        self.lang = lang.to_string();
        self
    }

    /// A signed-in user acting through their browser session.
    pub fn session(uid: &str, client: Option<IpAddr>) -> Actor {
        Actor {
            uid: Some(uid.to_string()),
            kind: ActorKind::Session,
            detail: None,
            client,
            lang: crate::i18n::DEFAULT_LANG.to_string(),
        }
    }

    /// A user acting through their API token `token_id`.
    pub fn token(uid: &str, token_id: u64, client: Option<IpAddr>) -> Actor {
        Actor {
            uid: Some(uid.to_string()),
            kind: ActorKind::Token,
            detail: Some(token_id.to_string()),
            client,
            lang: crate::i18n::DEFAULT_LANG.to_string(),
        }
    }

    /// The on-call running `bitu` as OS user `os_user`.
    pub fn cli(os_user: &str) -> Actor {
        Actor {
            uid: None,
            kind: ActorKind::Cli,
            detail: Some(os_user.to_string()),
            client: None,
            lang: crate::i18n::DEFAULT_LANG.to_string(),
        }
    }

    /// The holder of a mailed link for account `uid`.
    pub fn link(uid: &str, client: Option<IpAddr>) -> Actor {
        Actor {
            uid: Some(uid.to_string()),
            kind: ActorKind::Link,
            detail: None,
            client,
            lang: crate::i18n::DEFAULT_LANG.to_string(),
        }
    }

    /// A visitor who is not signed in.
    pub fn anonymous(client: Option<IpAddr>) -> Actor {
        Actor {
            uid: None,
            kind: ActorKind::Anonymous,
            detail: None,
            client,
            lang: crate::i18n::DEFAULT_LANG.to_string(),
        }
    }

    /// Bitu itself (a job or a timer).
    pub fn system() -> Actor {
        Actor {
            uid: None,
            kind: ActorKind::System,
            detail: None,
            client: None,
            lang: crate::i18n::DEFAULT_LANG.to_string(),
        }
    }
}

/// What a change was made to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An account, by shell username.
    User(String),
    /// A group, by DN.
    Group(String),
    /// An SSH key of `owner`, by fingerprint.
    Key {
        /// The key's owner.
        owner: String,
        /// `SHA256:...`.
        fingerprint: String,
    },
    /// A table filled by an import, by name.
    Table(String),
    /// An API token of `owner`, by id.
    Token {
        /// The token's owner.
        owner: String,
        /// Row id.
        id: u64,
    },
}

impl Target {
    /// The stored kind name.
    pub fn kind(&self) -> &'static str {
        match self {
            Target::User(_) => "user",
            Target::Group(_) => "group",
            Target::Key { .. } => "key",
            Target::Token { .. } => "token",
            Target::Table(_) => "table",
        }
    }

    /// The stored target value.
    pub fn value(&self) -> String {
        match self {
            Target::User(uid) => uid.clone(),
            Target::Group(dn) | Target::Table(dn) => dn.clone(),
            Target::Key { fingerprint, .. } => fingerprint.clone(),
            Target::Token { id, .. } => id.to_string(),
        }
    }

    /// The account the change concerns, whose owner sees the row on their page.
    pub fn subject(&self) -> Option<&str> {
        match self {
            Target::User(uid) => Some(uid),
            Target::Group(_) | Target::Table(_) => None,
            Target::Key { owner, .. } | Target::Token { owner, .. } => Some(owner),
        }
    }
}

/// How the action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done.
    Success,
    /// Refused by a rule (wrong password, invalid value).
    Refused,
    /// Attempted and failed.
    Failed,
}

impl Outcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }
}

/// One row to write.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Who.
    pub actor: Actor,
    /// What.
    pub action: Action,
    /// To what.
    pub target: Target,
    /// How it ended.
    pub outcome: Outcome,
    /// Details (never secrets: keys naming one are dropped by [`record`]).
    pub detail: Map<String, Value>,
}

impl Entry {
    /// A successful `action` by `actor` on `target`, without details.
    pub fn new(actor: &Actor, action: Action, target: Target) -> Entry {
        Entry {
            actor: actor.clone(),
            action,
            target,
            outcome: Outcome::Success,
            detail: Map::new(),
        }
    }

    /// Adds one detail.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Entry {
        self.detail.insert(key.to_string(), value.into());
        self
    }

    /// Sets the outcome.
    pub fn outcome(mut self, outcome: Outcome) -> Entry {
        self.outcome = outcome;
        self
    }
}

/// Whether a detail key names a secret, which the audit trail never holds.
fn names_a_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["password", "secret", "token_value", "private"]
        .iter()
        .any(|word| key.contains(word))
        || key == "token"
}

/// The details as stored: secret-named keys dropped, whatever the caller passed.
fn stored_detail(detail: &Map<String, Value>) -> String {
    let kept: Map<String, Value> = detail
        .iter()
        .filter(|(key, _)| !names_a_secret(key))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    Value::Object(kept).to_string()
}

/// Microsecond UTC now, as the row's `at`.
fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// Writes `entry` on `conn`, which must be the connection of the change's transaction.
pub async fn record(conn: &mut AsyncMysqlConnection, entry: &Entry) -> Result<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(now()),
            audit_log::actor_uid.eq(entry.actor.uid.as_deref()),
            audit_log::actor_kind.eq(entry.actor.kind.as_str()),
            audit_log::actor_detail.eq(entry.actor.detail.as_deref()),
            audit_log::action.eq(entry.action.as_str()),
            audit_log::target_kind.eq(entry.target.kind()),
            audit_log::target.eq(entry.target.value()),
            audit_log::subject_uid.eq(entry.target.subject()),
            audit_log::client_address.eq(entry.actor.client.map(|ip| ip.to_string())),
            audit_log::outcome.eq(entry.outcome.as_str()),
            audit_log::detail.eq(stored_detail(&entry.detail)),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Runs `change` (a directory write, not started yet) inside a transaction that first writes
/// `entry`: the row is written before the change and committed after it, so a failed write
/// rolls the row back, and a database that fails before the change stops it.
pub async fn with_directory_change<T>(
    pool: &DbPool,
    entry: &Entry,
    change: impl Future<Output = Result<T>>,
) -> Result<T> {
    let mut conn = db::conn(pool).await?;
    AnsiTransactionManager::begin_transaction(&mut *conn).await?;
    let done = match record(&mut conn, entry).await {
        Ok(()) => change.await,
        Err(e) => Err(e),
    };
    match done {
        Ok(value) => {
            if let Err(e) = AnsiTransactionManager::commit_transaction(&mut *conn).await {
                // The one window left: the directory changed, the row was lost with the commit.
                tracing::error!(action = %entry.action, target = %entry.target.value(), error = %e,
                    "directory changed but its audit row could not be committed");
                return Err(e.into());
            }
            Ok(value)
        }
        Err(e) => {
            // The change's own error is the one worth reporting; a dead connection rolls back.
            let _ = AnsiTransactionManager::rollback_transaction(&mut *conn).await;
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_named_details_are_never_stored() {
        let entry = Entry::new(
            &Actor::system(),
            Action::PasswordChange,
            Target::User("u".into()),
        )
        .with("new_password", "hunter2")
        .with("token", "bitu_xyz")
        .with("client_secret", "s")
        .with("token_id", 7)
        .with("attribute", "loginShell");
        let stored = stored_detail(&entry.detail);
        assert_eq!(stored, r#"{"attribute":"loginShell","token_id":7}"#);
    }

    #[test]
    fn targets_name_their_subject() {
        let key = Target::Key {
            owner: "ann".into(),
            fingerprint: "SHA256:x".into(),
        };
        assert_eq!((key.kind(), key.subject()), ("key", Some("ann")));
        assert_eq!(Target::Group("cn=g".into()).subject(), None);
    }
}
