//! Embedded migrations. `bitu migrate` applies them under a named lock; daemons refuse to start
//! while any is pending.

use std::collections::HashSet;
use std::time::Duration;

use diesel::QueryableByName;
use diesel::migration::MigrationSource;
use diesel::mysql::Mysql;
use diesel::sql_types::Text;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use tracing::info;

use super::lock;
use crate::error::{Error, Result};

/// Every migration of this release, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

const LOCK_NAME: &str = "bitu-migrate";

#[derive(QueryableByName)]
struct AppliedVersion {
    #[diesel(sql_type = Text)]
    version: String,
}

fn known_versions() -> Result<Vec<String>> {
    let migrations = MigrationSource::<Mysql>::migrations(&MIGRATIONS)
        .map_err(|e| Error::Migration(e.to_string()))?;
    Ok(migrations
        .iter()
        .map(|m| m.name().version().to_string())
        .collect())
}

/// Versions of the embedded migrations not yet applied to the database behind `conn`.
pub async fn pending(conn: &mut AsyncMysqlConnection) -> Result<Vec<String>> {
    let applied: Vec<AppliedVersion> =
        match diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
            .load(conn)
            .await
        {
            Ok(rows) => rows,
            // No migrations table yet: everything is pending.
            Err(diesel::result::Error::DatabaseError(_, info))
                if info.message().contains("doesn't exist") =>
            {
                Vec::new()
            }
            Err(e) => return Err(e.into()),
        };
    let applied: HashSet<String> = applied.into_iter().map(|row| row.version).collect();
    Ok(known_versions()?
        .into_iter()
        .filter(|version| !applied.contains(version))
        .collect())
}

/// Fails with [`Error::SchemaBehind`] unless every embedded migration is applied.
pub async fn ensure_current(conn: &mut AsyncMysqlConnection) -> Result<()> {
    let pending = pending(conn).await?;
    if pending.is_empty() {
        Ok(())
    } else {
        Err(Error::SchemaBehind(pending.len()))
    }
}

/// Applies pending migrations while holding the migration lock; returns the versions applied.
/// A second caller waits up to `lock_wait` for the first to finish, then finds nothing to do.
pub async fn run_pending(database_url: &str, lock_wait: Duration) -> Result<Vec<String>> {
    let mut conn = AsyncMysqlConnection::establish(database_url)
        .await
        .map_err(|e| Error::DatabaseUnavailable(e.to_string()))?;
    if !lock::acquire(&mut conn, LOCK_NAME, lock_wait).await? {
        return Err(Error::Migration(format!(
            "another host is migrating this database; gave up waiting after {}s",
            lock_wait.as_secs()
        )));
    }
    // Harness is synchronous: run it on a blocking thread over the same (locked) connection.
    let (mut conn, outcome) = tokio::task::spawn_blocking(move || {
        let mut wrapper: AsyncConnectionWrapper<AsyncMysqlConnection> =
            AsyncConnectionWrapper::from(conn);
        let outcome = wrapper
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect::<Vec<_>>())
            .map_err(|e| Error::Migration(e.to_string()));
        (wrapper.into_inner(), outcome)
    })
    .await
    .map_err(|e| Error::Internal(format!("migration thread failed: {e}")))?;
    lock::release(&mut conn, LOCK_NAME).await?;
    let applied = outcome?;
    for version in &applied {
        info!(version, "applied migration");
    }
    Ok(applied)
}
