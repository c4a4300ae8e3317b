//! Keys as pages and the JSON API show them.

use bitu_core::keys::{ParsedKey, SshKey, SystemKeys};
use serde::Serialize;

/// One key, for a template or a JSON answer.
#[derive(Debug, Serialize)]
pub struct KeyView {
    /// Row id.
    pub id: u64,
    /// System name.
    pub system: String,
    /// Key type.
    #[serde(rename = "type")]
    pub key_type: String,
    /// Size in bits.
    pub bits: u32,
    /// `SHA256:...`.
    pub fingerprint: String,
    /// Comment.
    pub comment: String,
    /// `active` (in the system) or `suspended` (in Bitu only).
    pub state: &'static str,
    /// `added` through Bitu or `imported` from the directory.
    pub origin: &'static str,
    /// When Bitu first knew it, RFC 3339 in UTC.
    pub added_at: String,
    /// The same, for people.
    pub added: String,
}

impl From<&SshKey> for KeyView {
    fn from(key: &SshKey) -> KeyView {
        KeyView {
            id: key.id,
            system: key.key_system.clone(),
            key_type: key.key_type.clone(),
            bits: key.bits,
            fingerprint: key.fingerprint.clone(),
            comment: key.comment.clone(),
            state: if key.active { "active" } else { "suspended" },
            origin: if key.imported { "imported" } else { "added" },
            added_at: key
                .created_at
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            added: key.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        }
    }
}

/// A key in a system's copy that another account holds in Bitu; shown, never managed here.
#[derive(Debug, Serialize)]
pub struct UnmanagedView {
    /// System name.
    pub system: String,
    /// Key type.
    #[serde(rename = "type")]
    pub key_type: String,
    /// Size in bits.
    pub bits: u32,
    /// `SHA256:...`.
    pub fingerprint: String,
    /// Comment.
    pub comment: String,
    /// Always `active`: it is in the system.
    pub state: &'static str,
}

impl UnmanagedView {
    fn new(system: &str, key: &ParsedKey) -> UnmanagedView {
        UnmanagedView {
            system: system.to_string(),
            key_type: key.key_type.clone(),
            bits: key.bits,
            fingerprint: key.fingerprint.clone(),
            comment: key.comment.clone(),
            state: "active",
        }
    }
}

/// One system's keys.
#[derive(Debug, Serialize)]
pub struct SystemView {
    /// System name.
    pub name: String,
    /// Heading shown to users.
    pub display_name: String,
    /// Keys Bitu manages.
    pub keys: Vec<KeyView>,
    /// Keys in the system that belong to another account in Bitu.
    pub unmanaged: Vec<UnmanagedView>,
    /// Values in the system that are not public keys.
    pub unreadable: usize,
}

impl From<&SystemKeys> for SystemView {
    fn from(list: &SystemKeys) -> SystemView {
        SystemView {
            name: list.system.name.clone(),
            display_name: list.system.display_name.clone(),
            keys: list.keys.iter().map(KeyView::from).collect(),
            unmanaged: list
                .unmanaged
                .iter()
                .map(|key| UnmanagedView::new(&list.system.name, key))
                .collect(),
            unreadable: list.unreadable,
        }
    }
}
