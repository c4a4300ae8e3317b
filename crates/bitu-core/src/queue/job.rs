//! Jobs as typed values and as the versioned JSON envelope stored in Redis and the outbox.

use std::fmt;

use chrono::{DateTime, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::QueueName;
use crate::mail::Message;

/// Version of the envelope format this build writes and reads.
pub const ENVELOPE_VERSION: u32 = 1;

/// Unique id of a job: 12 hex digits of milliseconds then 20 random ones, so ids sort by age.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(pub String);

impl JobId {
    /// A fresh id.
    pub fn new() -> JobId {
        let millis = u64::try_from(Utc::now().timestamp_millis()).unwrap_or_default();
        let random: u128 = rand::rng().random();
        JobId(format!(
            "{:012x}{:020x}",
            millis & 0xffff_ffff_ffff,
            random & ((1 << 80) - 1)
        ))
    }
}

impl Default for JobId {
    fn default() -> Self {
        JobId::new()
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Sends one mail, at most once per `dedup_key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMail {
    /// Names this mail; a second job with the same key sends nothing (e.g. `activation:42`).
    pub dedup_key: String,
    /// What to render and to whom.
    pub message: Message,
}

/// What a change does to an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeOp {
    /// Add values; values already there are fine.
    Add,
    /// Remove values (all of them when none are given); absent values are fine.
    Delete,
    /// Set the attribute to exactly these values.
    Replace,
}

/// One attribute change of an [`LdapModify`] job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeChange {
    /// Add, delete or replace.
    pub op: ChangeOp,
    /// Attribute name.
    pub attribute: String,
    /// Values added, removed or set.
    #[serde(default)]
    pub values: Vec<String>,
}

/// Changes attributes of a user entry; each change is idempotent, so a rerun is harmless.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LdapModify {
    /// Shell username of the user whose entry changes.
    pub uid: String,
    /// Changes, applied one by one in order.
    pub changes: Vec<AttributeChange>,
}

/// Does nothing but optionally record that it ran; for tests, benchmarks and checking that
/// a deployment's worker is alive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Probe {
    /// When set, the job id is appended exactly once to the Redis list named by this label.
    pub label: Option<String>,
    /// How long the job takes, in milliseconds.
    pub sleep_ms: u64,
    /// Fails (retryably) on this many first attempts.
    pub fail_attempts: u32,
}

/// Creates the LDAP entry of an activated sign-up (see `signup::provision`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionAccount {
    /// Row id of the sign-up.
    pub signup_id: u64,
}

/// Mails a password reset link to the entry with this developer name, if there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordResetMail {
    /// Developer name as typed.
    pub cn: String,
}

/// Mails the names of every entry with this address, if there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsernameReminderMail {
    /// Address as typed.
    pub email: String,
}

/// Every kind of background job. New kinds are new variants; old workers put unknown ones
/// into the failed set, from where `bitu jobs retry` brings them back after an upgrade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "args", rename_all = "snake_case")]
pub enum Job {
    /// Render and send a mail.
    SendMail(SendMail),
    /// Change a user entry in LDAP.
    LdapModify(LdapModify),
    /// A no-op for tests and benchmarks.
    Probe(Probe),
    /// Create the LDAP entry of an activated sign-up.
    ProvisionAccount(ProvisionAccount),
    /// Look up a developer name and mail it a reset link.
    PasswordResetMail(PasswordResetMail),
    /// Look up an address and mail it the account names.
    UsernameReminderMail(UsernameReminderMail),
}

/// The kind of a [`Job`], without its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobKind {
    /// [`Job::SendMail`].
    SendMail,
    /// [`Job::LdapModify`].
    LdapModify,
    /// [`Job::Probe`].
    Probe,
    /// [`Job::ProvisionAccount`].
    ProvisionAccount,
    /// [`Job::PasswordResetMail`].
    PasswordResetMail,
    /// [`Job::UsernameReminderMail`].
    UsernameReminderMail,
}

impl JobKind {
    /// Every kind.
    pub const ALL: [JobKind; 6] = [
        JobKind::SendMail,
        JobKind::LdapModify,
        JobKind::Probe,
        JobKind::ProvisionAccount,
        JobKind::PasswordResetMail,
        JobKind::UsernameReminderMail,
    ];

    /// Name used in the envelope and in `[queue.kinds.NAME]`.
    pub fn name(self) -> &'static str {
        match self {
            JobKind::SendMail => "send_mail",
            JobKind::LdapModify => "ldap_modify",
            JobKind::Probe => "probe",
            JobKind::ProvisionAccount => "provision_account",
            JobKind::PasswordResetMail => "password_reset_mail",
            JobKind::UsernameReminderMail => "username_reminder_mail",
        }
    }

    /// The kind called `name`.
    pub fn from_name(name: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Job {
    /// The kind of this job.
    pub fn kind(&self) -> JobKind {
        match self {
            Job::SendMail(_) => JobKind::SendMail,
            Job::LdapModify(_) => JobKind::LdapModify,
            Job::Probe(_) => JobKind::Probe,
            Job::ProvisionAccount(_) => JobKind::ProvisionAccount,
            Job::PasswordResetMail(_) => JobKind::PasswordResetMail,
            Job::UsernameReminderMail(_) => JobKind::UsernameReminderMail,
        }
    }

    /// The queue this kind of job goes to unless told otherwise.
    pub fn default_queue(&self) -> QueueName {
        match self {
            Job::SendMail(_) | Job::PasswordResetMail(_) | Job::UsernameReminderMail(_) => {
                QueueName::Notification
            }
            Job::LdapModify(_) | Job::Probe(_) | Job::ProvisionAccount(_) => QueueName::Default,
        }
    }
}

/// A job with its bookkeeping, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// Format version ([`ENVELOPE_VERSION`]).
    pub v: u32,
    /// Unique id.
    pub id: JobId,
    /// Queue it runs from.
    pub queue: QueueName,
    /// Runs started so far.
    pub attempt: u32,
    /// When it was first enqueued.
    pub enqueued_at: DateTime<Utc>,
    /// The job itself (`kind` and `args`).
    #[serde(flatten)]
    pub job: Job,
}

/// The fields every version keeps, read before the job itself so a bad job can be named.
#[derive(Debug, Deserialize)]
struct Header {
    v: u32,
    kind: String,
}

/// Why a stored job cannot run; it goes to the failed set with this reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not an envelope at all.
    #[error("undecodable job payload: {0}")]
    Undecodable(String),
    /// Written by a newer release.
    #[error("job envelope version {0} is not supported (this build reads {ENVELOPE_VERSION})")]
    Version(u32),
    /// A kind this build does not know.
    #[error("unknown job kind {0:?}")]
    UnknownKind(String),
    /// A known kind with arguments that do not fit.
    #[error("bad arguments for job kind {kind}: {message}")]
    BadArguments {
        /// The kind.
        kind: String,
        /// What serde said.
        message: String,
    },
}

impl Envelope {
    /// A new envelope for `job` on its default queue.
    pub fn new(job: Job) -> Envelope {
        let queue = job.default_queue();
        Envelope::on_queue(job, queue)
    }

    /// A new envelope for `job` on `queue`.
    pub fn on_queue(job: Job, queue: QueueName) -> Envelope {
        Envelope {
            v: ENVELOPE_VERSION,
            id: JobId::new(),
            queue,
            attempt: 0,
            enqueued_at: Utc::now(),
            job,
        }
    }

    /// The kind of the job inside.
    pub fn kind(&self) -> JobKind {
        self.job.kind()
    }

    /// The JSON form.
    pub fn to_json(&self) -> String {
        // Every field is a string, number or plain enum: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads the JSON form, telling an unknown kind from a broken payload.
    pub fn decode(text: &str) -> Result<Envelope, DecodeError> {
        let header: Header =
            serde_json::from_str(text).map_err(|e| DecodeError::Undecodable(e.to_string()))?;
        if header.v != ENVELOPE_VERSION {
            return Err(DecodeError::Version(header.v));
        }
        if JobKind::from_name(&header.kind).is_none() {
            return Err(DecodeError::UnknownKind(header.kind));
        }
        serde_json::from_str(text).map_err(|e| DecodeError::BadArguments {
            kind: header.kind,
            message: e.to_string(),
        })
    }
}

/// Kind name and queue of a stored payload, as far as they can be read; for listings.
pub fn peek(text: &str) -> (String, Option<QueueName>) {
    #[derive(Deserialize)]
    struct Peek {
        kind: Option<String>,
        queue: Option<QueueName>,
    }
    match serde_json::from_str::<Peek>(text) {
        Ok(peek) => (peek.kind.unwrap_or_else(|| "?".into()), peek.queue),
        Err(_) => ("?".into(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_round_trips_with_kind_and_args() {
        let envelope = Envelope::new(Job::Probe(Probe {
            label: Some("x".into()),
            ..Probe::default()
        }));
        let json = envelope.to_json();
        assert!(json.contains(r#""kind":"probe""#), "{json}");
        assert!(json.contains(r#""v":1"#), "{json}");
        assert_eq!(Envelope::decode(&json).unwrap(), envelope);
        assert_eq!(peek(&json), ("probe".to_string(), Some(QueueName::Default)));
    }

    #[test]
    fn bad_payloads_are_named() {
        assert!(matches!(
            Envelope::decode("not json"),
            Err(DecodeError::Undecodable(_))
        ));
        let unknown = r#"{"v":1,"id":"a","queue":"default","attempt":0,
            "enqueued_at":"2026-01-01T00:00:00Z","kind":"launch_rockets","args":{}}"#;
        assert_eq!(
            Envelope::decode(unknown),
            Err(DecodeError::UnknownKind("launch_rockets".into()))
        );
        let newer = unknown.replace(r#""v":1"#, r#""v":9"#);
        assert_eq!(Envelope::decode(&newer), Err(DecodeError::Version(9)));
        let bad = unknown.replace("launch_rockets", "ldap_modify");
        assert!(matches!(
            Envelope::decode(&bad),
            Err(DecodeError::BadArguments { .. })
        ));
    }

    #[test]
    fn ids_are_unique_and_sortable() {
        let a = JobId::new();
        let b = JobId::new();
        assert_ne!(a, b);
        assert_eq!(a.0.len(), 32);
        assert_eq!(JobKind::from_name("send_mail"), Some(JobKind::SendMail));
    }
}
