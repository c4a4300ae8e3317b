//! Fuzzes the entry point of adding an SSH key: any paste and comment (split at the first
//! NUL byte) must give a key or a rejection, never a panic; an accepted key must read back to
//! itself and be of an allowed type; a private key (in either field) never passes.
#![no_main]

use bitu_core::config::KeysSettings;
use bitu_core::keys::{check_new_key, looks_private, read_public_key};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let (text, comment) = match input.split_once('\0') {
        Some((text, comment)) => (text, Some(comment)),
        None => (input.as_ref(), None),
    };
    let settings = KeysSettings::default();
    let outcome = check_new_key(text, comment, &settings);
    let read = read_public_key(text);
    match outcome {
        Ok(key) => {
            assert!(!looks_private(text) && !comment.is_some_and(looks_private));
            assert!(key.fingerprint.starts_with("SHA256:"));
            assert!(!key.fingerprint.ends_with('='));
            assert!(settings.allowed_type(&key.key_type).is_some());
            let again = read_public_key(&key.openssh).expect("an accepted key reads back");
            assert_eq!(again.fingerprint, key.fingerprint);
            assert_eq!(again.bits, key.bits);
            assert_eq!(again.comment, key.comment);
            let pasted = read.expect("an accepted paste reads as a public key");
            assert_eq!(pasted.fingerprint, key.fingerprint);
        }
        Err(rejection) => {
            assert!(!rejection.message.is_empty());
            if looks_private(text) || comment.is_some_and(looks_private) {
                assert!(rejection.private_key);
            }
        }
    }
});
