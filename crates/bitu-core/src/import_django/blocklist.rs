//! `signups_blocklistusername` and `signups_blocklistip`: the username block list rows added by
//! hand (rows the original fetched from a wiki are skipped: bitu-blocksync fetches them
//! again), and the IP blocks, keeping where each came from.

use std::net::IpAddr;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Datetime, Integer, Text, Unsigned};
use diesel_async::RunQueryDsl;
use ipnet::IpNet;

use super::{Family, Outcome, Run, SourceRow};
use crate::blocklist::ip::{IP_BLOCKS_VERSION, address_key};
use crate::blocklist::store::{MANUAL, PATTERNS_VERSION, bump};
use crate::db::schema::{blocklist_entries, blocklist_ip_blocks};
use crate::error::Result;

/// `origin` of the IP blocks carried over; the original's origin is kept as their `wiki`.
pub const IP_ORIGIN: &str = "django-import";

/// A username block list row.
#[derive(QueryableByName)]
pub(crate) struct UsernameRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Datetime)]
    created_date: NaiveDateTime,
    #[diesel(sql_type = Text)]
    regex: String,
    #[diesel(sql_type = Text)]
    comment: String,
    #[diesel(sql_type = Text)]
    origin: String,
}

impl SourceRow for UsernameRow {
    fn legacy_id(&self) -> String {
        self.id.to_string()
    }
}

/// `signups_blocklistusername`.
pub(crate) struct Usernames;

/// Whether the original fetched the row from a wiki (a configured source, or a URL).
fn fetched_from_wiki(run: &Run<'_>, origin: &str) -> bool {
    origin.contains("://")
        || run
            .settings
            .blocklist
            .sources
            .iter()
            .any(|s| s.name.eq_ignore_ascii_case(origin) || s.page == origin || s.api_url == origin)
}

impl Family for Usernames {
    type Row = UsernameRow;
    const TABLE: &'static str = "signups_blocklistusername";
    const START: &'static str = "0";

    async fn fetch(run: &mut Run<'_>, after: &str, limit: u32) -> Result<Vec<UsernameRow>> {
        Ok(diesel::sql_query(
            "SELECT id, created_date, regex, comment, origin FROM signups_blocklistusername \
             WHERE id > CAST(? AS SIGNED) ORDER BY id LIMIT ?",
        )
        .bind::<Text, _>(after)
        .bind::<Unsigned<Integer>, _>(limit)
        .load(&mut run.source)
        .await?)
    }

    async fn import_row(run: &mut Run<'_>, row: &UsernameRow) -> Result<Outcome> {
        let origin = row.origin.trim();
        if fetched_from_wiki(run, origin) {
            return Ok(Outcome::Skipped(format!(
                "fetched from {origin}; bitu-blocksync fetches its source again"
            )));
        }
        let pattern = row.regex.trim();
        if pattern.is_empty()
            || (regex::Regex::new(pattern).is_err() && fancy_regex::Regex::new(pattern).is_err())
        {
            return Ok(Outcome::Skipped("not a valid regular expression".into()));
        }
        // Hand-added rows stay hand-added (`bitu blocklist remove` can take them away); an
        // origin other than the usual one is kept in the comment.
        let comment = match origin {
            "" | "manual" => row.comment.clone(),
            other => format!("{} [origin: {other}]", row.comment)
                .trim()
                .to_string(),
        };
        let now = Utc::now().naive_utc();
        let inserted = diesel::insert_or_ignore_into(blocklist_entries::table)
            .values((
                blocklist_entries::origin.eq(MANUAL),
                blocklist_entries::pattern.eq(pattern),
                blocklist_entries::options.eq(""),
                blocklist_entries::comment.eq(&comment),
                blocklist_entries::created_at.eq(row.created_date),
                blocklist_entries::last_seen.eq(now),
                blocklist_entries::updated_at.eq(now),
            ))
            .execute(&mut *run.dest)
            .await?;
        if inserted == 0 {
            return Ok(Outcome::Skipped(
                "the same pattern is on the block list already".into(),
            ));
        }
        bump(&mut run.dest, PATTERNS_VERSION).await?;
        let id: i64 = blocklist_entries::table
            .filter(blocklist_entries::origin.eq(MANUAL))
            .filter(blocklist_entries::pattern.eq(pattern))
            .filter(blocklist_entries::options.eq(""))
            .select(blocklist_entries::id)
            .first(&mut *run.dest)
            .await?;
        Ok(Outcome::Imported {
            table: "blocklist_entries",
            id: id.unsigned_abs(),
        })
    }
}

/// An IP block row.
#[derive(QueryableByName)]
pub(crate) struct IpRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Datetime)]
    created_date: NaiveDateTime,
    #[diesel(sql_type = Datetime)]
    expiry: NaiveDateTime,
    #[diesel(sql_type = Text)]
    origin: String,
    #[diesel(sql_type = Text)]
    start: String,
    #[diesel(sql_type = Text)]
    end: String,
    #[diesel(sql_type = Text)]
    comment: String,
}

impl SourceRow for IpRow {
    fn legacy_id(&self) -> String {
        self.id.to_string()
    }
}

/// `signups_blocklistip`.
pub(crate) struct IpBlocks;

/// How a range is shown: its CIDR when it is one, else `first-last`.
fn network(start: IpAddr, end: IpAddr) -> String {
    let exact = (0..=128u8)
        .filter_map(|len| IpNet::new(start, len).ok())
        .find(|net| net.network() == start && net.broadcast() == end);
    match exact {
        Some(net) => net.to_string(),
        None => format!("{start}-{end}").chars().take(64).collect(),
    }
}

impl Family for IpBlocks {
    type Row = IpRow;
    const TABLE: &'static str = "signups_blocklistip";
    const START: &'static str = "0";

    async fn fetch(run: &mut Run<'_>, after: &str, limit: u32) -> Result<Vec<IpRow>> {
        Ok(diesel::sql_query(
            "SELECT id, created_date, expiry, origin, `start`, `end`, comment \
             FROM signups_blocklistip WHERE id > CAST(? AS SIGNED) ORDER BY id LIMIT ?",
        )
        .bind::<Text, _>(after)
        .bind::<Unsigned<Integer>, _>(limit)
        .load(&mut run.source)
        .await?)
    }

    async fn import_row(run: &mut Run<'_>, row: &IpRow) -> Result<Outcome> {
        let now = Utc::now().naive_utc();
        if row.expiry <= now {
            return Ok(Outcome::Skipped("expired".into()));
        }
        let (Ok(start), Ok(end)) = (
            row.start.trim().parse::<IpAddr>(),
            row.end.trim().parse::<IpAddr>(),
        ) else {
            return Ok(Outcome::Skipped("not an IP address range".into()));
        };
        let (first, last) = (address_key(start), address_key(end));
        if start.is_ipv4() != end.is_ipv4() || first > last {
            return Ok(Outcome::Skipped("not an IP address range".into()));
        }
        let wiki: String = row.origin.trim().chars().take(64).collect();
        diesel::insert_into(blocklist_ip_blocks::table)
            .values((
                blocklist_ip_blocks::origin.eq(IP_ORIGIN),
                blocklist_ip_blocks::block_id.eq(row.id),
                blocklist_ip_blocks::network.eq(network(start, end)),
                blocklist_ip_blocks::range_start.eq(first.to_vec()),
                blocklist_ip_blocks::range_end.eq(last.to_vec()),
                blocklist_ip_blocks::wiki.eq(&wiki),
                blocklist_ip_blocks::blocked_by.eq("Bitu (Django)"),
                blocklist_ip_blocks::reason.eq(&row.comment),
                blocklist_ip_blocks::blocked_at.eq(row.created_date),
                blocklist_ip_blocks::expiry.eq(Some(row.expiry)),
                blocklist_ip_blocks::created_at.eq(now),
                blocklist_ip_blocks::last_seen.eq(now),
            ))
            .execute(&mut *run.dest)
            .await?;
        bump(&mut run.dest, IP_BLOCKS_VERSION).await?;
        let id: i64 = blocklist_ip_blocks::table
            .filter(blocklist_ip_blocks::origin.eq(IP_ORIGIN))
            .filter(blocklist_ip_blocks::block_id.eq(row.id))
            .select(blocklist_ip_blocks::id)
            .first(&mut *run.dest)
            .await?;
        Ok(Outcome::Imported {
            table: "blocklist_ip_blocks",
            id: id.unsigned_abs(),
        })
    }
}
