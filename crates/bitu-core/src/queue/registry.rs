//! Job kinds as types: a kind is a struct implementing [`BackgroundJob`] (in the spirit of
//! crates.io's `crates_io_worker`), listed once in `crate::jobs::KINDS`. The envelope names
//! the kind; the registry finds its code, checks its arguments and runs it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Envelope, JobId, Queue, QueueName};
use crate::config::Settings;
use crate::mail::Mailer;
use crate::services::Services;

/// Why a run did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Another run may work (an outage, a refusal that may pass).
    Retry(String),
    /// No run can work; straight to the failed set.
    Permanent(String),
}

impl From<crate::Error> for Failure {
    fn from(error: crate::Error) -> Failure {
        match &error {
            // A 5xx may still be lifted (full mailbox, a mistaken block), so it gets the kind's
            // retries and then the failed set; only our own broken messages fail at once.
            crate::Error::Mail(mail) if mail.is_permanent() && !mail.is_rejection() => {
                Failure::Permanent(error.to_string())
            }
            _ => Failure::Retry(error.to_string()),
        }
    }
}

/// What a run came to: done (with a note when it was not the obvious), or a failure.
pub type JobResult = Result<Option<&'static str>, Failure>;

/// What jobs run with: the queues (dedup records), the mailer, the pools and settings.
pub struct JobContext {
    /// The queues.
    pub queue: Queue,
    /// Mail rendering and delivery.
    pub mailer: Mailer,
    /// MariaDB, LDAP, Redis.
    pub services: Services,
    /// The configuration.
    pub settings: Arc<Settings>,
}

/// One kind of background job. Runs must be idempotent: a redelivered job has the effect of
/// one run.
pub trait BackgroundJob: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Name in the envelope and in `[queue.kinds.NAME]`; stored jobs carry it, so it never
    /// changes.
    const KIND: &'static str;
    /// The queue it goes to unless told otherwise.
    const QUEUE: QueueName;

    /// Does the work.
    fn run(&self, ctx: &JobContext, envelope: &Envelope) -> impl Future<Output = JobResult> + Send;

    /// Called once the job lands in the failed set, to tell someone.
    fn gave_up(
        &self,
        _ctx: &JobContext,
        _id: &JobId,
        _reason: &str,
    ) -> impl Future<Output = ()> + Send {
        async {}
    }
}

type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
type RunFn = for<'a> fn(&'a JobContext, &'a Envelope) -> Boxed<'a, JobResult>;
type GaveUpFn = for<'a> fn(&'a JobContext, &'a Envelope, &'a str) -> Boxed<'a, ()>;

/// A registered kind: its name, queue and type-erased code.
pub struct Kind {
    name: &'static str,
    queue: QueueName,
    check: fn(&serde_json::Value) -> Result<(), String>,
    run: RunFn,
    gave_up: GaveUpFn,
}

fn args<J: BackgroundJob>(envelope: &Envelope) -> Result<J, Failure> {
    J::deserialize(envelope.job.raw_args())
        .map_err(|e| Failure::Permanent(format!("bad arguments for job kind {}: {e}", J::KIND)))
}

fn check<J: BackgroundJob>(value: &serde_json::Value) -> Result<(), String> {
    J::deserialize(value).map(|_| ()).map_err(|e| e.to_string())
}

fn run<'a, J: BackgroundJob>(ctx: &'a JobContext, envelope: &'a Envelope) -> Boxed<'a, JobResult> {
    Box::pin(async move { args::<J>(envelope)?.run(ctx, envelope).await })
}

fn gave_up<'a, J: BackgroundJob>(
    ctx: &'a JobContext,
    envelope: &'a Envelope,
    reason: &'a str,
) -> Boxed<'a, ()> {
    Box::pin(async move {
        if let Ok(job) = args::<J>(envelope) {
            job.gave_up(ctx, &envelope.id, reason).await;
        }
    })
}

impl Kind {
    /// The entry of kind `J`.
    pub const fn of<J: BackgroundJob>() -> Kind {
        Kind {
            name: J::KIND,
            queue: J::QUEUE,
            check: check::<J>,
            run: run::<J>,
            gave_up: gave_up::<J>,
        }
    }

    /// Its name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Its default queue.
    pub fn queue(&self) -> QueueName {
        self.queue
    }

    /// Whether `args` are arguments of this kind.
    pub fn check(&self, args: &serde_json::Value) -> Result<(), String> {
        (self.check)(args)
    }
}

/// The registered kind called `name`.
pub fn find(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|kind| kind.name == name)
}

pub(crate) use crate::jobs::KINDS;

/// Runs the job of `envelope` with its kind's code.
pub async fn run_job(ctx: &JobContext, envelope: &Envelope) -> JobResult {
    match find(envelope.job.kind_name()) {
        Some(kind) => (kind.run)(ctx, envelope).await,
        None => Err(Failure::Permanent(format!(
            "unknown job kind {:?}",
            envelope.job.kind_name()
        ))),
    }
}

/// Tells the job of `envelope`, now in the failed set, that it was given up on.
pub async fn job_gave_up(ctx: &JobContext, envelope: &Envelope, reason: &str) {
    if let Some(kind) = find(envelope.job.kind_name()) {
        (kind.gave_up)(ctx, envelope, reason).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::{Probe, ProvisionAccount};
    use crate::queue::Job;

    /// A context over lazy pools: nothing here connects unless a job reaches for a service.
    fn context() -> JobContext {
        let settings = Settings::default();
        let services = Services::new(&settings).unwrap();
        JobContext {
            queue: Queue::new(services.redis.clone(), &settings),
            mailer: Mailer::new(&settings).unwrap(),
            services,
            settings: Arc::new(settings),
        }
    }

    fn envelope(kind: &str, args: serde_json::Value, attempt: u32) -> Envelope {
        let json = serde_json::json!({
            "v": 1, "id": "0193a0c0ffee00000000000000000009", "queue": "default",
            "attempt": attempt, "enqueued_at": "2026-11-28T12:00:00Z", "kind": kind, "args": args,
        });
        serde_json::from_value(json).unwrap()
    }

    #[tokio::test]
    async fn the_registry_runs_a_kind_by_its_stored_name_with_its_arguments() {
        let ctx = context();
        let mut quiet = Envelope::new(Probe::default());
        // Claiming counts the run: the first run is attempt 1.
        quiet.attempt = 1;
        assert_eq!(run_job(&ctx, &quiet).await, Ok(None));
        let failing = envelope("probe", serde_json::json!({"fail_attempts": 2}), 1);
        assert!(matches!(
            run_job(&ctx, &failing).await,
            Err(Failure::Retry(_))
        ));
    }

    #[tokio::test]
    async fn unknown_kinds_and_bad_arguments_fail_for_good() {
        let ctx = context();
        let unknown = envelope("launch_rockets", serde_json::json!({}), 1);
        assert!(matches!(
            run_job(&ctx, &unknown).await,
            Err(Failure::Permanent(_))
        ));
        let bad = envelope(
            "provision_account",
            serde_json::json!({"signup_id": "x"}),
            1,
        );
        assert!(matches!(
            run_job(&ctx, &bad).await,
            Err(Failure::Permanent(_))
        ));
        assert!(Job::new(ProvisionAccount { signup_id: 1 }).default_queue() == QueueName::Default);
    }

    #[test]
    fn kind_names_are_unique() {
        let mut names: Vec<&str> = KINDS.iter().map(Kind::name).collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count, "two kinds share a name");
    }
}
