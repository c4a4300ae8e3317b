//! actix-session storage in MariaDB (see `bitu_core::account::sessions`), so restarting or
//! failing over bitu-web signs no one out.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use anyhow::anyhow;
use bitu_core::account::sessions::Sessions;
use chrono::TimeDelta;
use rand::distr::{Alphanumeric, SampleString};
use tracing::info;

/// The store; cheap to clone.
#[derive(Clone)]
pub struct DbSessionStore {
    sessions: Sessions,
}

impl DbSessionStore {
    /// A store over `sessions`.
    pub fn new(sessions: Sessions) -> Self {
        Self { sessions }
    }
}

fn ttl(duration: &Duration) -> TimeDelta {
    TimeDelta::seconds(duration.whole_seconds())
}

fn new_key() -> Result<SessionKey, anyhow::Error> {
    // 64 alphanumerics from the OS-seeded thread RNG: ~380 bits.
    let key = Alphanumeric.sample_string(&mut rand::rng(), 64);
    SessionKey::try_from(key).map_err(|e| anyhow!("bad session key: {e}"))
}

impl SessionStore for DbSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<HashMap<String, String>>, LoadError> {
        let Some(state) = self
            .sessions
            .load(key.as_ref())
            .await
            .map_err(|e| LoadError::Other(anyhow!(e)))?
        else {
            return Ok(None);
        };
        serde_json::from_str(&state)
            .map(Some)
            .map_err(|e| LoadError::Deserialization(anyhow!(e)))
    }

    async fn save(
        &self,
        state: HashMap<String, String>,
        duration: &Duration,
    ) -> Result<SessionKey, SaveError> {
        let json =
            serde_json::to_string(&state).map_err(|e| SaveError::Serialization(anyhow!(e)))?;
        let key = new_key().map_err(SaveError::Other)?;
        self.sessions
            .insert(key.as_ref(), &json, ttl(duration))
            .await
            .map_err(|e| SaveError::Other(anyhow!(e)))?;
        Ok(key)
    }

    async fn update(
        &self,
        key: SessionKey,
        state: HashMap<String, String>,
        duration: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let json =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(anyhow!(e)))?;
        let kept = self
            .sessions
            .update(key.as_ref(), &json, ttl(duration))
            .await
            .map_err(|e| UpdateError::Other(anyhow!(e)))?;
        if !kept {
            // Ended meanwhile (elsewhere): it stays ended; the cookie now points at nothing.
            info!("session ended elsewhere; this request's changes to it are dropped");
        }
        Ok(key)
    }

    async fn update_ttl(&self, key: &SessionKey, duration: &Duration) -> Result<(), anyhow::Error> {
        self.sessions
            .touch(key.as_ref(), ttl(duration))
            .await
            .map_err(|e| anyhow!(e))
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        self.sessions
            .delete(key.as_ref())
            .await
            .map_err(|e| anyhow!(e))
    }
}
