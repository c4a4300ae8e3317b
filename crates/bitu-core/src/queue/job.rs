//! Jobs as typed values and as the versioned JSON envelope stored in Redis and the outbox.

use std::fmt;

use chrono::{DateTime, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::QueueName;
use super::registry::{self, BackgroundJob};

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

/// A job ready to be stored: its kind's name and its arguments as JSON. Made from a typed
/// job with [`Job::new`]; read back with [`Job::args`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Name of the kind ([`BackgroundJob::KIND`]).
    kind: String,
    /// The typed job, serialised.
    #[serde(default)]
    args: serde_json::Value,
}

impl Job {
    /// The stored form of `job`.
    pub fn new<J: BackgroundJob>(job: J) -> Job {
        Job {
            kind: J::KIND.to_string(),
            // Job arguments are plain structs of strings, numbers and lists: this cannot fail.
            args: serde_json::to_value(&job).unwrap_or_default(),
        }
    }

    /// Name of the kind.
    pub fn kind_name(&self) -> &str {
        &self.kind
    }

    /// The arguments, when this is a job of kind `J`.
    pub fn args<J: BackgroundJob>(&self) -> Option<J> {
        (self.kind == J::KIND)
            .then(|| serde_json::from_value(self.args.clone()).ok())
            .flatten()
    }

    /// The arguments as stored.
    pub fn raw_args(&self) -> &serde_json::Value {
        &self.args
    }

    /// The queue this kind of job goes to unless told otherwise.
    pub fn default_queue(&self) -> QueueName {
        registry::find(&self.kind).map_or(QueueName::Default, |kind| kind.queue())
    }
}

impl<J: BackgroundJob> From<J> for Job {
    fn from(job: J) -> Job {
        Job::new(job)
    }
}

/// The kind of a job: the name its envelope carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobKind(&'static str);

impl JobKind {
    /// What a kind this build does not know is called in logs and limits.
    pub const UNKNOWN: JobKind = JobKind("?");

    /// The kind of `J`.
    pub const fn of<J: BackgroundJob>() -> JobKind {
        JobKind(J::KIND)
    }

    /// Every kind this build runs.
    pub fn all() -> impl Iterator<Item = JobKind> {
        registry::KINDS.iter().map(|kind| JobKind(kind.name()))
    }

    /// Name used in the envelope and in `[queue.kinds.NAME]`.
    pub fn name(self) -> &'static str {
        self.0
    }

    /// The kind called `name`.
    pub fn from_name(name: &str) -> Option<JobKind> {
        registry::find(name).map(|kind| JobKind(kind.name()))
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
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
    pub fn new(job: impl Into<Job>) -> Envelope {
        let job = job.into();
        let queue = job.default_queue();
        Envelope::on_queue(job, queue)
    }

    /// A new envelope for `job` on `queue`.
    pub fn on_queue(job: impl Into<Job>, queue: QueueName) -> Envelope {
        let job = job.into();
        Envelope {
            v: ENVELOPE_VERSION,
            id: JobId::new(),
            queue,
            attempt: 0,
            enqueued_at: Utc::now(),
            job,
        }
    }

    /// The kind of the job inside ([`JobKind::UNKNOWN`] for a kind this build does not run).
    pub fn kind(&self) -> JobKind {
        JobKind::from_name(&self.job.kind).unwrap_or(JobKind::UNKNOWN)
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
        let Some(kind) = registry::find(&header.kind) else {
            return Err(DecodeError::UnknownKind(header.kind));
        };
        let bad = |message: String| DecodeError::BadArguments {
            kind: header.kind.clone(),
            message,
        };
        let envelope: Envelope = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        kind.check(&envelope.job.args).map_err(bad)?;
        Ok(envelope)
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
    use crate::jobs::{LdapModify, Probe, ProvisionAccount, SendMail};
    use crate::mail::Message;

    #[test]
    fn envelope_round_trips_with_kind_and_args() {
        let envelope = Envelope::new(Probe {
            label: Some("x".into()),
            ..Probe::default()
        });
        let json = envelope.to_json();
        assert!(json.contains(r#""kind":"probe""#), "{json}");
        assert!(json.contains(r#""v":1"#), "{json}");
        assert_eq!(Envelope::decode(&json).unwrap(), envelope);
        assert_eq!(peek(&json), ("probe".to_string(), Some(QueueName::Default)));
        assert_eq!(envelope.kind(), JobKind::of::<Probe>());
    }

    /// Envelopes exactly as the release before the job registry wrote them (one per kind
    /// then known): jobs waiting in Redis or the outbox during an upgrade must still run.
    const EARLIER_ENVELOPES: &str = include_str!("envelopes_v1.jsonl");

    #[test]
    fn envelopes_written_before_the_registry_still_decode_and_encode_the_same() {
        let mut kinds = Vec::new();
        for line in EARLIER_ENVELOPES.lines().filter(|l| !l.trim().is_empty()) {
            let envelope = Envelope::decode(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            // Same JSON (key order inside `args` may differ: it is read by name).
            let again: serde_json::Value = serde_json::from_str(&envelope.to_json()).unwrap();
            let before: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(again, before, "re-encoding changed the stored form");
            kinds.push(envelope.kind().name());
        }
        let mut all: Vec<&str> = JobKind::all().map(JobKind::name).collect();
        all.sort_unstable();
        kinds.sort_unstable();
        assert_eq!(
            kinds, all,
            "a kind without an earlier envelope, or one that vanished"
        );
    }

    #[test]
    fn typed_arguments_come_back_from_stored_envelopes() {
        let lines: Vec<&str> = EARLIER_ENVELOPES.lines().collect();
        let mail = Envelope::decode(lines[0]).unwrap();
        let mail: SendMail = mail.job.args().unwrap();
        assert!(matches!(
            mail.message,
            Message::Activation { signup_id: 7, .. }
        ));
        let modify = Envelope::decode(lines[1]).unwrap();
        assert_eq!(modify.job.args::<LdapModify>().unwrap().uid, "dana");
        assert!(
            modify.job.args::<ProvisionAccount>().is_none(),
            "wrong kind"
        );
        assert_eq!(modify.queue, QueueName::Default);
        assert_eq!(
            Envelope::decode(lines[0]).unwrap().queue,
            QueueName::Notification
        );
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
        assert_eq!(
            JobKind::from_name("send_mail"),
            Some(JobKind::of::<SendMail>())
        );
    }
}
