//! The stored secrets' encryption: AES-256-GCM under the key of `[twofactor] key_file`, with
//! a random nonce per secret and the account's uid as associated data (a row copied to
//! another account does not decrypt).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::config::ConfigError;
use crate::error::{Error, Result};

const NONCE_BYTES: usize = 12;

/// Encrypts and decrypts secrets with one key.
pub struct SecretCipher {
    cipher: Aes256Gcm,
    id: String,
}

impl SecretCipher {
    /// The cipher of `key`: 32 bytes, base64-encoded (`openssl rand -base64 32`).
    pub fn new(key: &str) -> Result<SecretCipher> {
        let bytes = STANDARD.decode(key.trim()).map_err(|_| {
            Error::Config(ConfigError::Invalid("twofactor key is not base64".into()))
        })?;
        if bytes.len() != 32 {
            return Err(Error::Config(ConfigError::Invalid(
                "twofactor key must be 32 bytes (openssl rand -base64 32)".into(),
            )));
        }
        let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| {
            Error::Config(ConfigError::Invalid(
                "twofactor key has the wrong length".into(),
            ))
        })?;
        // Names the key in rows without revealing it: the start of a hash of it.
        let digest = Sha256::digest(&bytes);
        let id = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        Ok(SecretCipher { cipher, id })
    }

    /// Short name of the key, stored with each row it encrypted.
    pub fn key_id(&self) -> &str {
        &self.id
    }

    /// `secret` of account `uid`, encrypted: nonce then ciphertext and tag.
    pub fn encrypt(&self, uid: &str, secret: &[u8]) -> Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: secret,
                    aad: uid.as_bytes(),
                },
            )
            .map_err(|_| Error::Internal("cannot encrypt a two-factor secret".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// The secret of account `uid` from what [`encrypt`](Self::encrypt) made.
    pub fn decrypt(&self, uid: &str, data: &[u8]) -> Result<Vec<u8>> {
        if data.len() <= NONCE_BYTES {
            return Err(Error::Internal("two-factor secret row is too short".into()));
        }
        let (nonce, sealed) = data.split_at(NONCE_BYTES);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: uid.as_bytes(),
                },
            )
            .map_err(|_| {
                Error::Internal(
                    "cannot decrypt a two-factor secret (wrong [twofactor] key_file?)".into(),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    #[test]
    fn a_secret_decrypts_for_its_account_only() {
        let cipher = SecretCipher::new(KEY).unwrap();
        let sealed = cipher.encrypt("alice", b"the secret").unwrap();
        assert!(!sealed.windows(10).any(|w| w == b"the secret"));
        assert_eq!(cipher.decrypt("alice", &sealed).unwrap(), b"the secret");
        assert!(cipher.decrypt("mallory", &sealed).is_err());
        let other = SecretCipher::new(&STANDARD.encode([7u8; 32])).unwrap();
        assert!(other.decrypt("alice", &sealed).is_err());
        assert_ne!(other.key_id(), cipher.key_id());
        assert!(SecretCipher::new("c2hvcnQ=").is_err());
    }
}
