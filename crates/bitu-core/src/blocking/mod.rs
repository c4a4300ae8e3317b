//! Blocking accounts: an account manager shuts an account out of LDAP (and so every service
//! binding against it), Gerrit, GitLab and Phabricator, or lets it back in. Each action is a
//! row with one row per system, and one `block_system` job per system that the worker retries
//! with back-off until it is done; the pages and the API show that progress.

pub mod ldap;
pub mod search;
pub mod store;

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDateTime, Utc};
use diesel_async::AsyncConnection;
use serde::Serialize;
use tracing::{info, warn};

use crate::audit::{self, Action, Actor, Entry, Outcome, Target};
use crate::config::Settings;
use crate::db;
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::integrations::{Account, Applied, Gerrit, GitLab, Integration, Phabricator};
use crate::jobs::BlockSystem;
use crate::queue::{Queue, outbox};
use crate::services::Services;
pub use store::{ActionRow, SystemRow};

/// Blocks and unblocks shown per page of the public log.
pub const PER_PAGE: i64 = 25;

/// Longest comment kept.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// What an action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionKind {
    /// Shut the account out.
    Block,
    /// Let it back in.
    Unblock,
}

impl ActionKind {
    /// `block` or `unblock`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Block => "block",
            ActionKind::Unblock => "unblock",
        }
    }
}

impl FromStr for ActionKind {
    type Err = Error;

    fn from_str(name: &str) -> Result<ActionKind> {
        match name {
            "block" => Ok(ActionKind::Block),
            "unblock" => Ok(ActionKind::Unblock),
            _ => Err(Error::Invalid(
                Msg::new("bitu-blocking-error-action").arg(format!("{name:?}")),
            )),
        }
    }
}

/// A system an action reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum System {
    /// The LDAP directory, with Bitu's own sessions, tokens and keys.
    Ldap,
    /// Gerrit.
    Gerrit,
    /// GitLab.
    GitLab,
    /// Phabricator.
    Phabricator,
}

impl System {
    /// Name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            System::Ldap => "ldap",
            System::Gerrit => "gerrit",
            System::GitLab => "gitlab",
            System::Phabricator => "phabricator",
        }
    }

    /// What a block does there, for the warning on the block page.
    pub fn description(self) -> &'static str {
        match self {
            System::Ldap => {
                "LDAP: binds fail (every service signing in through LDAP), Bitu sessions end and \
                 API tokens stop working"
            }
            System::Gerrit => "Gerrit: the account is set inactive",
            System::GitLab => "GitLab: the user is blocked",
            System::Phabricator => "Phabricator: the user is disabled",
        }
    }

    /// The systems a block reaches with `settings`: LDAP, then each enabled integration.
    pub fn enabled(settings: &Settings) -> Vec<System> {
        let b = &settings.blocking;
        let mut systems = vec![System::Ldap];
        for (on, system) in [
            (b.gerrit.enabled, System::Gerrit),
            (b.gitlab.enabled, System::GitLab),
            (b.phabricator.enabled, System::Phabricator),
        ] {
            if on {
                systems.push(system);
            }
        }
        systems
    }
}

impl FromStr for System {
    type Err = Error;

    fn from_str(name: &str) -> Result<System> {
        [
            System::Ldap,
            System::Gerrit,
            System::GitLab,
            System::Phabricator,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
        .ok_or_else(|| {
            Error::Invalid(Msg::new("bitu-blocking-error-system").arg(format!("{name:?}")))
        })
    }
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A block or unblock asked for.
#[derive(Debug, Clone)]
pub struct BlockRequest<'a> {
    /// The account's shell username.
    pub uid: &'a str,
    /// Block or unblock.
    pub action: ActionKind,
    /// Why; required, public.
    pub comment: &'a str,
    /// Block: also clear `mail`; unblock: put back the address the last block cleared.
    pub unset_email: bool,
    /// Block: suspend the SSH keys; unblock: restore those the last block suspended.
    pub move_keys: bool,
}

/// Progress of an action over its systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    /// Every system is done.
    Done,
    /// Some system is pending or failed.
    PartiallyApplied,
}

/// The progress of an action with `systems`.
pub fn progress(systems: &[SystemRow]) -> Progress {
    if systems.iter().all(|s| s.state == "done") {
        Progress::Done
    } else {
        Progress::PartiallyApplied
    }
}

/// The name an action records as its manager: the account manager, or the OS user of the CLI.
pub fn manager_name(actor: &Actor) -> String {
    match (&actor.uid, &actor.detail) {
        (Some(uid), _) => uid.clone(),
        (None, Some(os_user)) => format!("{os_user} (bitu CLI)"),
        (None, None) => "Bitu".to_string(),
    }
}

/// Stores `request` by `actor` (an account manager, or the CLI) and queues one job per
/// system, with its audit row, in one transaction; returns the action's id. The account must
/// exist in LDAP.
pub async fn request(
    services: &Services,
    settings: &Settings,
    queue: &Queue,
    actor: &Actor,
    request: &BlockRequest<'_>,
) -> Result<u64> {
    let manager = manager_name(actor);
    let manager = manager.as_str();
    let comment = request.comment.trim();
    if comment.is_empty() {
        return Err(Error::Invalid(Msg::new(
            "bitu-blocking-error-comment-missing",
        )));
    }
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(Error::Invalid(
            Msg::new("bitu-blocking-error-comment-long").arg(MAX_COMMENT_CHARS),
        ));
    }
    if services
        .directory
        .find_user_by_uid(request.uid)
        .await?
        .is_none()
    {
        return Err(Error::NotFound(format!("account {}", request.uid)));
    }
    let systems = System::enabled(settings);
    let names: Vec<&str> = systems.iter().map(|s| s.as_str()).collect();
    let new = store::NewAction {
        uid: request.uid,
        action: request.action.as_str(),
        manager,
        comment,
        unset_email: request.unset_email,
        move_keys: request.move_keys,
    };
    let audit_action = match request.action {
        ActionKind::Block => Action::AccountBlock,
        ActionKind::Unblock => Action::AccountUnblock,
    };
    let mut conn = db::conn(&services.db).await?;
    let (id, envelopes) = conn
        .transaction(async |conn| {
            let id = store::insert(conn, &new, &names).await?;
            let mail_key = match request.action {
                ActionKind::Block => "unset_email",
                ActionKind::Unblock => "restore_email",
            };
            let entry = Entry::new(actor, audit_action, Target::User(new.uid.to_string()))
                .with("action_id", id)
                .with("comment", comment)
                .with("systems", names.clone())
                .with(mail_key, new.unset_email)
                .with("keys", new.move_keys);
            audit::record(conn, &entry).await?;
            let mut envelopes = Vec::new();
            for system in &systems {
                let job = BlockSystem {
                    action_id: id,
                    system: system.as_str().to_string(),
                };
                envelopes.push(outbox::enqueue(conn, job).await?);
            }
            Ok::<_, Error>((id, envelopes))
        })
        .await?;
    drop(conn);
    info!(
        uid = request.uid,
        action = request.action.as_str(),
        manager,
        id,
        "block action stored"
    );
    if let Err(e) = outbox::push_committed(&services.db, queue, &envelopes).await {
        warn!(error = %e, "block jobs stay in the outbox until Redis answers");
    }
    Ok(id)
}

/// Queues another run of `system` of action `id` now (a manager's "retry now"); a system
/// already done is left alone.
pub async fn retry_now(services: &Services, queue: &Queue, id: u64, system: System) -> Result<()> {
    let row = store::system(&services.db, id, system.as_str()).await?;
    if row.state == "done" {
        return Ok(());
    }
    let job = BlockSystem {
        action_id: id,
        system: system.as_str().to_string(),
    };
    outbox::submit(&services.db, queue, job).await
}

/// Applies `system` of action `id` once; records done, or failed with the reason and the time
/// of the next try (`retry_at`). A system already done is not touched again.
pub async fn apply(
    services: &Services,
    settings: &Settings,
    id: u64,
    system: System,
    retry_at: Option<NaiveDateTime>,
) -> Result<Option<&'static str>> {
    let row = store::system(&services.db, id, system.as_str()).await?;
    if row.state == "done" {
        return Ok(Some("already done"));
    }
    let action = store::action(&services.db, id).await?;
    let outcome = run(services, settings, &action, system).await;
    // Read after the run: the LDAP part may just have kept the old address.
    let old_mail = store::action(&services.db, id).await?.old_mail;
    let mut entry = Entry::new(
        &Actor::system(),
        Action::AccountBlockApply,
        Target::User(action.uid.clone()),
    )
    .with("action_id", id)
    .with("action", action.action.clone())
    .with("system", system.as_str());
    if system == System::Ldap
        && let Some(mail) = old_mail
    {
        entry = entry.with("old_mail", mail);
    }
    let mut conn = db::conn(&services.db).await?;
    match outcome {
        Ok(note) => {
            let entry = entry.with("note", note.unwrap_or("done"));
            conn.transaction(async |conn| {
                store::mark_done(conn, id, system.as_str(), note).await?;
                audit::record(conn, &entry).await
            })
            .await?;
            info!(uid = %action.uid, id, %system, "block action applied");
            Ok(note)
        }
        Err(e) => {
            let reason = e.to_string();
            let entry = entry
                .with("reason", reason.clone())
                .outcome(Outcome::Failed);
            conn.transaction(async |conn| {
                store::mark_failed(conn, id, system.as_str(), &reason, retry_at).await?;
                audit::record(conn, &entry).await
            })
            .await?;
            warn!(uid = %action.uid, id, %system, error = %reason, "block action failed");
            Err(e)
        }
    }
}

async fn run(
    services: &Services,
    settings: &Settings,
    action: &ActionRow,
    system: System,
) -> Result<Option<&'static str>> {
    let kind: ActionKind = action.action.parse()?;
    if system == System::Ldap {
        match kind {
            ActionKind::Block => ldap::block(services, settings, action).await?,
            ActionKind::Unblock => ldap::unblock(services, settings, action).await?,
        }
        return Ok(None);
    }
    let user = services
        .directory
        .find_user_by_uid(&action.uid)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no directory entry for {}", action.uid)))?;
    let account = Account {
        uid: action.uid.clone(),
        cn: user.cn().to_string(),
    };
    let contact = settings.site.base_url.as_str();
    let b = &settings.blocking;
    let applied = match system {
        System::Gerrit => on(&Gerrit::new(&b.gerrit, contact)?, kind, &account).await?,
        System::GitLab => on(&GitLab::new(&b.gitlab, contact)?, kind, &account).await?,
        System::Phabricator => {
            on(&Phabricator::new(&b.phabricator, contact)?, kind, &account).await?
        }
        System::Ldap => Applied::Changed,
    };
    Ok(applied.note())
}

async fn on(
    integration: &impl Integration,
    kind: ActionKind,
    account: &Account,
) -> Result<Applied> {
    match kind {
        ActionKind::Block => integration.block(account).await,
        ActionKind::Unblock => integration.unblock(account).await,
    }
}

/// Whether an account is blocked, and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BlockState {
    /// Not locked.
    Active,
    /// Locked by a block through Bitu.
    Blocked {
        /// When.
        since: NaiveDateTime,
        /// The account manager.
        by: String,
    },
    /// Locked in LDAP with no Bitu block (an ldapmodify, another tool).
    BlockedOutside,
}

/// The state of an account from its LDAP lock and its latest Bitu action (a block whose LDAP
/// part is still pending counts as blocked).
pub fn state_of(locked: bool, latest: Option<&ActionRow>) -> BlockState {
    match latest {
        Some(a) if a.action == "block" => BlockState::Blocked {
            since: a.created_at,
            by: a.manager.clone(),
        },
        _ if locked => BlockState::BlockedOutside,
        _ => BlockState::Active,
    }
}

/// Now, as stored.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}
