//! SSH public keys: each user's keys per configured system, with the system (the LDAP
//! directory) as the source of truth. Every listing first takes the directory's state (keys
//! found there are imported as active, keys gone from it become suspended); adding,
//! activating and suspending write single values to it.

pub mod directory;
pub mod parse;
pub mod store;

use std::collections::HashSet;

use diesel_async::AsyncConnection;
use tracing::{info, instrument};

pub use parse::{Field, ParsedKey, Rejection, check_new_key, looks_private, read_public_key};
pub use store::SshKey;

use crate::Services;
use crate::audit::{self, Action, Actor, Entry, Target};
use crate::config::{KeySystem, KeySystemKind, KeysSettings};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use store::Inserted;

/// The message (key) for a key that belongs to another account; it never says which.
pub const TAKEN_MESSAGE: &str = "bitu-keys-error-taken";

/// The message (key) for deleting a key that is still active.
pub const DELETE_ACTIVE_MESSAGE: &str = "bitu-keys-error-delete-active";

/// One system's keys of one user, as shown.
#[derive(Debug, Clone)]
pub struct SystemKeys {
    /// The system.
    pub system: KeySystem,
    /// Keys Bitu manages.
    pub keys: Vec<SshKey>,
    /// Keys in the system's copy for this user that belong to another account in Bitu.
    pub unmanaged: Vec<ParsedKey>,
    /// Values in the system that are not public keys.
    pub unreadable: usize,
}

/// A key to add.
#[derive(Debug, Clone, Copy)]
pub struct NewKey<'a> {
    /// The pasted key.
    pub text: &'a str,
    /// Comment replacing the key's own, if not empty.
    pub comment: Option<&'a str>,
    /// System name; the first configured system when `None`.
    pub system: Option<&'a str>,
    /// Push it to the system at once (the default) or keep it suspended.
    pub activate: bool,
}

/// Key management for the signed-in user; built per request over the shared pools.
pub struct KeyService<'a> {
    services: &'a Services,
    settings: &'a KeysSettings,
}

impl<'a> KeyService<'a> {
    /// The service over `services` with the `[keys]` settings.
    pub fn new(services: &'a Services, settings: &'a KeysSettings) -> KeyService<'a> {
        KeyService { services, settings }
    }

    fn system(&self, name: &str) -> Result<&'a KeySystem> {
        self.settings.system(name).ok_or_else(|| {
            Error::Invalid(Msg::new("bitu-keys-error-system-unknown").arg(format!("{name:?}")))
        })
    }

    /// Every system's keys of `uid`, each first brought in line with the system.
    pub async fn list(&self, uid: &str) -> Result<Vec<SystemKeys>> {
        let mut all = Vec::with_capacity(self.settings.systems.len());
        for system in &self.settings.systems {
            all.push(self.sync(uid, system).await?);
        }
        Ok(all)
    }

    /// Takes the system's state for `uid` (the system wins): keys only there are imported as
    /// active, known keys take the state of their presence there.
    #[instrument(skip(self, system), fields(system = %system.name))]
    async fn sync(&self, uid: &str, system: &KeySystem) -> Result<SystemKeys> {
        let pool = &self.services.db;
        let found = match system.kind {
            KeySystemKind::Ldap => directory::read(&self.services.directory, uid).await?,
        };
        let rows = store::list(pool, uid, &system.name).await?;
        let mut changed = false;
        for row in &rows {
            let present = found.contains(&row.fingerprint);
            if present != row.active {
                store::set_active(pool, row.id, present).await?;
                info!(uid, fingerprint = %row.fingerprint, active = present,
                      "SSH key state taken from the directory");
                changed = true;
            }
        }
        let mut unmanaged = Vec::new();
        let mut seen: HashSet<&str> = rows.iter().map(|r| r.fingerprint.as_str()).collect();
        for entry in &found.keys {
            if !seen.insert(&entry.key.fingerprint) {
                continue;
            }
            match store::insert(pool, uid, &system.name, &entry.key, true, true).await? {
                Inserted::New(_) => {
                    info!(uid, fingerprint = %entry.key.fingerprint,
                          "SSH key imported from the directory");
                    changed = true;
                }
                // A concurrent view imported it first.
                Inserted::AlreadyYours(_) => changed = true,
                Inserted::TakenByAnother => unmanaged.push(entry.key.clone()),
            }
        }
        let keys = if changed {
            store::list(pool, uid, &system.name).await?
        } else {
            rows
        };
        Ok(SystemKeys {
            system: system.clone(),
            keys,
            unmanaged,
            unreadable: found.unreadable,
        })
    }

    /// The audit row of `action` by `actor` on `key`.
    fn entry(actor: &Actor, action: Action, key: &SshKey) -> Entry {
        let target = Target::Key {
            owner: key.uid.clone(),
            fingerprint: key.fingerprint.clone(),
        };
        Entry::new(actor, action, target)
            .with("key_id", key.id)
            .with("system", key.key_system.as_str())
    }

    /// Checks and stores a new key of `uid`, activating it when asked, with one audit row; a
    /// refused key is the inner `Err`, with its message for the person (a private key is
    /// never stored or logged). The row, the audit row and the directory write commit
    /// together or not at all.
    #[instrument(skip(self, actor, new), fields(system = ?new.system))]
    pub async fn add(
        &self,
        actor: &Actor,
        uid: &str,
        new: NewKey<'_>,
    ) -> Result<Result<SshKey, Rejection>> {
        let name = new
            .system
            .or_else(|| self.settings.systems.first().map(|s| s.name.as_str()))
            .unwrap_or_default();
        let Some(system) = self.settings.system(name) else {
            return Ok(Err(Rejection::new(
                Field::System,
                Msg::new("bitu-keys-error-system-choose"),
            )));
        };
        let parsed = match check_new_key(new.text, new.comment, self.settings) {
            Ok(parsed) => parsed,
            Err(rejection) => return Ok(Err(rejection)),
        };
        // Known first: a key already in this user's entry is theirs, not someone else's.
        self.sync(uid, system).await?;
        let as_pasted = read_public_key(new.text).map(|k| k.openssh);
        let held_elsewhere = match system.kind {
            KeySystemKind::Ldap => {
                directory::held_by_another(
                    &self.services.directory,
                    uid,
                    &parsed,
                    as_pasted.as_deref(),
                )
                .await?
            }
        };
        if held_elsewhere {
            info!(uid, fingerprint = %parsed.fingerprint, "SSH key refused: another account's");
            return Ok(Err(Rejection::new(Field::Key, Msg::new(TAKEN_MESSAGE))));
        }
        let directory = &self.services.directory;
        let mut conn = crate::db::conn(&self.services.db).await?;
        let inserted = conn
            .transaction::<_, Error, _>(async |conn| {
                let inserted =
                    store::insert_on(conn, uid, &system.name, &parsed, new.activate, false).await?;
                let Inserted::New(key) = &inserted else {
                    return Ok(inserted);
                };
                let entry = Self::entry(actor, Action::KeyAdd, key)
                    .with("key_type", key.key_type.as_str())
                    .with("active", new.activate);
                audit::record(conn, &entry).await?;
                if new.activate {
                    match system.kind {
                        KeySystemKind::Ldap => directory::add(directory, uid, &parsed).await?,
                    }
                }
                Ok(inserted)
            })
            .await?;
        let key = match inserted {
            Inserted::New(key) => key,
            Inserted::AlreadyYours(key) => {
                return Ok(Err(Rejection::new(
                    Field::Key,
                    Msg::new("bitu-keys-error-yours").arg(&key.fingerprint),
                )));
            }
            Inserted::TakenByAnother => {
                info!(uid, fingerprint = %parsed.fingerprint, "SSH key refused: another account's");
                return Ok(Err(Rejection::new(Field::Key, Msg::new(TAKEN_MESSAGE))));
            }
        };
        info!(uid, id = key.id, fingerprint = %key.fingerprint, key_type = %key.key_type,
              active = key.active, "SSH key added");
        Ok(Ok(key))
    }

    /// Key `id` of `uid`; another user's key is [`Error::NotFound`], like a missing one.
    pub async fn get(&self, uid: &str, id: u64) -> Result<SshKey> {
        store::find(&self.services.db, uid, id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("SSH key {id}")))
    }

    fn parsed(key: &SshKey) -> Result<ParsedKey> {
        read_public_key(&key.public_key)
            .ok_or_else(|| Error::Internal(format!("stored SSH key {} does not parse", key.id)))
    }

    /// Sets the state of `key` with its audit row, then writes the system: both or neither.
    async fn set_state(&self, actor: &Actor, key: &SshKey, active: bool) -> Result<()> {
        let system = self.system(&key.key_system)?;
        let action = if active {
            Action::KeyActivate
        } else {
            Action::KeySuspend
        };
        let entry = Self::entry(actor, action, key);
        let parsed = Self::parsed(key)?;
        let directory = &self.services.directory;
        let mut conn = crate::db::conn(&self.services.db).await?;
        conn.transaction::<_, Error, _>(async |conn| {
            store::set_active_on(conn, key.id, active).await?;
            audit::record(conn, &entry).await?;
            match (system.kind, active) {
                (KeySystemKind::Ldap, true) => directory::add(directory, &key.uid, &parsed).await,
                (KeySystemKind::Ldap, false) => {
                    directory::remove(directory, &key.uid, &key.fingerprint).await
                }
            }
        })
        .await
    }

    /// Pushes key `id` of `uid` to its system.
    #[instrument(skip(self, actor))]
    pub async fn activate(&self, actor: &Actor, uid: &str, id: u64) -> Result<SshKey> {
        let key = self.get(uid, id).await?;
        self.set_state(actor, &key, true).await?;
        info!(uid, id, fingerprint = %key.fingerprint, "SSH key activated");
        self.get(uid, id).await
    }

    /// Removes key `id` of `uid` from its system, keeping it in Bitu.
    #[instrument(skip(self, actor))]
    pub async fn suspend(&self, actor: &Actor, uid: &str, id: u64) -> Result<SshKey> {
        let key = self.get(uid, id).await?;
        self.set_state(actor, &key, false).await?;
        info!(uid, id, fingerprint = %key.fingerprint, "SSH key suspended");
        self.get(uid, id).await
    }

    /// Deletes key `id` of `uid`, which must be suspended (and absent from its system).
    #[instrument(skip(self, actor))]
    pub async fn delete(&self, actor: &Actor, uid: &str, id: u64) -> Result<()> {
        let key = self.get(uid, id).await?;
        let system = self.system(&key.key_system)?;
        let present = match system.kind {
            KeySystemKind::Ldap => directory::read(&self.services.directory, uid)
                .await?
                .contains(&key.fingerprint),
        };
        if present != key.active {
            store::set_active(&self.services.db, key.id, present).await?;
        }
        if present {
            return Err(Error::Invalid(Msg::new(DELETE_ACTIVE_MESSAGE)));
        }
        let entry = Self::entry(actor, Action::KeyDelete, &key);
        let mut conn = crate::db::conn(&self.services.db).await?;
        let deleted = conn
            .transaction::<_, Error, _>(async |conn| {
                if !store::delete_suspended(conn, uid, id).await? {
                    return Ok(false);
                }
                audit::record(conn, &entry).await?;
                Ok(true)
            })
            .await?;
        if !deleted {
            return Err(Error::NotFound(format!("SSH key {id}")));
        }
        info!(uid, id, fingerprint = %key.fingerprint, "SSH key deleted");
        Ok(())
    }
}
