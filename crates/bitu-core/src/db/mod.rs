//! MariaDB access: the connection pool, the schema, migrations and named locks.

pub mod lock;
pub mod migrate;
pub mod schema;

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use deadpool::managed::{Manager, Metrics, RecycleError, RecycleResult};
use diesel_async::AsyncMysqlConnection;
use diesel_async::RunQueryDsl;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, PoolError, PoolableConnection,
};

use crate::config::DatabaseSettings;
use crate::error::{Error, Result};

/// Pool of MariaDB connections.
pub type DbPool = deadpool::managed::Pool<MysqlManager>;
/// One connection taken from a [`DbPool`]; it goes back when dropped.
pub type DbConn = deadpool::managed::Object<MysqlManager>;

/// A connection checked out less than this ago, with no query failing since, is handed out
/// again without a `SELECT 1` round trip.
const VERIFY_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);
/// When a query last failed, in milliseconds since [`EPOCH`] plus one (0: never).
static LAST_FAILURE: AtomicU64 = AtomicU64::new(0);

fn millis_since_epoch(at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(*EPOCH).as_millis()).unwrap_or(u64::MAX)
}

/// Records that a query failed: every connection is verified at its next checkout, so one
/// that died with the server is thrown away instead of failing request after request.
pub(crate) fn note_query_failure() {
    LAST_FAILURE.store(millis_since_epoch(Instant::now()) + 1, Ordering::Relaxed);
}

/// diesel-async's manager, verifying a connection only when it sat idle or a query failed
/// since its last checkout; a busy pool saves one round trip per checkout.
pub struct MysqlManager {
    inner: AsyncDieselConnectionManager<AsyncMysqlConnection>,
}

impl Manager for MysqlManager {
    type Type = AsyncMysqlConnection;
    type Error = PoolError;

    async fn create(&self) -> std::result::Result<AsyncMysqlConnection, PoolError> {
        self.inner.create().await
    }

    async fn recycle(
        &self,
        conn: &mut AsyncMysqlConnection,
        metrics: &Metrics,
    ) -> RecycleResult<PoolError> {
        let last_checkout = metrics.recycled.unwrap_or(metrics.created);
        let failed_since =
            AtomicU64::load(&LAST_FAILURE, Ordering::Relaxed) > millis_since_epoch(last_checkout);
        if metrics.last_used() < VERIFY_WHEN_IDLE_FOR && !failed_since {
            if std::thread::panicking() || conn.is_broken() {
                return Err(RecycleError::Message("broken connection".into()));
            }
            return Ok(());
        }
        self.inner.recycle(conn, metrics).await
    }
}

/// Builds the pool; no connection is opened until one is needed.
pub fn build_pool(settings: &DatabaseSettings) -> Result<DbPool> {
    LazyLock::force(&EPOCH);
    let manager = MysqlManager {
        inner: AsyncDieselConnectionManager::<AsyncMysqlConnection>::new(&settings.url),
    };
    DbPool::builder(manager)
        .max_size(settings.pool_size)
        .wait_timeout(Some(settings.timeout))
        .create_timeout(Some(settings.timeout))
        .recycle_timeout(Some(settings.timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| Error::Internal(format!("cannot build the database pool: {e}")))
}

/// Takes a connection, turning every pool failure into [`Error::DatabaseUnavailable`].
pub async fn conn(pool: &DbPool) -> Result<DbConn> {
    let started = std::time::Instant::now();
    let conn = pool.get().await;
    crate::metrics::backend_call("database", started, conn.is_ok());
    conn.map_err(|e| Error::DatabaseUnavailable(e.to_string()))
}

/// Round-trips `SELECT 1` to prove the database answers.
pub async fn ping(pool: &DbPool) -> Result<()> {
    let mut conn = conn(pool).await?;
    diesel::sql_query("SELECT 1")
        .execute(&mut conn)
        .await
        .map_err(|e| {
            note_query_failure();
            Error::DatabaseUnavailable(e.to_string())
        })?;
    Ok(())
}
