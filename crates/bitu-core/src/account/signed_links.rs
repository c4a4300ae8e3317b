//! Links that carry their own proof: an HMAC over the entry's current state and an expiry.
//! Nothing is stored, and any change of the entry (the reset itself, a new address) kills
//! every earlier link.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::directory::DirectoryUser;
use crate::error::{Error, Result};

type HmacSha256 = Hmac<Sha256>;

/// What a link is for; part of the signed text so one kind cannot stand in for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// Setting a new password without the old one.
    PasswordReset,
    /// Confirming a new email address (the new address is part of the signed text).
    EmailChange,
}

impl LinkPurpose {
    fn tag(self) -> &'static str {
        match self {
            LinkPurpose::PasswordReset => "password-reset",
            LinkPurpose::EmailChange => "email-change",
        }
    }
}

fn mac(
    secret: &[u8],
    purpose: LinkPurpose,
    user: &DirectoryUser,
    extra: &str,
    expires: i64,
) -> Result<HmacSha256> {
    let mut mac = HmacSha256::new_from_slice(secret)
        .map_err(|e| Error::Internal(format!("HMAC key refused: {e}")))?;
    let entry = &user.entry;
    for part in [
        purpose.tag(),
        user.uid(),
        entry.first("uidNumber").unwrap_or_default(),
        entry.first("modifyTimestamp").unwrap_or_default(),
        // modifyTimestamp has whole seconds; OpenLDAP's entryCSN moves with every change.
        entry.first("entryCSN").unwrap_or_default(),
        user.mail().unwrap_or_default(),
        extra,
        &expires.to_string(),
    ] {
        mac.update(part.as_bytes());
        mac.update(b"\x1f");
    }
    Ok(mac)
}

/// The token for `user` valid until `expires` (Unix seconds).
pub fn sign(
    secret: &[u8],
    purpose: LinkPurpose,
    user: &DirectoryUser,
    extra: &str,
    expires: i64,
) -> Result<String> {
    let mac = mac(secret, purpose, user, extra, expires)?;
    Ok(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

/// Whether `token` is valid for `user` as the entry is now, and `expires` lies after `now`.
pub fn verify(
    secret: &[u8],
    purpose: LinkPurpose,
    user: &DirectoryUser,
    extra: &str,
    expires: i64,
    now: i64,
    token: &str,
) -> bool {
    if expires <= now {
        return false;
    }
    let Ok(given) = URL_SAFE_NO_PAD.decode(token) else {
        return false;
    };
    mac(secret, purpose, user, extra, expires).is_ok_and(|mac| mac.verify_slice(&given).is_ok())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use ldap3::SearchEntry;

    use super::*;
    use crate::directory::Entry;

    fn user(modified: &str, csn: &str) -> DirectoryUser {
        let attrs = HashMap::from([
            ("uid".to_string(), vec!["rita".to_string()]),
            ("uidNumber".to_string(), vec!["5001".to_string()]),
            ("mail".to_string(), vec!["rita@example.org".to_string()]),
            ("modifyTimestamp".to_string(), vec![modified.to_string()]),
            ("entryCSN".to_string(), vec![csn.to_string()]),
        ]);
        DirectoryUser {
            entry: Entry::from_search(SearchEntry {
                dn: "uid=rita,ou=people,dc=example,dc=org".into(),
                attrs,
                bin_attrs: HashMap::new(),
            }),
        }
    }

    #[test]
    fn a_change_within_the_same_second_kills_the_link() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let before = user(
            "20261127181500Z",
            "20261127181500.100000Z#000000#000#000000",
        );
        let token = sign(secret, LinkPurpose::PasswordReset, &before, "", 2_000).unwrap();
        let verify_for =
            |user: &DirectoryUser, purpose| verify(secret, purpose, user, "", 2_000, 1_000, &token);
        assert!(verify_for(&before, LinkPurpose::PasswordReset));
        assert!(!verify_for(&before, LinkPurpose::EmailChange));
        let after = user(
            "20261127181500Z",
            "20261127181500.900000Z#000000#000#000000",
        );
        assert!(!verify_for(&after, LinkPurpose::PasswordReset));
        assert!(!verify(
            secret,
            LinkPurpose::PasswordReset,
            &before,
            "",
            2_000,
            2_000,
            &token
        ));
    }
}
