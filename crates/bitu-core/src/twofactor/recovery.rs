//! Recovery codes: ten per enrolment, shown once, kept only as SHA-256 hashes (as API tokens
//! are), each good for one sign-in.

use rand::Rng;
use sha2::{Digest, Sha256};

/// Codes made at each enrolment.
pub const COUNT: usize = 10;
/// Letters and digits of a code: no look-alikes (0/o, 1/l/i).
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// `COUNT` new codes, `xxxxx-xxxxx` (about 49 bits each).
pub fn new_codes() -> Vec<String> {
    let mut rng = rand::rng();
    (0..COUNT)
        .map(|_| {
            let mut code: String = (0..10)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect();
            code.insert(5, '-');
            code
        })
        .collect()
}

/// A typed code as compared: lower case, without spaces and dashes.
pub fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The stored hash of a code (of its normalised form).
pub fn hash(code: &str) -> Vec<u8> {
    Sha256::digest(normalise(code).as_bytes()).to_vec()
}

/// Whether `text` could be a recovery code rather than a 6-digit TOTP code.
pub fn looks_like_code(text: &str) -> bool {
    let normalised = normalise(text);
    normalised.len() >= 8 && normalised.len() <= 16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_typed_forms_hash_alike() {
        let codes = new_codes();
        assert_eq!(codes.len(), COUNT);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), COUNT);
        let code = &codes[0];
        assert_eq!(code.len(), 11);
        assert_eq!(hash(code), hash(&format!(" {} ", code.to_uppercase())));
        assert_eq!(hash(code), hash(&code.replace('-', "")));
        assert!(looks_like_code(code));
        assert!(!looks_like_code("123456"));
    }
}
