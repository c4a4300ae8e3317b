//! Rotating the key of `[twofactor] key_file` (`bitu twofactor rotate-key`): every secret not
//! yet under the new key is decrypted with the old one and encrypted with the new one, row by
//! row, so a run that stops half-way can simply be started again.

use super::{SecretCipher, store};
use crate::db::{self, DbPool};
use crate::error::{Error, Result};

/// What a rotation did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Rotated {
    /// Rows now under the new key.
    pub rotated: usize,
    /// Rows under neither key (left alone, reported).
    pub unknown: usize,
}

/// Re-encrypts every secret under `old` with `new`.
pub async fn rotate(pool: &DbPool, old: &SecretCipher, new: &SecretCipher) -> Result<Rotated> {
    if old.key_id() == new.key_id() {
        return Err(Error::Config(crate::config::ConfigError::Invalid(
            "the old and the new key are the same".into(),
        )));
    }
    let mut conn = db::conn(pool).await?;
    let mut done = Rotated::default();
    for row in store::rows_not_under(&mut conn, new.key_id()).await? {
        if row.key_id != old.key_id() {
            done.unknown += 1;
            continue;
        }
        let secret = old.decrypt(&row.uid, &row.secret_encrypted)?;
        let sealed = new.encrypt(&row.uid, &secret)?;
        store::reencrypt(&mut conn, &row.uid, &sealed, new.key_id()).await?;
        done.rotated += 1;
    }
    Ok(done)
}
