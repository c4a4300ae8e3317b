//! Setting passwords: through the directory's Password Modify operation (the default, so the
//! directory hashes per its policy), or hashed here as `{SSHA}` or `{ARGON2}`; and the
//! change of a signed-in user's password.

use std::collections::HashSet;

use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHasher};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ldap3::Mod;
use rand::RngCore;
use sha1::{Digest, Sha1};
use tracing::info;

use super::password_rules::{PasswordContext, check_new_password};
use crate::audit::{self, Action, Actor, Entry, Target};
use crate::config::{PasswordSetter, PasswordSettings};
use crate::db::DbPool;
use crate::directory::{Directory, DirectoryUser};
use crate::error::{Error, Result};
use crate::i18n::Msg;

/// `{SSHA}` hash of `password`: SHA-1 over password and an 8-byte salt, as OpenLDAP writes it.
pub fn ssha(password: &str) -> String {
    let mut salt = [0u8; 8];
    rand::rng().fill_bytes(&mut salt);
    let mut hasher = Sha1::new();
    hasher.update(password.as_bytes());
    hasher.update(salt);
    let mut bytes = hasher.finalize().to_vec();
    bytes.extend_from_slice(&salt);
    format!("{{SSHA}}{}", STANDARD.encode(bytes))
}

/// `{ARGON2}` hash of `password` (Argon2id, PHC string), as OpenLDAP's argon2 module reads it.
pub fn argon2(password: &str) -> Result<String> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| Error::Internal(format!("argon2 salt: {e}")))?;
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| Error::Internal(format!("argon2 hashing failed: {e}")))?;
    Ok(format!("{{ARGON2}}{hash}"))
}

/// The `userPassword` value to store for a new entry, hashed per `setter` (Password Modify
/// cannot apply before the entry exists, so it stores SSHA, the directories' common ground).
pub fn hash_for_new_entry(setter: PasswordSetter, password: &str) -> Result<String> {
    match setter {
        PasswordSetter::Argon2 => argon2(password),
        PasswordSetter::PasswordModify | PasswordSetter::Ssha => Ok(ssha(password)),
    }
}

/// Sets the password of `dn` the configured way.
pub async fn set_password(
    directory: &Directory,
    settings: &PasswordSettings,
    dn: &str,
    password: &str,
) -> Result<()> {
    let hashed = match settings.set_with {
        PasswordSetter::PasswordModify => return directory.set_password(dn, password).await,
        PasswordSetter::Ssha => ssha(password),
        PasswordSetter::Argon2 => argon2(password)?,
    };
    let mods = vec![Mod::Replace(
        "userPassword".to_string(),
        HashSet::from([hashed]),
    )];
    crate::directory::expect_success(directory.modify(dn, mods).await?)
}

/// What became of a change request.
#[derive(Debug, PartialEq, Eq)]
pub enum ChangeOutcome {
    /// The new password is set.
    Changed,
    /// Refused; each message says why.
    Refused(Vec<Msg>),
}

/// Sets `user`'s password with its audit row: the row is written first and committed after
/// the directory write (see [`audit::with_directory_change`]).
async fn set_recorded(
    db: &DbPool,
    directory: &Directory,
    settings: &PasswordSettings,
    user: &DirectoryUser,
    password: &str,
    entry: &Entry,
) -> Result<()> {
    let change = set_password(directory, settings, user.dn(), password);
    audit::with_directory_change(db, entry, change).await
}

/// Changes `user`'s password after checking the old one by binding and the new one by the
/// rules, with its audit row. The caller ends the user's other sessions.
#[allow(clippy::too_many_arguments)]
pub async fn change_password(
    db: &DbPool,
    directory: &Directory,
    settings: &PasswordSettings,
    actor: &Actor,
    user: &DirectoryUser,
    old: &str,
    new: &str,
    new_again: &str,
) -> Result<ChangeOutcome> {
    let context = PasswordContext {
        cn: user.cn(),
        uid: user.uid(),
        email: user.mail().unwrap_or_default(),
    };
    let mut problems = check_new_password(settings, new, new_again, &context);
    if !directory.verify_password(user.dn(), old).await? {
        problems.insert(0, Msg::new("bitu-password-error-current"));
    }
    if !problems.is_empty() {
        return Ok(ChangeOutcome::Refused(problems));
    }
    let entry = Entry::new(
        actor,
        Action::PasswordChange,
        Target::User(user.uid().to_string()),
    );
    set_recorded(db, directory, settings, user, new, &entry).await?;
    info!(uid = user.uid(), "password changed");
    Ok(ChangeOutcome::Changed)
}

/// Sets `user`'s password through a reset link (checked by the caller) after checking it by
/// the rules, with its audit row naming the link's holder at `client`. The caller ends the
/// user's sessions.
pub async fn reset_password(
    db: &DbPool,
    directory: &Directory,
    settings: &PasswordSettings,
    user: &DirectoryUser,
    client: Option<std::net::IpAddr>,
    new: &str,
    new_again: &str,
) -> Result<ChangeOutcome> {
    let context = PasswordContext {
        cn: user.cn(),
        uid: user.uid(),
        email: user.mail().unwrap_or_default(),
    };
    let problems = check_new_password(settings, new, new_again, &context);
    if !problems.is_empty() {
        return Ok(ChangeOutcome::Refused(problems));
    }
    let entry = Entry::new(
        &Actor::link(user.uid(), client),
        Action::PasswordReset,
        Target::User(user.uid().to_string()),
    );
    set_recorded(db, directory, settings, user, new, &entry).await?;
    info!(uid = user.uid(), "password reset");
    Ok(ChangeOutcome::Changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_have_the_directory_prefixes() {
        let hash = ssha("secret");
        assert!(hash.starts_with("{SSHA}"));
        assert_eq!(STANDARD.decode(&hash[6..]).unwrap().len(), 28);
        assert_ne!(ssha("secret"), hash, "salted");
        assert!(argon2("secret").unwrap().starts_with("{ARGON2}$argon2id$"));
    }
}
