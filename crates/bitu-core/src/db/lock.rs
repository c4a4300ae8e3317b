//! MariaDB named locks (`GET_LOCK`), scoped to the current database. They keep two hosts from
//! migrating, or two timer runs from working, at the same time. A lock belongs to the connection
//! that took it and dies with it, so a killed process never leaves one behind.

use std::time::Duration;

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use diesel_async::{AsyncMysqlConnection, RunQueryDsl};

use crate::error::Result;

#[derive(QueryableByName)]
struct LockAnswer {
    #[diesel(sql_type = Nullable<BigInt>)]
    answer: Option<i64>,
}

/// Takes the lock `name`, waiting up to `wait` (whole seconds); `false` when another holds it.
pub async fn acquire(conn: &mut AsyncMysqlConnection, name: &str, wait: Duration) -> Result<bool> {
    let seconds = i32::try_from(wait.as_secs()).unwrap_or(i32::MAX);
    let row: LockAnswer =
        diesel::sql_query("SELECT GET_LOCK(CONCAT(IFNULL(DATABASE(), ''), ':', ?), ?) AS answer")
            .bind::<Text, _>(name)
            .bind::<Integer, _>(seconds)
            .get_result(conn)
            .await?;
    Ok(row.answer == Some(1))
}

/// Releases the lock `name` if this connection holds it.
pub async fn release(conn: &mut AsyncMysqlConnection, name: &str) -> Result<()> {
    let _: LockAnswer =
        diesel::sql_query("SELECT RELEASE_LOCK(CONCAT(IFNULL(DATABASE(), ''), ':', ?)) AS answer")
            .bind::<Text, _>(name)
            .get_result(conn)
            .await?;
    Ok(())
}
