//! Global IP blocks imported from a wiki's `list=globalblocks`, and the lookup signup uses.

use std::collections::HashSet;
use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};
use ipnet::IpNet;

use super::mediawiki::GlobalBlock;
use super::store;
use crate::db::schema::blocklist_ip_blocks;
use crate::error::{Error, Result};

/// Version counter bumped whenever IP blocks change.
pub const IP_BLOCKS_VERSION: &str = "ip_blocks";

/// One stored IP block.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = blocklist_ip_blocks, check_for_backend(diesel::mysql::Mysql))]
pub struct IpBlockRow {
    /// Row id.
    pub id: i64,
    /// The source's name.
    pub origin: String,
    /// The block's id on the wiki.
    pub block_id: i64,
    /// CIDR form of the blocked range.
    pub network: String,
    /// First address, 16 bytes.
    pub range_start: Vec<u8>,
    /// Last address, 16 bytes.
    pub range_end: Vec<u8>,
    /// Wiki the block was made on.
    pub wiki: String,
    /// Who made it.
    pub blocked_by: String,
    /// Why.
    pub reason: String,
    /// When it was made.
    pub blocked_at: NaiveDateTime,
    /// When it ends; `None` for never.
    pub expiry: Option<NaiveDateTime>,
    /// When it was first imported.
    pub created_at: NaiveDateTime,
    /// When an import last saw it.
    pub last_seen: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = blocklist_ip_blocks)]
struct NewIpBlock {
    origin: String,
    block_id: i64,
    network: String,
    range_start: Vec<u8>,
    range_end: Vec<u8>,
    wiki: String,
    blocked_by: String,
    reason: String,
    blocked_at: NaiveDateTime,
    expiry: Option<NaiveDateTime>,
    last_seen: NaiveDateTime,
}

/// An address as 16 bytes, IPv4 mapped into IPv6, so one byte-wise range covers both.
pub fn address_key(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    }
}

/// Reads a block target: an address (as /32 or /128) or a CIDR range; `None` for accounts.
pub fn parse_target(target: &str) -> Option<IpNet> {
    let target = target.trim();
    target
        .parse::<IpNet>()
        .ok()
        .or_else(|| target.parse::<IpAddr>().ok().map(IpNet::from))
        .map(|net| net.trunc())
}

fn naive(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

/// What one global blocks import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpChanges {
    /// Blocks read from the wiki.
    pub fetched: usize,
    /// Blocks new to us.
    pub added: usize,
    /// Known blocks read again (refreshed).
    pub refreshed: usize,
    /// Blocks of accounts rather than addresses, left out.
    pub not_addresses: usize,
    /// Whether paging stopped at a block already known (incremental import).
    pub stopped_at_known: bool,
    /// Blocks no longer listed for longer than the grace period (full imports only).
    pub removed_stale: usize,
    /// Blocks expired longer ago than the retention.
    pub removed_expired: usize,
}

/// Timing and mode of one import.
#[derive(Debug, Clone, Copy)]
pub struct IpImport {
    /// The time the import runs at.
    pub now: NaiveDateTime,
    /// Blocks unseen this long are deleted (after a full walk only).
    pub stale_after: Duration,
    /// Blocks expired this long ago are deleted.
    pub expired_retention: Duration,
    /// Whether the walk covered every block (not stopped at a known one).
    pub full: bool,
    /// Compute the changes without writing them.
    pub dry_run: bool,
}

/// Block ids already stored for `origin`, so an incremental walk knows where to stop.
pub async fn known_block_ids(
    conn: &mut AsyncMysqlConnection,
    origin: &str,
) -> Result<HashSet<i64>> {
    Ok(blocklist_ip_blocks::table
        .filter(blocklist_ip_blocks::origin.eq(origin))
        .select(blocklist_ip_blocks::block_id)
        .load::<i64>(conn)
        .await?
        .into_iter()
        .collect())
}

fn ago(now: NaiveDateTime, span: Duration) -> Result<NaiveDateTime> {
    Ok(now
        - chrono::Duration::from_std(span)
            .map_err(|e| Error::Internal(format!("duration out of range: {e}")))?)
}

/// Stores fetched blocks of `origin` in one transaction and deletes old ones.
pub async fn apply_blocks(
    conn: &mut AsyncMysqlConnection,
    origin: &str,
    blocks: &[GlobalBlock],
    import: IpImport,
) -> Result<IpChanges> {
    let mut changes = IpChanges {
        fetched: blocks.len(),
        ..IpChanges::default()
    };
    let mut rows = Vec::new();
    for block in blocks {
        let Some(net) = parse_target(&block.target) else {
            changes.not_addresses += 1;
            continue;
        };
        rows.push(NewIpBlock {
            origin: origin.to_string(),
            block_id: block.id,
            network: net.to_string(),
            range_start: address_key(net.network()).to_vec(),
            range_end: address_key(net.broadcast()).to_vec(),
            wiki: block.wiki.clone(),
            blocked_by: block.by.clone(),
            reason: block.reason.clone(),
            blocked_at: naive(block.timestamp),
            expiry: block.expiry.map(naive),
            last_seen: import.now,
        });
    }
    let stale_before = ago(import.now, import.stale_after)?;
    let expired_before = ago(import.now, import.expired_retention)?;
    conn.transaction(async |conn| {
        let known = known_block_ids(conn, origin).await?;
        for row in &rows {
            if known.contains(&row.block_id) {
                changes.refreshed += 1;
                if !import.dry_run {
                    diesel::update(
                        blocklist_ip_blocks::table
                            .filter(blocklist_ip_blocks::origin.eq(origin))
                            .filter(blocklist_ip_blocks::block_id.eq(row.block_id)),
                    )
                    .set(row)
                    .execute(conn)
                    .await?;
                }
            } else {
                changes.added += 1;
                if !import.dry_run {
                    diesel::insert_into(blocklist_ip_blocks::table)
                        .values((row, blocklist_ip_blocks::created_at.eq(import.now)))
                        .execute(conn)
                        .await?;
                }
            }
        }
        let of_origin = blocklist_ip_blocks::origin.eq(origin);
        let expired = blocklist_ip_blocks::expiry.lt(expired_before);
        let stale = blocklist_ip_blocks::last_seen.lt(stale_before);
        if import.dry_run {
            changes.removed_expired = blocklist_ip_blocks::table
                .filter(of_origin.and(expired))
                .count()
                .get_result::<i64>(conn)
                .await?
                .try_into()
                .unwrap_or(usize::MAX);
        } else {
            changes.removed_expired =
                diesel::delete(blocklist_ip_blocks::table.filter(of_origin.and(expired)))
                    .execute(conn)
                    .await?;
            if import.full {
                changes.removed_stale =
                    diesel::delete(blocklist_ip_blocks::table.filter(of_origin.and(stale)))
                        .execute(conn)
                        .await?;
            }
            if changes.added + changes.refreshed + changes.removed_expired + changes.removed_stale
                > 0
            {
                store::bump(conn, IP_BLOCKS_VERSION).await?;
            }
        }
        Ok::<_, Error>(changes)
    })
    .await
}

/// Unexpired blocks covering `ip`, newest first.
pub async fn blocks_for(
    conn: &mut AsyncMysqlConnection,
    ip: IpAddr,
    now: NaiveDateTime,
) -> Result<Vec<IpBlockRow>> {
    let key = address_key(ip).to_vec();
    Ok(blocklist_ip_blocks::table
        .filter(blocklist_ip_blocks::range_start.le(key.clone()))
        .filter(blocklist_ip_blocks::range_end.ge(key))
        .filter(
            blocklist_ip_blocks::expiry
                .is_null()
                .or(blocklist_ip_blocks::expiry.gt(now)),
        )
        .order((
            blocklist_ip_blocks::blocked_at.desc(),
            blocklist_ip_blocks::id,
        ))
        .select(IpBlockRow::as_select())
        .load(conn)
        .await?)
}

/// Looking up the blocks that cover an address: the seam sign-up admission reads blocks
/// through (MariaDB in production, a list in service tests).
pub trait IpBlockLookup: Send + Sync {
    /// Blocks covering `ip` that have not expired at `now`, newest first.
    fn blocks_covering(
        &self,
        ip: IpAddr,
        now: NaiveDateTime,
    ) -> impl std::future::Future<Output = Result<Vec<IpBlockRow>>> + Send;
}

impl IpBlockLookup for crate::db::DbPool {
    async fn blocks_covering(&self, ip: IpAddr, now: NaiveDateTime) -> Result<Vec<IpBlockRow>> {
        let mut conn = crate::db::conn(self).await?;
        blocks_for(&mut conn, ip, now).await
    }
}

/// What a sign-up from `ip` is refused with because of `block`; it gives the block's reason.
pub fn refusal_message(ip: IpAddr, block: &IpBlockRow) -> crate::i18n::Msg {
    crate::i18n::Msg::new("bitu-signup-error-ip-blocked")
        .arg(ip.to_string())
        .arg(&block.network)
        .arg(&block.wiki)
        .arg(&block.reason)
}

/// The message a signup from `ip` is refused with, when the IP check is on and a block
/// covers the address; it gives the block's reason, as the runbook asks.
pub async fn signup_refusal(
    conn: &mut AsyncMysqlConnection,
    settings: &crate::config::BlocklistSettings,
    ip: IpAddr,
    now: NaiveDateTime,
) -> Result<Option<crate::i18n::Msg>> {
    if !settings.ip_check {
        return Ok(None);
    }
    Ok(blocks_for(conn, ip, now)
        .await?
        .into_iter()
        .next()
        .map(|block| refusal_message(ip, &block)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_to_networks() {
        assert_eq!(
            parse_target("192.0.2.7").unwrap().to_string(),
            "192.0.2.7/32"
        );
        assert_eq!(
            parse_target("192.0.2.7/24").unwrap().to_string(),
            "192.0.2.0/24"
        );
        assert_eq!(
            parse_target("2001:DB8:0:0:0:0:0:0/32").unwrap().to_string(),
            "2001:db8::/32"
        );
        assert_eq!(
            parse_target("2001:db8::1").unwrap().to_string(),
            "2001:db8::1/128"
        );
        assert_eq!(parse_target("Some account"), None);
    }

    #[test]
    fn v4_ranges_sort_inside_the_mapped_space() {
        let net = parse_target("192.0.2.0/24").unwrap();
        let (start, end) = (address_key(net.network()), address_key(net.broadcast()));
        let inside = address_key("192.0.2.200".parse().unwrap());
        let outside = address_key("192.0.3.0".parse().unwrap());
        assert!(start <= inside && inside <= end);
        assert!(outside > end);
        let v6 = address_key("2001:db8::1".parse().unwrap());
        assert!(v6 > end || v6 < start);
    }
}
