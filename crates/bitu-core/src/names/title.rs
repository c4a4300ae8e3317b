//! Page titles as MediaWiki's title parser (`MediaWikiTitleCodec::splitTitleString`) reads
//! them: whitespace folded, a namespace prefix split off, illegal forms refused, the first
//! letter upper-cased, IP addresses given one spelling in the user namespaces.

use std::collections::BTreeMap;

use super::TitleProblem;
use super::ip::sanitize_ip;

/// The main (article) namespace.
pub const NS_MAIN: i32 = 0;
/// The user namespace.
pub const NS_USER: i32 = 2;
/// The user talk namespace.
pub const NS_USER_TALK: i32 = 3;
/// Index given to namespaces named in `[names] extra_namespaces` (any number but 0 and 2).
const NS_EXTRA: i32 = 100;

/// English namespace names and aliases MediaWiki knows on every wiki, in database-key form.
const NAMESPACES: &[(&str, i32)] = &[
    ("media", -2),
    ("special", -1),
    ("talk", 1),
    ("user", NS_USER),
    ("user_talk", NS_USER_TALK),
    ("project", 4),
    ("project_talk", 5),
    ("file", 6),
    ("file_talk", 7),
    ("image", 6),
    ("image_talk", 7),
    ("mediawiki", 8),
    ("mediawiki_talk", 9),
    ("template", 10),
    ("template_talk", 11),
    ("help", 12),
    ("help_talk", 13),
    ("category", 14),
    ("category_talk", 15),
];

/// What the title rules depend on.
#[derive(Debug, Clone, Default)]
pub struct TitleRules {
    /// `$wgOverrideUcfirstCharacters`.
    pub first_letter_overrides: BTreeMap<char, String>,
    /// Further namespace names, lower case with `_` for spaces.
    pub extra_namespaces: Vec<String>,
}

impl TitleRules {
    /// `Language::getNsIndex`: the namespace a prefix names, case-insensitively.
    fn namespace_index(&self, prefix: &str) -> Option<i32> {
        let wanted = prefix.to_lowercase();
        NAMESPACES
            .iter()
            .find(|(name, _)| *name == wanted)
            .map(|(_, index)| *index)
            .or_else(|| self.extra_namespaces.contains(&wanted).then_some(NS_EXTRA))
    }

    /// `Language::ucfirst`: ASCII below `` ` `` stays, other ASCII is upper-cased, anything
    /// else takes its configured override or its Unicode title case (PHP's `MB_CASE_TITLE`).
    pub fn ucfirst(&self, text: &str) -> String {
        let mut chars = text.chars();
        let Some(first) = chars.next() else {
            return String::new();
        };
        let rest = chars.as_str();
        if (first as u32) < 96 {
            return text.to_string();
        }
        if first.is_ascii() {
            return format!("{}{rest}", first.to_ascii_uppercase());
        }
        if let Some(replacement) = self.first_letter_overrides.get(&first) {
            return format!("{replacement}{rest}");
        }
        let mapped = unicode_case_mapping::to_titlecase(first);
        if mapped == [0; 3] {
            return text.to_string();
        }
        let mut out: String = mapped
            .iter()
            .filter(|codepoint| **codepoint != 0)
            .filter_map(|codepoint| char::from_u32(*codepoint))
            .collect();
        out.push_str(rest);
        out
    }
}

/// Bidirectional marks and overrides that slip in with copied text.
fn is_bidi_mark(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}')
}

/// The whitespace the title parser folds into one `_`.
pub fn is_title_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '_' | '\u{A0}' | '\u{1680}' | '\u{180E}' | '\u{2000}'
            ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// Characters outside `$wgLegalTitleChars`; every non-ASCII character is legal.
pub fn is_illegal_title_char(c: char) -> bool {
    c.is_ascii_control() || matches!(c, '#' | '<' | '>' | '[' | ']' | '|' | '{' | '}')
}

/// `%` and two hex digits, which titles cannot round-trip through URLs.
fn has_percent_escape(text: &str) -> bool {
    text.as_bytes()
        .windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
}

/// A character reference left in the text: `&name;`, `&#123;` or `&#x7B;`.
fn has_character_reference(text: &str) -> bool {
    text.match_indices('&').any(|(at, _)| {
        let after = &text[at + 1..];
        let (digits, accept): (&str, fn(char) -> bool) = if let Some(hex) = after.strip_prefix("#x")
        {
            (hex, |c| c.is_ascii_hexdigit())
        } else if let Some(decimal) = after.strip_prefix('#') {
            (decimal, |c| c.is_ascii_digit())
        } else {
            (after, |c| c.is_ascii_alphanumeric() || !c.is_ascii())
        };
        let length: usize = digits
            .chars()
            .take_while(|c| accept(*c))
            .map(char::len_utf8)
            .sum();
        length > 0 && digits[length..].starts_with(';')
    })
}

/// `.`, `..`, `./x`, `x/../y` and the like, which relative URLs would resolve away.
fn is_relative_path(key: &str) -> bool {
    key.contains('.')
        && (key == "."
            || key == ".."
            || key.starts_with("./")
            || key.starts_with("../")
            || key.contains("/./")
            || key.contains("/../")
            || key.ends_with("/.")
            || key.ends_with("/.."))
}

/// A parsed title: its namespace and its database key (`_` for spaces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedTitle {
    /// Namespace index.
    pub namespace: i32,
    /// The name within the namespace, with `_` for spaces.
    pub key: String,
    /// The namespace prefix as written, when one was split off.
    pub prefix: Option<String>,
    /// Whether an initial `:` put the title in the main namespace.
    pub leading_colon: bool,
}

impl ParsedTitle {
    /// The name in text form (spaces, not underscores).
    pub fn text(&self) -> String {
        self.key.replace('_', " ")
    }
}

/// `splitTitleString($text, $defaultNamespace)` for local titles (interwiki prefixes are not
/// known here; a name holding `:` is refused by the creatable rules anyway).
pub fn parse(
    text: &str,
    default_namespace: i32,
    rules: &TitleRules,
) -> Result<ParsedTitle, TitleProblem> {
    let mut key = String::with_capacity(text.len());
    for c in text.chars().filter(|c| !is_bidi_mark(*c)) {
        if is_title_space(c) {
            if !key.ends_with('_') {
                key.push('_');
            }
        } else {
            key.push(c);
        }
    }
    let mut key = key.trim_matches('_').to_string();
    if key.contains(char::REPLACEMENT_CHARACTER) {
        return Err(TitleProblem::BadCharacter);
    }
    let mut namespace = default_namespace;
    let mut leading_colon = false;
    if let Some(rest) = key.strip_prefix(':') {
        // An initial colon means the main namespace, whatever the default.
        namespace = NS_MAIN;
        leading_colon = true;
        key = rest.trim_matches('_').to_string();
    }
    if key.is_empty() {
        return Err(TitleProblem::Empty);
    }
    let mut prefix = None;
    if let Some(colon) = key.find(':') {
        let written = key[..colon].trim_end_matches('_');
        // PCRE's `.` stops at a newline, so such a prefix is never a namespace.
        if !written.is_empty()
            && !written.contains('\n')
            && let Some(index) = rules.namespace_index(written)
        {
            namespace = index;
            prefix = Some(written.replace('_', " "));
            leading_colon = false;
            key = key[colon + 1..].trim_start_matches('_').to_string();
        }
    }
    if let Some(c) = key.chars().find(|c| is_illegal_title_char(*c)) {
        return Err(TitleProblem::IllegalCharacter(c));
    }
    if has_percent_escape(&key) {
        return Err(TitleProblem::PercentEscape);
    }
    if has_character_reference(&key) {
        return Err(TitleProblem::CharacterReference);
    }
    if is_relative_path(&key) {
        return Err(TitleProblem::RelativePath);
    }
    if key.contains("~~~") {
        return Err(TitleProblem::Tildes);
    }
    if key.len() > 255 {
        return Err(TitleProblem::TooLong);
    }
    let mut key = rules.ucfirst(&key);
    if key.is_empty() && namespace != NS_MAIN {
        return Err(TitleProblem::Empty);
    }
    if namespace == NS_USER || namespace == NS_USER_TALK {
        key = sanitize_ip(&key);
    }
    if key.starts_with(':') {
        return Err(TitleProblem::LeadingColon);
    }
    Ok(ParsedTitle {
        namespace,
        key,
        prefix,
        leading_colon,
    })
}
