//! The transactional outbox: a job is a row written in the same MariaDB transaction as the
//! state change it belongs to, so it exists exactly when the change does. A relay pushes rows
//! to Redis and deletes them; pushing is idempotent, so relays may race or crash freely.

use diesel::prelude::*;
use diesel_async::{AsyncMysqlConnection, RunQueryDsl};
use tracing::{debug, info};

use super::{Envelope, Job, Queue, QueueName};
use crate::db::schema::job_outbox;
use crate::db::{self, DbPool};
use crate::error::Result;

/// Rows relayed per round trip.
const BATCH: i64 = 500;

/// Writes `job` to the outbox on its default queue. Call it on the connection of the
/// transaction that makes the state change; push the returned envelope after the commit
/// with [`push_committed`] (or let the relay do it).
pub async fn enqueue(conn: &mut AsyncMysqlConnection, job: impl Into<Job>) -> Result<Envelope> {
    enqueue_envelope(conn, Envelope::new(job)).await
}

/// Writes a prepared envelope (e.g. for another queue) to the outbox.
pub async fn enqueue_envelope(
    conn: &mut AsyncMysqlConnection,
    envelope: Envelope,
) -> Result<Envelope> {
    diesel::insert_into(job_outbox::table)
        .values((
            job_outbox::job_id.eq(&envelope.id.0),
            job_outbox::queue.eq(envelope.queue.name()),
            job_outbox::envelope.eq(envelope.to_json()),
        ))
        .execute(conn)
        .await?;
    Ok(envelope)
}

/// Fast path after a commit: pushes `envelopes` now and deletes their rows. When Redis is
/// down this fails and the rows wait for the relay; the caller should log and carry on.
pub async fn push_committed(db: &DbPool, queue: &Queue, envelopes: &[Envelope]) -> Result<()> {
    queue.push(envelopes).await?;
    let ids: Vec<&str> = envelopes.iter().map(|e| e.id.0.as_str()).collect();
    let mut conn = db::conn(db).await?;
    diesel::delete(job_outbox::table.filter(job_outbox::job_id.eq_any(ids)))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Pushes every outstanding row to Redis, oldest first, deleting what was pushed; returns how
/// many rows were relayed. Stops at the first error (the rest stays for the next run).
pub async fn relay(db: &DbPool, queue: &Queue) -> Result<usize> {
    let mut relayed = 0;
    loop {
        let mut conn = db::conn(db).await?;
        let rows: Vec<(u64, String, String, String)> = job_outbox::table
            .select((
                job_outbox::seq,
                job_outbox::job_id,
                job_outbox::queue,
                job_outbox::envelope,
            ))
            .order(job_outbox::seq)
            .limit(BATCH)
            .load(&mut conn)
            .await?;
        if rows.is_empty() {
            break;
        }
        let last_batch = rows.len() < usize::try_from(BATCH).unwrap_or(usize::MAX);
        let seqs: Vec<u64> = rows.iter().map(|row| row.0).collect();
        let jobs: Vec<(QueueName, String, String)> = rows
            .into_iter()
            .map(|(_, id, name, json)| (name.parse().unwrap_or(QueueName::Default), id, json))
            .collect();
        let pushed = queue.push_raw(&jobs).await?;
        diesel::delete(job_outbox::table.filter(job_outbox::seq.eq_any(&seqs)))
            .execute(&mut conn)
            .await?;
        relayed += seqs.len();
        debug!(rows = seqs.len(), pushed, "relayed outbox rows");
        if last_batch {
            break;
        }
    }
    if relayed > 0 {
        info!(rows = relayed, "relayed outbox jobs to Redis");
    }
    Ok(relayed)
}

/// Rows waiting in the outbox.
pub async fn pending(db: &DbPool) -> Result<i64> {
    let mut conn = db::conn(db).await?;
    Ok(job_outbox::table.count().get_result(&mut conn).await?)
}

/// Storing jobs for bitu-rq: the seam of services that queue work outside a transaction of
/// their own (the outbox in production, a list in service tests).
pub trait JobStore: Send + Sync {
    /// Stores `job` durably; it runs once bitu-rq gets to it.
    fn submit(&self, job: Job) -> impl std::future::Future<Output = Result<()>> + Send;
}

/// The outbox in MariaDB with the Redis queue behind it.
pub struct Outbox<'a> {
    /// Where the row is written.
    pub db: &'a DbPool,
    /// Where it is pushed right after.
    pub queue: &'a Queue,
}

impl JobStore for Outbox<'_> {
    async fn submit(&self, job: Job) -> Result<()> {
        submit(self.db, self.queue, job).await
    }
}

/// Writes `job` to the outbox on its own and pushes it at once; when Redis is down the
/// relay pushes it later, so the caller only learns of a database failure.
pub async fn submit(db: &DbPool, queue: &Queue, job: impl Into<Job>) -> Result<()> {
    let envelope = {
        let mut conn = db::conn(db).await?;
        enqueue(&mut conn, job).await?
    };
    if let Err(e) = push_committed(db, queue, &[envelope]).await {
        tracing::warn!(error = %e, "job stays in the outbox until Redis answers");
    }
    Ok(())
}
