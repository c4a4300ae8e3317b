//! MariaDB access: the connection pool, the schema, migrations and named locks.

pub mod lock;
pub mod migrate;
pub mod schema;

use diesel_async::AsyncMysqlConnection;
use diesel_async::RunQueryDsl;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::deadpool::{Object, Pool};

use crate::config::DatabaseSettings;
use crate::error::{Error, Result};

/// Pool of MariaDB connections.
pub type DbPool = Pool<AsyncMysqlConnection>;
/// One connection taken from a [`DbPool`]; it goes back when dropped.
pub type DbConn = Object<AsyncMysqlConnection>;

/// Builds the pool; no connection is opened until one is needed.
pub fn build_pool(settings: &DatabaseSettings) -> Result<DbPool> {
    let manager = AsyncDieselConnectionManager::<AsyncMysqlConnection>::new(&settings.url);
    Pool::builder(manager)
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
        .map_err(|e| Error::DatabaseUnavailable(e.to_string()))?;
    Ok(())
}
