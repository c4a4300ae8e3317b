//! The Titleblacklist line syntax, read the way MediaWiki's `TitleBlacklistEntry::newFromString`
//! reads it: everything from the first `#` is a comment, a trailing `<a|b|errmsg=x>` holds the
//! options, what is left (trimmed) is the regular expression.

use std::fmt;

/// Options of one entry. Unknown options are ignored, as MediaWiki ignores them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct EntryOptions {
    /// Autoconfirmed users may create the title; anonymous signups are still refused.
    pub autoconfirmed: bool,
    /// Only page moves are checked: the entry never applies to account creation.
    pub moveonly: bool,
    /// Only account creation is checked.
    pub newaccountonly: bool,
    /// Editing existing pages is checked too (irrelevant to account creation).
    pub noedit: bool,
    /// Match case-sensitively (default: case-insensitively).
    pub casesensitive: bool,
    /// Re-uploading files is allowed (irrelevant to account creation).
    pub reupload: bool,
    /// Match the AntiSpoof-normalised title (not done here; see the module docs).
    pub antispoof: bool,
    /// Name of the message shown instead of the default one.
    pub errmsg: Option<String>,
}

/// The ASCII whitespace PHP's `trim()` and PCRE's `\s` (without `/u`) remove.
fn is_php_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\0' | '\x0B' | '\x0C')
}

fn php_trim(text: &str) -> &str {
    text.trim_matches(is_php_space)
}

impl EntryOptions {
    /// Reads the text between `<` and `>`: options separated by `|`, case-insensitive names.
    pub fn parse(text: &str) -> EntryOptions {
        let mut options = EntryOptions::default();
        for option in php_trim(text).split('|').map(php_trim) {
            match option.to_ascii_lowercase().as_str() {
                "autoconfirmed" => options.autoconfirmed = true,
                "moveonly" => options.moveonly = true,
                "newaccountonly" => options.newaccountonly = true,
                "noedit" => options.noedit = true,
                "casesensitive" => options.casesensitive = true,
                "reupload" => options.reupload = true,
                "antispoof" => options.antispoof = true,
                _ => {}
            }
            if let Some(message) = errmsg_value(option) {
                options.errmsg = Some(message.to_string());
            }
        }
        options
    }

    /// Whether the entry is checked when an account is created (`moveonly` ones are not).
    pub fn applies_to_new_accounts(&self) -> bool {
        !self.moveonly
    }
}

/// The value of `errmsg = value` found anywhere in one option, as `/errmsg\s*=\s*(.+)/i` does.
fn errmsg_value(option: &str) -> Option<&str> {
    let lower = option.to_ascii_lowercase();
    lower.match_indices("errmsg").find_map(|(at, key)| {
        let rest = option[at + key.len()..].trim_start_matches(is_php_space);
        let value = rest.strip_prefix('=')?.trim_start_matches(is_php_space);
        (!value.is_empty()).then_some(value)
    })
}

impl fmt::Display for EntryOptions {
    /// Canonical form stored in the database: recognised flags in a fixed order, then errmsg.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flags = [
            (self.antispoof, "antispoof"),
            (self.autoconfirmed, "autoconfirmed"),
            (self.casesensitive, "casesensitive"),
            (self.moveonly, "moveonly"),
            (self.newaccountonly, "newaccountonly"),
            (self.noedit, "noedit"),
            (self.reupload, "reupload"),
        ];
        let mut parts: Vec<String> = flags
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, name)| (*name).to_string())
            .collect();
        if let Some(message) = &self.errmsg {
            parts.push(format!("errmsg={message}"));
        }
        f.write_str(&parts.join("|"))
    }
}

/// One entry read from a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedLine {
    /// 1-based line number in the page (0 when parsed from a single line).
    pub line: u32,
    /// The regular expression as written, before MediaWiki's rewrites.
    pub pattern: String,
    /// Its options.
    pub options: EntryOptions,
    /// Text after `#`, trimmed; empty when the line has none.
    pub comment: String,
}

/// Reads one line; `None` for blank and comment-only lines, as MediaWiki skips them.
pub fn parse_line(text: &str) -> Option<ParsedLine> {
    // Everything from the first `#` is a comment, even inside a character class.
    let (body, comment) = match text.split_once('#') {
        Some((body, comment)) => (body, php_trim(comment)),
        None => (text, ""),
    };
    let body = php_trim(body);
    if body.is_empty() {
        return None;
    }
    // MediaWiki's `/^(.*?)(\s*<([^<>]*)>)?$/`: options are the last `<...>` ending the line.
    let (pattern, options) = match body.strip_suffix('>') {
        Some(rest) => match rest.rfind('<') {
            Some(open) if !rest[open + 1..].contains('>') => (
                php_trim(&rest[..open]),
                EntryOptions::parse(&rest[open + 1..]),
            ),
            _ => (body, EntryOptions::default()),
        },
        None => (body, EntryOptions::default()),
    };
    // PHP's `if ( $regex )`: an empty regex and the string "0" are falsy and dropped.
    let regex = super::title::entry_regex(pattern);
    if regex.is_empty() || regex == "0" {
        return None;
    }
    Some(ParsedLine {
        line: 0,
        pattern: pattern.to_string(),
        options,
        comment: comment.to_string(),
    })
}

/// Why PHP could not run the entry at all: MediaWiki builds `/^(?:REGEX)$/usi`, so an
/// unescaped `/` ends the pattern there and PHP reads the rest as modifiers, which fails
/// (`)` is never a modifier): the entry never matches. PHP's delimiter scan knows only `\`
/// escapes, not character classes, so `[/]` ends the pattern too.
pub fn php_delimiter_problem(pattern: &str) -> Option<String> {
    let regex = super::title::entry_regex(pattern);
    let mut bytes = regex.bytes().enumerate();
    while let Some((at, byte)) = bytes.next() {
        match byte {
            b'\\' => {
                bytes.next();
            }
            b'/' => {
                return Some(format!(
                    "unescaped / at byte {at} ends PHP's /.../usi pattern, so MediaWiki never \
                     matches this entry (write \\/)"
                ));
            }
            _ => {}
        }
    }
    None
}

/// Reads a whole page, numbering lines from 1 (lines split on `\n` or `\r\n`).
pub fn parse_page(text: &str) -> Vec<ParsedLine> {
    text.split('\n')
        .enumerate()
        .filter_map(|(index, line)| {
            let line = line.strip_suffix('\r').unwrap_or(line);
            parse_line(line).map(|mut parsed| {
                parsed.line = u32::try_from(index + 1).unwrap_or(u32::MAX);
                parsed
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_and_comment_lines_are_skipped() {
        for line in [
            "",
            "   ",
            "# a comment",
            "  #x",
            "<newaccountonly>",
            "0",
            " 0 <noedit>",
        ] {
            assert_eq!(parse_line(line), None, "{line:?}");
        }
    }

    #[test]
    fn pattern_options_and_comment() {
        let parsed =
            parse_line(".*grawp.*  <newaccountonly | CaseSensitive|errmsg= foo-bar > # vandal")
                .unwrap();
        assert_eq!(parsed.pattern, ".*grawp.*");
        assert!(parsed.options.newaccountonly && parsed.options.casesensitive);
        assert_eq!(parsed.options.errmsg.as_deref(), Some("foo-bar"));
        assert_eq!(parsed.comment, "vandal");
        assert_eq!(
            parsed.options.to_string(),
            "casesensitive|newaccountonly|errmsg=foo-bar"
        );
    }

    #[test]
    fn angle_brackets_that_are_not_options_stay_in_the_pattern() {
        let parsed = parse_line("a<b>c").unwrap();
        assert_eq!(parsed.pattern, "a<b>c");
        let parsed = parse_line("x<a>b<moveonly>").unwrap();
        assert_eq!(parsed.pattern, "x<a>b");
        assert!(parsed.options.moveonly);
        let parsed = parse_line("x<a<b>").unwrap();
        assert_eq!(parsed.pattern, "x<a");
        assert_eq!(parsed.options, EntryOptions::default());
    }

    #[test]
    fn a_hash_inside_a_class_starts_a_comment_as_in_mediawiki() {
        let parsed = parse_line(".*[#x].*").unwrap();
        assert_eq!(parsed.pattern, ".*[");
        assert_eq!(parsed.comment, "x].*");
    }

    #[test]
    fn pages_are_numbered_from_one() {
        let page = "# head\r\n\r\nfoo.*\r\n<noedit>\nbar <moveonly>\n";
        let lines = parse_page(page);
        assert_eq!(
            lines
                .iter()
                .map(|l| (l.line, l.pattern.as_str()))
                .collect::<Vec<_>>(),
            vec![(3, "foo.*"), (5, "bar")]
        );
    }

    #[test]
    fn an_unescaped_slash_ends_the_php_pattern() {
        assert!(php_delimiter_problem("User:Foo/bar").is_some());
        assert!(php_delimiter_problem("User:Foo[/]").is_some());
        assert!(
            php_delimiter_problem(r"User:Foo\\/bar").is_some(),
            "escaped backslash, then /"
        );
        assert_eq!(php_delimiter_problem(r"User:Foo\/bar"), None);
        assert_eq!(php_delimiter_problem(".*grawp.*"), None);
    }

    #[test]
    fn unknown_options_are_ignored() {
        let options = EntryOptions::parse("bogus|noedit|reupload|antispoof|autoconfirmed");
        assert!(options.noedit && options.reupload && options.antispoof && options.autoconfirmed);
        assert!(options.applies_to_new_accounts());
        assert!(!EntryOptions::parse("moveonly").applies_to_new_accounts());
    }
}
