//! Started flows in MariaDB: state (only its SHA-256), nonce, PKCE verifier, where to go
//! afterwards, and who started a linking. Taken once by the callback, on any host.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use sha2::{Digest, Sha256};

use crate::db::schema::sso_flows;
use crate::db::{self, DbPool};
use crate::error::Result;

/// A flow to store when it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// The backend it belongs to (the path's name).
    pub backend: String,
    /// The nonce the ID token must carry (empty for OAuth 2.0 linking).
    pub nonce: String,
    /// The PKCE verifier of the code challenge sent (empty when none was sent).
    pub pkce_verifier: String,
    /// A local path to return to.
    pub next: String,
    /// Who started a linking; `None` for a sign-in.
    pub uid: Option<String>,
}

/// What the callback's state came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// The flow, now deleted: a second callback with the same state finds nothing.
    Flow(Flow),
    /// No such state: never issued, tampered with, or used already.
    Unknown,
    /// Issued, but longer ago than the flow lifetime.
    Expired,
}

fn state_hash(state: &str) -> Vec<u8> {
    Sha256::digest(state.as_bytes()).to_vec()
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// Stores `flow` under `state`.
pub async fn store(db: &DbPool, state: &str, flow: &Flow) -> Result<()> {
    let mut conn = db::conn(db).await?;
    diesel::insert_into(sso_flows::table)
        .values((
            sso_flows::state_hash.eq(state_hash(state)),
            sso_flows::backend.eq(&flow.backend),
            sso_flows::nonce.eq(&flow.nonce),
            sso_flows::pkce_verifier.eq(&flow.pkce_verifier),
            sso_flows::next_path.eq(&flow.next),
            sso_flows::uid.eq(flow.uid.as_deref()),
            sso_flows::created_at.eq(now()),
        ))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Takes the flow of `state` for `backend`: deleted in the same step, so of two callbacks
/// racing with one state only one gets it.
pub async fn take(db: &DbPool, backend: &str, state: &str, lifetime: Duration) -> Result<Taken> {
    let mut conn = db::conn(db).await?;
    let hash = state_hash(state);
    type Row = (
        u64,
        String,
        String,
        String,
        String,
        Option<String>,
        NaiveDateTime,
    );
    let row: Option<Row> = sso_flows::table
        .filter(sso_flows::state_hash.eq(&hash))
        .filter(sso_flows::backend.eq(backend))
        .select((
            sso_flows::id,
            sso_flows::backend,
            sso_flows::nonce,
            sso_flows::pkce_verifier,
            sso_flows::next_path,
            sso_flows::uid,
            sso_flows::created_at,
        ))
        .first(&mut conn)
        .await
        .optional()?;
    let Some((id, backend, nonce, pkce_verifier, next, uid, created_at)) = row else {
        return Ok(Taken::Unknown);
    };
    let deleted = diesel::delete(sso_flows::table.filter(sso_flows::id.eq(id)))
        .execute(&mut conn)
        .await?;
    if deleted != 1 {
        return Ok(Taken::Unknown);
    }
    let age = now() - created_at;
    if age > TimeDelta::from_std(lifetime).unwrap_or(TimeDelta::MAX) {
        return Ok(Taken::Expired);
    }
    Ok(Taken::Flow(Flow {
        backend,
        nonce,
        pkce_verifier,
        next,
        uid,
    }))
}

/// Deletes flows started more than `lifetime` ago (abandoned at the provider); returns how
/// many. bitu-expire runs it.
pub async fn purge_expired(db: &DbPool, lifetime: Duration) -> Result<usize> {
    let mut conn = db::conn(db).await?;
    let cutoff = TimeDelta::from_std(lifetime)
        .ok()
        .and_then(|age| now().checked_sub_signed(age))
        .unwrap_or(NaiveDateTime::MIN);
    Ok(
        diesel::delete(sso_flows::table.filter(sso_flows::created_at.lt(cutoff)))
            .execute(&mut conn)
            .await?,
    )
}
