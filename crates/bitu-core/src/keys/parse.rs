//! Reading a pasted SSH public key: refuse private keys and `authorized_keys` options,
//! tolerate stray whitespace and line breaks, parse with the `ssh-key` crate, apply the
//! configured allow-list. Rejections never quote the pasted text.

use serde::Serialize;
use ssh_key::public::KeyData;
use ssh_key::{Algorithm, EcdsaCurve, HashAlg, PublicKey};

use crate::config::KeysSettings;
use crate::i18n::Msg;

/// Longest paste considered; a 16384-bit RSA key line is under 3 KiB.
pub const MAX_PASTE_BYTES: usize = 16 * 1024;
/// Longest comment kept, in characters.
pub const MAX_COMMENT_CHARS: usize = 255;
/// Pieces of a wrapped key tried when gluing its key data back together.
const MAX_PIECES: usize = 64;
/// How far into a paste a key type is looked for behind an options prefix.
const MAX_OPTION_WORDS: usize = 32;
/// The base64 of `openssh-key-v1\0`, which starts every OpenSSH private key body.
const OPENSSH_PRIVATE_BODY: &str = "b3BlbnNzaC1rZXktdjE";

/// The input a rejection is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    /// The pasted key.
    Key,
    /// The optional comment.
    Comment,
    /// The system to add the key to.
    System,
}

/// Why a key was refused, worded for the person who pasted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Which input is wrong.
    pub field: Field,
    /// What to do about it.
    pub message: Msg,
    /// The paste held a private key: never show it back, store it or log it.
    pub private_key: bool,
}

impl Rejection {
    /// A rejection of `field` with `message`.
    pub fn new(field: Field, message: Msg) -> Rejection {
        Rejection {
            field,
            message,
            private_key: false,
        }
    }
}

/// The warning (message key) for a pasted private key.
pub const PRIVATE_KEY_MESSAGE: &str = "bitu-keys-error-private";

/// A public key that parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedKey {
    /// Key type, e.g. `ssh-ed25519`.
    pub key_type: String,
    /// Size in bits, as `ssh-keygen -l` prints it.
    pub bits: u32,
    /// `SHA256:` and the unpadded base64 of the key's SHA-256, as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    /// Comment (may be empty).
    pub comment: String,
    /// The key as one line, `type base64[ comment]`.
    pub openssh: String,
}

/// Whether `text` holds a private key: any PEM `PRIVATE KEY` block, an OpenSSH private key
/// (with or without its armour) or a PuTTY key file.
pub fn looks_private(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    upper.contains("PRIVATE KEY")
        || upper.contains("PUTTY-USER-KEY-FILE")
        || text.contains(OPENSSH_PRIVATE_BODY)
}

fn split_words(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}

/// A key type name the `ssh-key` crate knows by heart (not a free-form `name@domain`).
fn is_standard_algorithm(word: &str) -> bool {
    Algorithm::new(word).is_ok_and(|algorithm| !matches!(algorithm, Algorithm::Other(_)))
}

fn bits_of(key: &KeyData) -> u32 {
    let bytes_bits = |bytes: &[u8]| {
        let bytes: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
        match bytes.first() {
            Some(first) => {
                let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX / 8);
                len.saturating_mul(8).saturating_sub(first.leading_zeros())
            }
            None => 0,
        }
    };
    match key {
        KeyData::Ed25519(_) | KeyData::SkEd25519(_) | KeyData::SkEcdsaSha2NistP256(_) => 256,
        KeyData::Ecdsa(ecdsa) => match ecdsa.curve() {
            EcdsaCurve::NistP256 => 256,
            EcdsaCurve::NistP384 => 384,
            EcdsaCurve::NistP521 => 521,
        },
        KeyData::Rsa(rsa) => bytes_bits(rsa.n.as_bytes()),
        KeyData::Dsa(dsa) => bytes_bits(dsa.p.as_bytes()),
        _ => 0,
    }
}

/// Parses `type` plus the pieces after it, gluing pieces of key data a line break split;
/// returns the key and how many pieces its data took.
fn parse_pieces(key_type: &str, pieces: &[&str]) -> Option<(PublicKey, usize)> {
    let mut data = String::new();
    for (taken, piece) in pieces.iter().take(MAX_PIECES).enumerate() {
        data.push_str(piece);
        if let Ok(key) = PublicKey::from_openssh(&format!("{key_type} {data}")) {
            return Some((key, taken + 1));
        }
    }
    None
}

fn describe(mut key: PublicKey, comment: String) -> Option<ParsedKey> {
    key.set_comment(comment.clone());
    Some(ParsedKey {
        key_type: key.algorithm().as_str().to_string(),
        bits: bits_of(key.key_data()),
        fingerprint: key.fingerprint(HashAlg::Sha256).to_string(),
        openssh: key.to_openssh().ok()?,
        comment,
    })
}

/// Reads a key as stored elsewhere (a directory value), without the allow-list: what is
/// there is shown whatever its type. `None` when it is not a public key line. (No private
/// key check: a comment saying "PRIVATE KEY" must not hide an active key from the sync.)
pub fn read_public_key(text: &str) -> Option<ParsedKey> {
    if text.len() > MAX_PASTE_BYTES {
        return None;
    }
    let words = split_words(text);
    let (key_type, rest) = words.split_first()?;
    let (key, used) = parse_pieces(key_type, rest)?;
    let comment = rest.get(used..).unwrap_or_default().join(" ");
    describe(key, comment)
}

fn check_comment(comment: &str, field: Field) -> Result<(), Rejection> {
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(Rejection::new(
            field,
            Msg::new("bitu-keys-error-comment-long").arg(MAX_COMMENT_CHARS),
        ));
    }
    if comment.chars().any(char::is_control) {
        return Err(Rejection::new(
            field,
            Msg::new("bitu-keys-error-comment-control"),
        ));
    }
    Ok(())
}

fn accepted_types(settings: &KeysSettings) -> String {
    settings
        .allowed_types
        .iter()
        .map(|t| t.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks a pasted key and an optional comment (which replaces the key's own) against every
/// rule; the entry point of adding a key, and of the fuzz target.
pub fn check_new_key(
    text: &str,
    comment: Option<&str>,
    settings: &KeysSettings,
) -> Result<ParsedKey, Rejection> {
    let key = |message: Msg| Rejection::new(Field::Key, message);
    // The comment field too: a private key pasted there is just as leaked.
    for (field, input) in [
        (Field::Key, text),
        (Field::Comment, comment.unwrap_or_default()),
    ] {
        if looks_private(input) {
            return Err(Rejection {
                private_key: true,
                ..Rejection::new(field, Msg::new(PRIVATE_KEY_MESSAGE))
            });
        }
    }
    if text.len() > MAX_PASTE_BYTES {
        return Err(key(
            Msg::new("bitu-keys-error-too-long").arg(MAX_PASTE_BYTES / 1024)
        ));
    }
    let words = split_words(text);
    let Some((first, rest)) = words.split_first() else {
        return Err(key(Msg::new("bitu-keys-error-empty")));
    };
    if text.contains("BEGIN SSH2 PUBLIC KEY") {
        return Err(key(Msg::new("bitu-keys-error-ssh2")));
    }
    if !is_standard_algorithm(first)
        && rest
            .iter()
            .take(MAX_OPTION_WORDS)
            .any(|w| is_standard_algorithm(w))
    {
        return Err(key(Msg::new("bitu-keys-error-options")));
    }
    let Ok(algorithm) = Algorithm::new(first) else {
        return Err(key(Msg::new("bitu-keys-error-not-openssh")));
    };
    if algorithm.is_dsa() {
        return Err(key(Msg::new("bitu-keys-error-dsa")));
    }
    let Some(rule) = settings.allowed_type(first) else {
        return Err(key(Msg::new("bitu-keys-error-type")
            .arg(*first)
            .arg(accepted_types(settings))));
    };
    if rest.is_empty() {
        return Err(key(Msg::new("bitu-keys-error-data-missing")));
    }
    let Some((parsed, used)) = parse_pieces(first, rest) else {
        return Err(key(Msg::new("bitu-keys-error-damaged").arg(*first)));
    };
    let own_comment = rest.get(used..).unwrap_or_default().join(" ");
    // Runs of whitespace become one space, as they would when the line is read back.
    let given = comment
        .map(|c| split_words(c).join(" "))
        .filter(|c| !c.is_empty());
    let (comment, comment_field) = match given {
        Some(given) => (given, Field::Comment),
        None => (own_comment, Field::Key),
    };
    check_comment(&comment, comment_field)?;
    let described =
        describe(parsed, comment).ok_or_else(|| key(Msg::new("bitu-keys-error-unwritable")))?;
    if described.bits < rule.min_bits {
        return Err(key(Msg::new("bitu-keys-error-bits")
            .arg(&described.key_type)
            .arg(rule.min_bits)
            .arg(described.bits)));
    }
    Ok(described)
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
