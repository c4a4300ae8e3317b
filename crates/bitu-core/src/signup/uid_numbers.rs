//! POSIX user id allocation, race-free across jobs and workers: a MariaDB counter row,
//! seeded from the directory's highest id, is locked while the next free id is picked; each
//! candidate is checked against the directory (ids made elsewhere are skipped, never reused)
//! and written to the sign-up in the same transaction, so a retried job keeps its id.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};
use tracing::info;

use crate::config::UidRange;
use crate::db::schema::{signups, uid_number_counter};
use crate::db::{self, DbPool};
use crate::directory::{Directory, Filter};
use crate::error::{Error, Result};

const COUNTER: &str = "posix";

/// The smallest id at or after `candidate` inside `ranges`, if any.
fn in_ranges(ranges: &[UidRange], candidate: u32) -> Option<u32> {
    let mut sorted = ranges.to_vec();
    sorted.sort_by_key(|r| r.first);
    sorted
        .iter()
        .find(|range| candidate <= range.last)
        .map(|range| candidate.max(range.first))
}

async fn highest_in_directory(directory: &Directory, ranges: &[UidRange]) -> Result<Option<u32>> {
    let users = directory.all_users(500).await?;
    Ok(users
        .iter()
        .filter_map(|user| user.uid_number())
        .filter(|n| ranges.iter().any(|r| r.first <= *n && *n <= r.last))
        .max())
}

async fn used(
    conn: &mut AsyncMysqlConnection,
    directory: &Directory,
    candidate: u32,
) -> Result<bool> {
    let in_directory = !directory
        .find_users_where(Filter::eq("uidNumber", candidate.to_string()))
        .await?
        .is_empty();
    if in_directory {
        return Ok(true);
    }
    let in_signups: i64 = signups::table
        .filter(signups::uid_number.eq(candidate))
        .count()
        .get_result(conn)
        .await?;
    Ok(in_signups > 0)
}

/// The POSIX id of sign-up `signup_id`: the one it already has, or a newly allocated one.
pub async fn assign(
    pool: &DbPool,
    directory: &Directory,
    ranges: &[UidRange],
    signup_id: u64,
) -> Result<u32> {
    let mut conn = db::conn(pool).await?;
    let seed = match uid_number_counter::table
        .find(COUNTER)
        .select(uid_number_counter::next_value)
        .first::<u32>(&mut conn)
        .await
        .optional()?
    {
        Some(_) => None,
        None => Some(highest_in_directory(directory, ranges).await?),
    };
    if let Some(highest) = seed {
        let start = in_ranges(ranges, highest.map_or(0, |h| h.saturating_add(1)))
            .ok_or_else(|| Error::Internal("every uidNumber range is used up".into()))?;
        // Two seeders may race; the first row wins and the other insert is ignored.
        diesel::insert_or_ignore_into(uid_number_counter::table)
            .values((
                uid_number_counter::name.eq(COUNTER),
                uid_number_counter::next_value.eq(start),
            ))
            .execute(&mut conn)
            .await?;
    }
    let ranges = ranges.to_vec();
    let directory = directory.clone();
    conn.transaction::<_, Error, _>(async |conn| {
        let existing: Option<Option<u32>> = signups::table
            .find(signup_id)
            .select(signups::uid_number)
            .for_update()
            .first(conn)
            .await
            .optional()?;
        match existing {
            None => return Err(Error::NotFound(format!("sign-up {signup_id}"))),
            Some(Some(number)) => return Ok(number),
            Some(None) => {}
        }
        let next: u32 = uid_number_counter::table
            .find(COUNTER)
            .select(uid_number_counter::next_value)
            .for_update()
            .first(conn)
            .await?;
        let mut candidate = in_ranges(&ranges, next)
            .ok_or_else(|| Error::Internal("every uidNumber range is used up".into()))?;
        while used(conn, &directory, candidate).await? {
            candidate = in_ranges(&ranges, candidate.saturating_add(1))
                .ok_or_else(|| Error::Internal("every uidNumber range is used up".into()))?;
        }
        diesel::update(signups::table.find(signup_id))
            .set(signups::uid_number.eq(candidate))
            .execute(conn)
            .await?;
        diesel::update(uid_number_counter::table.find(COUNTER))
            .set(uid_number_counter::next_value.eq(candidate.saturating_add(1)))
            .execute(conn)
            .await?;
        info!(signup_id, uid_number = candidate, "allocated uidNumber");
        Ok(candidate)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_stay_inside_the_ranges() {
        let ranges = [
            UidRange {
                first: 100,
                last: 102,
            },
            UidRange {
                first: 200,
                last: 300,
            },
        ];
        assert_eq!(in_ranges(&ranges, 0), Some(100));
        assert_eq!(in_ranges(&ranges, 101), Some(101));
        assert_eq!(in_ranges(&ranges, 103), Some(200));
        assert_eq!(in_ranges(&ranges, 301), None);
    }
}
