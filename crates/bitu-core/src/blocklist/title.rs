//! The strings MediaWiki actually matches: the entry's regex after its rewrites, and the
//! `User:` title a new account's name becomes.

use std::sync::LazyLock;

use regex::Regex;

use crate::names::NameRules;

/// Namespace prefix of user pages on the English-language wikis Bitu imports from.
pub const USER_NAMESPACE: &str = "User";

/// `{{ns:...}}` and `{{int:...}}` as `TitleBlacklistEntry::newFromString` finds them.
static MAGIC_WORD: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"\{\{(?-u:\s)*([a-z]+)(?-u:\s)*:(?-u:\s)*(.+?)(?-u:\s)*\}\}").ok()
});

/// Canonical English namespace names by index, for `{{ns:...}}` (Project ones vary per wiki).
const NAMESPACES: &[(i32, &str)] = &[
    (-2, "Media"),
    (-1, "Special"),
    (0, ""),
    (1, "Talk"),
    (2, "User"),
    (3, "User talk"),
    (6, "File"),
    (7, "File talk"),
    (8, "MediaWiki"),
    (9, "MediaWiki talk"),
    (10, "Template"),
    (11, "Template talk"),
    (12, "Help"),
    (13, "Help talk"),
    (14, "Category"),
    (15, "Category talk"),
];

fn namespace_name(argument: &str) -> Option<&'static str> {
    let argument = argument.trim();
    if let Ok(index) = argument.parse::<i32>() {
        return NAMESPACES
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, n)| *n);
    }
    let wanted = argument.replace('_', " ").to_lowercase();
    let wanted = match wanted.as_str() {
        "image" => "file",
        "image talk" => "file talk",
        other => other,
    };
    NAMESPACES
        .iter()
        .find(|(_, name)| name.to_lowercase() == wanted)
        .map(|(_, name)| *name)
}

/// The regex MediaWiki matches for an entry written as `pattern`: every `_` becomes a space
/// (titles are matched in text form), then `{{ns:N}}` becomes the namespace's name.
/// `{{int:...}}` (a message's text) cannot be known here and is left as written.
pub fn entry_regex(pattern: &str) -> String {
    let regex = pattern.replace('_', " ");
    let Some(magic) = MAGIC_WORD.as_ref() else {
        return regex;
    };
    let mut out = regex.clone();
    for found in magic.captures_iter(&regex) {
        if found[1].eq_ignore_ascii_case("ns")
            && let Some(name) = namespace_name(&found[2])
        {
            out = out.replace(&found[0], name);
        }
    }
    out
}

/// Rules of the default `[names]` configuration, for callers that have no settings at hand.
static DEFAULT_RULES: LazyLock<NameRules> = LazyLock::new(NameRules::default);

/// Upper-cases the first character as MediaWiki does (`Language::ucfirst`, default rules).
pub fn ucfirst(name: &str) -> String {
    DEFAULT_RULES.title.ucfirst(name)
}

/// The name as MediaWiki would store it (`bitu_core::names`, default rules); `None` when it
/// is no valid title in the user namespace, which MediaWiki never blocks.
pub fn canonical_user_name(name: &str) -> Option<String> {
    DEFAULT_RULES.title_name(name).ok()
}

/// The full text of the user page title a new account named `name` is checked as.
pub fn user_title(name: &str) -> Option<String> {
    DEFAULT_RULES.user_title(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn underscores_and_namespace_magic_words_are_rewritten() {
        assert_eq!(entry_regex("User_talk:.*"), "User talk:.*");
        assert_eq!(entry_regex("{{ns:2}}:Foo.*"), "User:Foo.*");
        assert_eq!(entry_regex("{{ns:user_talk}}:x"), "User talk:x");
        assert_eq!(entry_regex("{{ ns : 0 }}x"), "x");
        assert_eq!(entry_regex("{{int:foo}}"), "{{int:foo}}");
        assert_eq!(entry_regex("{{ns:4}}:x"), "{{ns:4}}:x");
    }

    #[test]
    fn names_become_user_titles() {
        assert_eq!(
            user_title("holger drachmann").unwrap(),
            "User:Holger drachmann"
        );
        assert_eq!(user_title("  a__b \u{3000} c_").unwrap(), "User:A b c");
        assert_eq!(user_title("\u{200E}élan").unwrap(), "User:Élan");
        assert_eq!(user_title("ßtest").unwrap(), "User:Sstest");
        assert_eq!(user_title("User:foo").unwrap(), "User:Foo");
        assert_eq!(user_title("e\u{301}").unwrap(), "User:\u{C9}");
        for bad in [
            "", " _ ", "a#b", "a<b", "x{y", "a%41", "..", "a/../b", "~~~x", "a\tb",
        ] {
            assert_eq!(user_title(bad), None, "{bad:?}");
        }
        assert_eq!(user_title(&"a".repeat(256)), None);
    }

    #[test]
    fn ucfirst_is_only_the_first_letter() {
        assert_eq!(ucfirst("jdoe"), "Jdoe");
        assert_eq!(ucfirst("ǆemal"), "ǅemal");
        assert_eq!(ucfirst(""), "");
        assert_eq!(ucfirst("1abc"), "1abc");
    }
}
