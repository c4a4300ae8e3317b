//! Keys in the LDAP directory: the `sshPublicKey` values of the user's entry. Writes add or
//! delete single values, never replace the attribute, so concurrent edits keep each other's
//! keys; reads match keys by fingerprint, so comments and whitespace do not matter.

use std::collections::HashSet;

use ldap3::Mod;
use tracing::{info, warn};

use super::parse::{ParsedKey, read_public_key};
use crate::directory::{Directory, Filter, RC_NO_SUCH_ATTRIBUTE, RC_VALUE_EXISTS, expect_success};
use crate::error::{Error, Result};

/// The attribute holding the keys.
pub const ATTRIBUTE: &str = "sshPublicKey";
/// The auxiliary object class that allows it.
const CLASS: &str = "ldapPublicKey";

/// One value of the attribute, as stored, with the key it holds.
#[derive(Debug, Clone)]
pub struct DirectoryKey {
    /// The value exactly as stored (needed to delete it).
    pub value: String,
    /// The key it holds.
    pub key: ParsedKey,
}

/// What the user's entry holds.
#[derive(Debug, Clone, Default)]
pub struct DirectoryKeys {
    /// Values that are public keys.
    pub keys: Vec<DirectoryKey>,
    /// Values that are not (left alone, but counted).
    pub unreadable: usize,
    has_class: bool,
}

impl DirectoryKeys {
    /// Whether a key with `fingerprint` is there.
    pub fn contains(&self, fingerprint: &str) -> bool {
        self.keys.iter().any(|k| k.key.fingerprint == fingerprint)
    }
}

/// The keys in the entry of `uid`.
pub async fn read(directory: &Directory, uid: &str) -> Result<DirectoryKeys> {
    let user = directory
        .find_user_by_uid(uid)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no directory entry for {uid}")))?;
    let mut found = DirectoryKeys {
        has_class: user
            .entry
            .values("objectClass")
            .iter()
            .any(|c| c.eq_ignore_ascii_case(CLASS)),
        ..DirectoryKeys::default()
    };
    for value in user.entry.values(ATTRIBUTE) {
        match read_public_key(value) {
            Some(key) => found.keys.push(DirectoryKey {
                value: value.clone(),
                key,
            }),
            None => found.unreadable += 1,
        }
    }
    if found.unreadable > 0 {
        warn!(
            uid,
            count = found.unreadable,
            "directory holds SSH key values Bitu cannot read"
        );
    }
    Ok(found)
}

fn single(value: &str) -> HashSet<String> {
    HashSet::from([value.to_string()])
}

/// Adds `key` to the entry of `uid` unless a value with its fingerprint is already there.
pub async fn add(directory: &Directory, uid: &str, key: &ParsedKey) -> Result<()> {
    // Two tries: a concurrent writer may add the object class (or this key) in between.
    for _ in 0..2 {
        let current = read(directory, uid).await?;
        if current.contains(&key.fingerprint) {
            return Ok(());
        }
        let mut mods = Vec::new();
        if !current.has_class {
            mods.push(Mod::Add("objectClass".to_string(), single(CLASS)));
        }
        mods.push(Mod::Add(ATTRIBUTE.to_string(), single(&key.openssh)));
        let result = directory.modify(&directory.user_dn(uid), mods).await?;
        if result.rc == RC_VALUE_EXISTS {
            continue;
        }
        expect_success(result)?;
        info!(uid, fingerprint = %key.fingerprint, "SSH key added to the directory");
        return Ok(());
    }
    Err(Error::Directory(format!(
        "{ATTRIBUTE} of {uid} kept changing while adding a key"
    )))
}

/// Deletes every value holding the key with `fingerprint` from the entry of `uid`, one value
/// per operation; a value someone else removed first counts as removed.
pub async fn remove(directory: &Directory, uid: &str, fingerprint: &str) -> Result<()> {
    let current = read(directory, uid).await?;
    for found in current
        .keys
        .iter()
        .filter(|k| k.key.fingerprint == fingerprint)
    {
        let mods = vec![Mod::Delete(ATTRIBUTE.to_string(), single(&found.value))];
        let result = directory.modify(&directory.user_dn(uid), mods).await?;
        if result.rc != RC_NO_SUCH_ATTRIBUTE {
            expect_success(result)?;
        }
        info!(uid, fingerprint, "SSH key removed from the directory");
    }
    Ok(())
}

/// Whether an account other than `uid` holds `key` under one of the usual spellings of its
/// line (the attribute matches whole values only, so other comments go unseen here).
pub async fn held_by_another(
    directory: &Directory,
    uid: &str,
    key: &ParsedKey,
    pasted_line: Option<&str>,
) -> Result<bool> {
    let bare = key.openssh.split(' ').take(2).collect::<Vec<_>>().join(" ");
    let mut spellings: Vec<String> = vec![bare, key.openssh.clone()];
    spellings.extend(pasted_line.map(str::to_string));
    spellings.sort();
    spellings.dedup();
    let filter = Filter::Or(
        spellings
            .into_iter()
            .map(|line| Filter::eq(ATTRIBUTE, line))
            .collect(),
    );
    let holders = directory.find_users_where(filter).await?;
    Ok(holders
        .iter()
        .any(|user| !user.uid().eq_ignore_ascii_case(uid)))
}
