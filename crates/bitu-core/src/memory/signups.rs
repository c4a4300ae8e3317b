//! Stored sign-ups and global IP blocks held in memory.

use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use chrono::NaiveDateTime;
use ipnet::IpNet;

use crate::blocklist::ip::{IpBlockLookup, IpBlockRow};
use crate::error::Result;
use crate::names::skeleton::skeleton;
use crate::signup::validate::{PendingField, PendingSignups};

/// The (developer name, shell username, address) of each stored sign-up.
#[derive(Default)]
pub struct MemorySignups(Mutex<Vec<(String, String, String)>>);

impl MemorySignups {
    /// Stores a sign-up holding these names and address.
    pub fn add(&self, cn: &str, uid: &str, mail: &str) {
        let mut rows = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        rows.push((cn.into(), uid.into(), mail.into()));
    }
}

impl PendingSignups for MemorySignups {
    async fn is_pending(&self, field: PendingField, value: &str) -> Result<bool> {
        let rows = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        // The signups table compares with utf8mb4_unicode_ci: case does not matter.
        Ok(rows.iter().any(|(cn, uid, mail)| {
            let stored = match field {
                PendingField::Cn => cn,
                PendingField::Uid => uid,
                PendingField::Mail => mail,
            };
            stored.to_lowercase() == value.to_lowercase()
        }))
    }

    async fn name_like(&self, name: &str) -> Result<Option<String>> {
        let rows = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let wanted = skeleton(name);
        Ok(rows
            .iter()
            .find(|(cn, _, _)| skeleton(cn) == wanted)
            .map(|(cn, _, _)| cn.clone()))
    }
}

/// Global IP blocks, each with the network it covers.
#[derive(Default)]
pub struct MemoryIpBlocks(Mutex<Vec<(IpNet, IpBlockRow)>>);

impl MemoryIpBlocks {
    /// Blocks `network` (CIDR) on `wiki` for `reason` until `expiry` (None: for good).
    pub fn block(&self, network: &str, wiki: &str, reason: &str, expiry: Option<NaiveDateTime>) {
        let net: IpNet = network
            .parse()
            .unwrap_or_else(|_| panic!("bad network {network}"));
        let epoch = NaiveDateTime::default();
        let row = IpBlockRow {
            id: 1,
            origin: "test".into(),
            block_id: 1,
            network: net.to_string(),
            range_start: Vec::new(),
            range_end: Vec::new(),
            wiki: wiki.into(),
            blocked_by: "Steward".into(),
            reason: reason.into(),
            blocked_at: epoch,
            expiry,
            created_at: epoch,
            last_seen: epoch,
        };
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((net, row));
    }
}

impl IpBlockLookup for MemoryIpBlocks {
    async fn blocks_covering(&self, ip: IpAddr, now: NaiveDateTime) -> Result<Vec<IpBlockRow>> {
        let blocks = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(blocks
            .iter()
            .filter(|(net, row)| net.contains(&ip) && row.expiry.is_none_or(|end| end > now))
            .map(|(_, row)| row.clone())
            .collect())
    }
}
