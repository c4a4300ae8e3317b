//! The forms names take: the developer name as MediaWiki stores it, and the shell username
//! suggested from it.

/// Longest developer name.
pub const CN_MAX: usize = 150;
/// Longest shell username.
pub const UID_MAX: usize = 32;

/// The developer name as stored: trimmed, first character upper-cased (MediaWiki's rule:
/// "john doe" becomes "John doe").
pub fn sanitize_cn(cn: &str) -> String {
    let trimmed = cn.trim();
    let mut chars = trimmed.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A shell username suggested from a developer name: lower case, only `a-z`, `0-9` and `-`,
/// starting with a letter, at most 32 characters. The signup page's script does the same.
pub fn suggest_uid(cn: &str) -> String {
    cn.to_lowercase()
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
    fn developer_names_get_their_first_letter_upper_cased() {
        assert_eq!(sanitize_cn("  john doe "), "John doe");
        assert_eq!(sanitize_cn("émile"), "Émile");
        assert_eq!(sanitize_cn("ßtraße"), "SStraße");
        assert_eq!(sanitize_cn(""), "");
    }

    #[test]
    fn shell_names_are_suggested_like_the_page_script() {
        assert_eq!(suggest_uid("Holger Drachmann"), "holgerdrachmann");
        assert_eq!(suggest_uid("42 Émile-Zola_x"), "mile-zolax");
        assert_eq!(suggest_uid(&"a".repeat(40)).len(), 32);
        assert_eq!(suggest_uid("中文"), "");
    }

    #[test]
    fn shell_name_form() {
        assert!(is_shell_name("a-1"));
        for bad in ["", "1a", "-a", "A", "a_b", "a.b", "ä"] {
            assert!(!is_shell_name(bad), "{bad:?}");
        }
    }
}
