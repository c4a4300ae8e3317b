//! Developer names the way MediaWiki reads them: one canonical form, used by the sign-up form,
//! the registration API, the CLI and the block list, and MediaWiki's verdict on whether a new
//! account may have the name.
//!
//! # Canonical form (`UserNameUtils::getCanonical( $name, 'creatable' )`)
//!
//! Character references decoded (`Sanitizer::decodeCharReferences`: `&eacute;`, `&#233;`,
//! `&#xE9;`), NFC, first letter upper-cased (`Language::ucfirst`: Unicode title case as PHP's
//! `MB_CASE_TITLE`, so `ß`→`Ss`, `ǆ`→`ǅ`, `ﬁ`→`Fi`, unless `[names] first_letter_overrides`
//! says otherwise), then the title parser: bidirectional marks removed, runs of spaces, `_`
//! and Unicode spaces folded to one space and trimmed, one `User:` prefix split off (any
//! case), IP addresses spelled as `IPUtils::sanitizeIP` spells them.
//!
//! # Verdicts
//!
//! [`TitleProblem`]: no valid title in the user namespace (MediaWiki cannot store it at all).
//! [`CreatableProblem`]: a valid title MediaWiki's `isCreatable`/`isValid` refuse for new
//! accounts; each rule can be switched off in `[names.creatable]`.
//!
//! Not followed: interwiki prefixes (`en:Foo`) depend on a wiki's interwiki table; such names
//! hold `:` and are refused as not creatable. Temporary-account name patterns are not known.

pub mod backfill;
pub mod confusables;
mod entities;
pub mod ip;
pub mod skeleton;
pub mod title;

#[cfg(test)]
mod table_tests;

use std::fmt;

use unicode_normalization::UnicodeNormalization;

use crate::config::{CreatableRules, NamesSettings};
use crate::i18n::Msg;
pub use entities::decode_char_references;
pub use title::{NS_MAIN, NS_USER, TitleRules};

/// Why a name is no valid user page title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TitleProblem {
    /// Nothing left after trimming.
    Empty,
    /// U+FFFD: a reference to no character, or broken text.
    BadCharacter,
    /// A character outside MediaWiki's legal title characters.
    IllegalCharacter(char),
    /// `%` and two hex digits.
    PercentEscape,
    /// A character reference that stays after decoding (`&bogus;`).
    CharacterReference,
    /// `.`, `..`, `./`, `../`, `/./`, `/../` forms.
    RelativePath,
    /// Three tildes, which wikis replace with a signature.
    Tildes,
    /// Over 255 bytes.
    TooLong,
    /// A prefix naming another namespace (`Talk:`, `Help:`).
    OtherNamespace(String),
    /// A leading `:` (the main namespace).
    LeadingColon,
    /// The first letter is not upper case after the rules ran.
    NotCapitalised,
}

impl TitleProblem {
    /// The problem as a message for the person who typed the name.
    pub fn msg(&self) -> Msg {
        match self {
            TitleProblem::Empty => Msg::new("bitu-signup-error-cn-empty"),
            TitleProblem::BadCharacter => Msg::new("bitu-name-error-bad-character"),
            TitleProblem::IllegalCharacter(c) => {
                Msg::new("bitu-name-error-illegal-character").arg(describe(*c))
            }
            TitleProblem::PercentEscape => Msg::new("bitu-name-error-percent-escape"),
            TitleProblem::CharacterReference => Msg::new("bitu-name-error-character-reference"),
            TitleProblem::RelativePath => Msg::new("bitu-name-error-relative-path"),
            TitleProblem::Tildes => Msg::new("bitu-name-error-tildes"),
            TitleProblem::TooLong => Msg::new("bitu-name-error-too-long"),
            TitleProblem::OtherNamespace(prefix) => {
                Msg::new("bitu-name-error-other-namespace").arg(prefix)
            }
            TitleProblem::LeadingColon => Msg::new("bitu-name-error-leading-colon"),
            TitleProblem::NotCapitalised => Msg::new("bitu-name-error-not-capitalised"),
        }
    }
}

/// English, as the message files have it (logs, the command line).
impl fmt::Display for TitleProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.msg().fmt(f)
    }
}

/// Why MediaWiki refuses a valid title as the name of a new account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreatableProblem {
    /// Over 235 bytes.
    TooLong,
    /// One of `@ : > = /`.
    ForbiddenCharacter(char),
    /// An IP address, or shaped like one.
    IpAddress,
    /// An invisible, spacing or private-use character.
    InvisibleCharacter(char),
    /// A name reserved by configuration.
    Reserved,
}

impl CreatableProblem {
    /// The problem as a message for the person who typed the name.
    pub fn msg(&self) -> Msg {
        match self {
            CreatableProblem::TooLong => Msg::new("bitu-name-error-too-long-for-account"),
            CreatableProblem::ForbiddenCharacter(c) => {
                Msg::new("bitu-name-error-forbidden-character").arg(describe(*c))
            }
            CreatableProblem::IpAddress => Msg::new("bitu-name-error-ip-address"),
            CreatableProblem::InvisibleCharacter(c) => {
                Msg::new("bitu-name-error-invisible-character").arg(describe(*c))
            }
            CreatableProblem::Reserved => Msg::new("bitu-name-error-reserved"),
        }
    }
}

/// English, as the message files have it (logs, the command line).
impl fmt::Display for CreatableProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.msg().fmt(f)
    }
}

/// Why a developer name cannot be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    /// Not a valid title.
    Title(TitleProblem),
    /// Valid, but not for a new account.
    NotCreatable(CreatableProblem),
}

impl NameProblem {
    /// The problem as a message for the person who typed the name.
    pub fn msg(&self) -> Msg {
        match self {
            NameProblem::Title(problem) => problem.msg(),
            NameProblem::NotCreatable(problem) => problem.msg(),
        }
    }

    /// Short class for listings: `invalid-title` or `not-creatable`.
    pub fn class(&self) -> &'static str {
        match self {
            NameProblem::Title(_) => "invalid-title",
            NameProblem::NotCreatable(_) => "not-creatable",
        }
    }
}

impl fmt::Display for NameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameProblem::Title(problem) => problem.fmt(f),
            NameProblem::NotCreatable(problem) => problem.fmt(f),
        }
    }
}

impl From<TitleProblem> for NameProblem {
    fn from(problem: TitleProblem) -> Self {
        NameProblem::Title(problem)
    }
}

impl From<CreatableProblem> for NameProblem {
    fn from(problem: CreatableProblem) -> Self {
        NameProblem::NotCreatable(problem)
    }
}

/// A character as messages show it: itself when visible, else its code point.
fn describe(c: char) -> String {
    if c.is_control() || c.is_whitespace() || is_invisible(c) || c == '\u{FFFD}' {
        format!("U+{:04X}", c as u32)
    } else {
        format!("\"{c}\"")
    }
}

/// The characters `UserNameUtils::isValid` refuses beyond the title rules.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{80}'..='\u{9F}'
        | '\u{A0}'
        | '\u{2000}'..='\u{200F}'
        | '\u{2028}'..='\u{202F}'
        | '\u{3000}'
        | '\u{E000}'..='\u{F8FF}')
}

/// The name rules of one deployment, built from `[names]`.
#[derive(Debug, Clone)]
pub struct NameRules {
    /// First-letter overrides and extra namespaces.
    pub title: TitleRules,
    /// Which creatable rules apply.
    pub creatable: CreatableRules,
    /// Names nobody may take (canonical form).
    pub reserved: Vec<String>,
}

impl Default for NameRules {
    fn default() -> Self {
        NameRules::new(&NamesSettings::default())
    }
}

impl NameRules {
    /// Rules from settings; overrides that are not one character are ignored (the
    /// configuration check reports them).
    pub fn new(settings: &NamesSettings) -> NameRules {
        let first_letter_overrides = settings
            .first_letter_overrides
            .iter()
            .filter_map(|(from, to)| {
                let mut chars = from.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => Some((c, to.clone())),
                    _ => None,
                }
            })
            .collect();
        let extra_namespaces = settings
            .extra_namespaces
            .iter()
            .map(|name| name.trim().replace(' ', "_").to_lowercase())
            .collect();
        NameRules {
            title: TitleRules {
                first_letter_overrides,
                extra_namespaces,
            },
            creatable: settings.creatable.clone(),
            reserved: settings.reserved.clone(),
        }
    }

    /// The name as MediaWiki would store its user page (`User:` not included), or why it is
    /// no valid title in the user namespace. Creatable rules are not applied.
    pub fn title_name(&self, raw: &str) -> Result<String, TitleProblem> {
        let decoded = decode_char_references(raw);
        let text: String = decoded.nfc().collect();
        let text = self.title.ucfirst(&text);
        // getCanonical refuses `#` before the parser would cut it off as a fragment.
        if text.contains('#') {
            return Err(TitleProblem::IllegalCharacter('#'));
        }
        let parsed = title::parse(&text, NS_USER, &self.title)?;
        if parsed.namespace != NS_USER {
            return Err(match parsed.prefix {
                Some(prefix) => TitleProblem::OtherNamespace(prefix),
                None => TitleProblem::LeadingColon,
            });
        }
        Ok(parsed.text())
    }

    /// The canonical developer name, or the first reason MediaWiki would refuse to create an
    /// account with it (its own order of checks).
    pub fn canonical(&self, raw: &str) -> Result<String, NameProblem> {
        let name = self.title_name(raw)?;
        self.check_creatable(&name)?;
        Ok(name)
    }

    /// `isCreatable` and `isValid` on a name in canonical form.
    pub fn check_creatable(&self, name: &str) -> Result<(), NameProblem> {
        let rules = &self.creatable;
        if rules.length && name.len() > 235 {
            return Err(CreatableProblem::TooLong.into());
        }
        if rules.characters
            && let Some(c) = name.chars().find(|c| matches!(c, '@' | ':' | '>' | '='))
        {
            return Err(CreatableProblem::ForbiddenCharacter(c).into());
        }
        if rules.ip_addresses && ip::looks_like_ip(name) {
            return Err(CreatableProblem::IpAddress.into());
        }
        if rules.characters && name.contains('/') {
            return Err(CreatableProblem::ForbiddenCharacter('/').into());
        }
        if name.len() > 255 {
            return Err(TitleProblem::TooLong.into());
        }
        if self.title.ucfirst(name) != name {
            return Err(TitleProblem::NotCapitalised.into());
        }
        // The name alone must read as itself in the main namespace (no `Talk:` left inside).
        match title::parse(name, NS_MAIN, &self.title) {
            Ok(parsed) if parsed.namespace == NS_MAIN && parsed.text() == name => {}
            Ok(parsed) => {
                return Err(TitleProblem::OtherNamespace(parsed.prefix.unwrap_or_default()).into());
            }
            Err(problem) => return Err(problem.into()),
        }
        if rules.invisible_characters
            && let Some(c) = name.chars().find(|c| is_invisible(*c))
        {
            return Err(CreatableProblem::InvisibleCharacter(c).into());
        }
        if rules.reserved && self.reserved.iter().any(|reserved| reserved == name) {
            return Err(CreatableProblem::Reserved.into());
        }
        Ok(())
    }

    /// The full `User:Name` title the block list matches, when the name is a valid title.
    pub fn user_title(&self, raw: &str) -> Option<String> {
        self.title_name(raw).ok().map(|name| format!("User:{name}"))
    }
}
