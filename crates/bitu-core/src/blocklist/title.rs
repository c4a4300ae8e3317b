//! The strings MediaWiki actually matches: the entry's regex after its rewrites, and the
//! `User:` title a new account's name becomes.

use std::sync::LazyLock;

use regex::Regex;
use unicode_normalization::UnicodeNormalization;

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

/// Characters MediaWiki's `$wgLegalTitleChars` leaves out (every non-ASCII one is legal).
fn is_illegal_title_char(c: char) -> bool {
    c.is_ascii_control() || matches!(c, '#' | '<' | '>' | '[' | ']' | '|' | '{' | '}')
}

/// Whitespace MediaWiki folds into one `_` in titles.
fn is_title_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '_' | '\u{A0}' | '\u{1680}' | '\u{180E}' | '\u{2000}'
            ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// Upper-cases the first character, MediaWiki's form of a user name; a character whose
/// capital is several characters (ß) is kept, as Wikimedia's title-case overrides do.
pub fn ucfirst(name: &str) -> String {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let mut upper = first.to_uppercase();
    let capital = match (upper.next(), upper.next()) {
        (Some(single), None) => single,
        _ => first,
    };
    let mut out = String::with_capacity(name.len());
    out.push(capital);
    out.push_str(chars.as_str());
    out
}

/// The name as MediaWiki would store it (`Title::makeTitleSafe( NS_USER, $name )`): NFC,
/// bidirectional marks removed, runs of spaces and underscores folded to one space, trimmed,
/// first letter upper-cased. `None` when it is no valid title, which MediaWiki never blocks.
pub fn canonical_user_name(name: &str) -> Option<String> {
    let name: String = name
        .nfc()
        .filter(|c| !matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}'))
        .collect();
    let mut folded = String::with_capacity(name.len());
    for c in name.chars() {
        if is_title_space(c) {
            if !folded.ends_with(' ') {
                folded.push(' ');
            }
        } else {
            folded.push(c);
        }
    }
    let text = folded.trim_matches(' ');
    if text.is_empty()
        || text.len() > 255
        || text.chars().any(is_illegal_title_char)
        || text.contains('\u{FFFD}')
        || text.contains("~~~")
        || has_percent_escape(text)
        || is_relative_path(text)
    {
        return None;
    }
    Some(ucfirst(text))
}

/// `%` followed by two hex digits, which MediaWiki refuses in titles.
fn has_percent_escape(text: &str) -> bool {
    text.as_bytes()
        .windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
}

/// `.`, `..`, `./x`, `x/../y` and the like, which MediaWiki refuses as titles.
fn is_relative_path(text: &str) -> bool {
    text == "."
        || text == ".."
        || text.starts_with("./")
        || text.starts_with("../")
        || text.contains("/./")
        || text.contains("/../")
        || text.ends_with("/.")
        || text.ends_with("/..")
}

/// The full text of the user page title a new account named `name` is checked as.
pub fn user_title(name: &str) -> Option<String> {
    canonical_user_name(name).map(|name| format!("{USER_NAMESPACE}:{name}"))
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
        assert_eq!(user_title("ßtest").unwrap(), "User:ßtest");
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
        assert_eq!(ucfirst("ǆemal"), "Ǆemal");
        assert_eq!(ucfirst(""), "");
        assert_eq!(ucfirst("1abc"), "1abc");
    }
}
