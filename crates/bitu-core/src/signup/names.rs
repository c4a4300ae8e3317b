//! The forms names take: the developer name as MediaWiki stores it, and the shell username
//! suggested from it.

use crate::config::NamesSettings;
use crate::names::NameRules;

/// Longest developer name.
pub const CN_MAX: usize = 150;
/// Longest shell username.
pub const UID_MAX: usize = 32;

/// The developer name as stored: MediaWiki's canonical form (`bitu_core::names`), so
/// "john_doe" becomes "John doe". A name that is no valid title (refused by the validators
/// anyway) is only trimmed.
pub fn sanitize_cn(settings: &NamesSettings, cn: &str) -> String {
    NameRules::new(settings)
        .title_name(cn)
        .unwrap_or_else(|_| cn.trim().to_string())
}

/// A shell username suggested from a developer name: transliterated to ASCII (`Ünïcode` →
/// `unicode`, `Дмитрий` → `dmitrii`), lower case, only `a-z`, `0-9` and `-`, starting with a
/// letter, at most 32 characters.
pub fn suggest_uid(cn: &str) -> String {
    deunicode::deunicode(cn)
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .skip_while(|c| !c.is_ascii_lowercase())
        .take(UID_MAX)
        .collect()
}

/// Whether `uid` has the shell username form `^[a-z][a-z0-9-]*$`.
pub fn is_shell_name(uid: &str) -> bool {
    let mut chars = uid.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn developer_names_are_stored_in_canonical_form() {
        let settings = NamesSettings::default();
        assert_eq!(sanitize_cn(&settings, "  john_doe "), "John doe");
        assert_eq!(sanitize_cn(&settings, "&eacute;mile"), "Émile");
        assert_eq!(sanitize_cn(&settings, "User:ßtraße"), "Sstraße");
        assert_eq!(sanitize_cn(&settings, " a#b "), "a#b");
    }

    #[test]
    fn shell_names_are_suggested_by_transliteration() {
        assert_eq!(suggest_uid("Holger Drachmann"), "holgerdrachmann");
        assert_eq!(suggest_uid("42 Émile-Zola_x"), "emile-zolax");
        assert_eq!(suggest_uid("ünïcode name"), "unicodename");
        assert_eq!(suggest_uid("Ünïcode"), "unicode");
        assert_eq!(suggest_uid("Дмитрий"), "dmitrii");
        assert_eq!(suggest_uid(&"a".repeat(40)).len(), 32);
    }

    #[test]
    fn shell_name_form() {
        assert!(is_shell_name("a-1"));
        for bad in ["", "1a", "-a", "A", "a_b", "a.b", "ä"] {
            assert!(!is_shell_name(bad), "{bad:?}");
        }
    }
}
