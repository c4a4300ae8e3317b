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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_is_split_from_its_server() {
        let (name, server) = split_database("mysql://bitu:pw@db.example:3306/bitu_prod").unwrap();
        assert_eq!(name, "bitu_prod");
        assert_eq!(server, "mysql://bitu:pw@db.example:3306");
        assert!(split_database("mysql://bitu@db.example:3306/").is_err());
        assert!(split_database("mysql://bitu@db.example/bitu`; DROP").is_err());
    }
}

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

/// The database `database_url` names, and the URL of its server without it.
fn split_database(database_url: &str) -> Result<(String, String)> {
    let mut url = url::Url::parse(database_url)
        .map_err(|e| Error::Migration(format!("the database URL does not parse: {e}")))?;
    let name = url.path().trim_matches('/').to_string();
    if name.is_empty() {
        return Err(Error::Migration(
            "the database URL names no database".into(),
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
    {
        return Err(Error::Migration(format!(
            "database name {name:?}: use letters, digits, _ and $ only"
        )));
    }
    url.set_path("");
    Ok((name, url.to_string()))
}

/// Creates the database `database_url` names when it does not exist yet (utf8mb4, binary
/// collation, as the migrations expect); `true` when it was created. When the account may
/// not create databases, the error says what to ask a database administrator for.
pub async fn ensure_database(database_url: &str) -> Result<bool> {
    let missing = match AsyncMysqlConnection::establish(database_url).await {
        Ok(_) => return Ok(false),
        // A user who may not see a database is told "access denied" rather than "unknown".
        Err(e)
            if e.to_string().contains("Unknown database")
                || (e.to_string().contains("Access denied")
                    && e.to_string().contains("to database")) =>
        {
            e
        }
        Err(e) => return Err(Error::DatabaseUnavailable(e.to_string())),
    };
    let (name, server_url) = split_database(database_url)?;
    info!(database = %name, reason = %missing, "creating the database");
    let mut conn = AsyncMysqlConnection::establish(&server_url)
        .await
        .map_err(|e| Error::DatabaseUnavailable(e.to_string()))?;
    let create =
        format!("CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
    match diesel_async::SimpleAsyncConnection::batch_execute(&mut conn, &create).await {
        Ok(()) => Ok(true),
        Err(e) => {
            let user = url::Url::parse(database_url)
                .map(|url| url.username().to_string())
                .unwrap_or_default();
            Err(Error::Migration(format!(
                "database `{name}` does not exist (or is closed to user {user:?}), and that user may \
                 not create it ({e}); \
                 ask a database administrator to run: {create}; GRANT ALL ON `{name}`.* TO \
                 '{user}'@'<this host>'"
            )))
        }
    }
}

/// Applies pending migrations while holding the migration lock, creating the database first
/// when it does not exist; returns the versions applied. A second caller waits up to
/// `lock_wait` for the first to finish, then finds nothing to do.
pub async fn run_pending(database_url: &str, lock_wait: Duration) -> Result<Vec<String>> {
    ensure_database(database_url).await?;
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
