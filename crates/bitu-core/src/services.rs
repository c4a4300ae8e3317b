//! The backing services every daemon talks to, connected once at start and health-checked.

use std::time::{Duration, Instant};

use serde::Serialize;
use tracing::info;

use crate::config::Settings;
use crate::db::{self, DbPool};
use crate::directory::Directory;
use crate::error::Result;
use crate::redis::{self as redis_pool, RedisPool};

/// Pools for MariaDB, LDAP and Redis.
#[derive(Clone)]
pub struct Services {
    /// MariaDB.
    pub db: DbPool,
    /// The LDAP directory.
    pub directory: Directory,
    /// Redis.
    pub redis: RedisPool,
}

/// State of one backing service.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceHealth {
    /// Whether it answered.
    pub ok: bool,
    /// How long the check took, in milliseconds.
    pub latency_ms: u64,
    /// Why it is down: `timeout` or `unavailable` (details go to the log, not to the public).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
}

/// State of every backing service.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    /// MariaDB.
    pub database: ServiceHealth,
    /// LDAP.
    pub ldap: ServiceHealth,
    /// Redis.
    pub redis: ServiceHealth,
}

impl Health {
    /// Whether every service answered.
    pub fn all_ok(&self) -> bool {
        self.database.ok && self.ldap.ok && self.redis.ok
    }
}

async fn timed(
    name: &'static str,
    limit: Duration,
    check: impl Future<Output = Result<()>>,
) -> ServiceHealth {
    let started = Instant::now();
    let outcome = tokio::time::timeout(limit, check).await;
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let error = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(e)) => {
            tracing::warn!(service = name, error = %e, "health check failed");
            Some("unavailable")
        }
        Err(_) => {
            tracing::warn!(service = name, "health check timed out");
            Some("timeout")
        }
    };
    ServiceHealth {
        ok: error.is_none(),
        latency_ms,
        error,
    }
}

impl Services {
    /// Builds the pools without connecting.
    pub fn new(settings: &Settings) -> Result<Services> {
        Ok(Services {
            db: db::build_pool(&settings.database)?,
            directory: Directory::new(settings.ldap.clone())?,
            redis: redis_pool::build_pool(&settings.redis)?,
        })
    }

    /// Builds the pools and proves each service answers and the schema is current; the error
    /// names the first service that does not.
    pub async fn connect(settings: &Settings) -> Result<Services> {
        let services = Services::new(settings)?;
        let mut conn = db::conn(&services.db).await?;
        db::migrate::ensure_current(&mut conn).await?;
        drop(conn);
        services.directory.ping().await?;
        redis_pool::ping(&services.redis).await?;
        info!("connected to MariaDB, LDAP and Redis");
        Ok(services)
    }

    /// Checks all three services concurrently, each within `limit`.
    pub async fn health(&self, limit: Duration) -> Health {
        let (database, ldap, redis) = tokio::join!(
            timed("database", limit, db::ping(&self.db)),
            timed("ldap", limit, self.directory.ping()),
            timed("redis", limit, redis_pool::ping(&self.redis)),
        );
        Health {
            database,
            ldap,
            redis,
        }
    }
}
