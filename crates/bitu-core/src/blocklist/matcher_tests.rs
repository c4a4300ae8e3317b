//! The matcher against a small Titleblacklist page, name by name, with MediaWiki's outcome.

use super::*;
use crate::blocklist::parse::parse_page;

/// Written in the real Titleblacklist format; each line exercises one rule.
const PAGE: &str = r"# Test list: one rule per line. Lines are referred to by number below.
.*[Gg]rawp.* <newaccountonly>
.*wikipedia.* <newaccountonly> # impersonation
.*\bsysop\b.* <newaccountonly>
User:Admin.* <newaccountonly>
Steward.*
.*Jimbo.* <casesensitive|newaccountonly>
.*(.)\1{5,}.* <newaccountonly>
.*[\x{FF00}-\x{FFEF}].* <newaccountonly|errmsg=titleblacklist-custom-fullwidth>
.*\p{Cf}.* <newaccountonly>
.*moveonly-test.* <moveonly>
.*noedit-test.* <noedit>
.*reupload-test.* <reupload>
.*autoconf.* <autoconfirmed>
.*antispoof-test.* <antispoof>
(?!User:Good).*[0-9]{8,}.*
.*\p{P}{4,}.*
.*x++x.*
.*(foo|bar)\1.*
User:(a|b|ab)*bc\1
.*[\w-.].*
.*\<b\>.*
(
{{ns:2}}:Root.*
User_talk:.*
.*ǆ.*
.*Кремль.*
.*straße.*
.*kelvin.*
User:[a-z].* <casesensitive>
User:.*[Bb][Oo][Tt] <newaccountonly>
0
.*spam[#].*
User:Holger_Drachmann
.*prec.* <autoconfirmed>
.*precedence.*
.*[&&x].*
";

fn matcher() -> Matcher {
    let entries = parse_page(PAGE)
        .into_iter()
        .map(|parsed| Entry {
            origin: "test".into(),
            line: Some(parsed.line),
            pattern: parsed.pattern,
            options: parsed.options,
        })
        .collect();
    Matcher::build(entries, 100_000)
}

/// (name, line of the entry that blocks it, or None when MediaWiki lets it through).
const TABLE: &[(&str, Option<u32>)] = &[
    ("Holger", None),
    ("Grawp", Some(2)),
    ("grawp", Some(2)),
    ("GRAWP the great", Some(2)),
    ("Ograwpo", Some(2)),
    ("Grap", None),
    ("Wikipedia fan", Some(3)),
    ("WIKIPEDIA", Some(3)),
    ("MyWikiPedia", Some(3)),
    ("Wiki pedia", None),
    ("Sysop", Some(4)),
    ("The sysop here", Some(4)),
    ("Sysops", None),
    ("Admin", Some(5)),
    ("admin", Some(5)),
    ("Administrator", Some(5)),
    ("Badmin", None),
    ("Steward", None),
    ("Stewardess", None),
    ("Jimbo fan", Some(7)),
    ("jimbo fan", Some(7)),
    ("Xjimbo", None),
    ("XJIMBO", None),
    ("Aaaaaaa", Some(8)),
    ("Mississippi", None),
    ("Ｆｏｏ", Some(9)),
    ("Foo\u{200D}bar", Some(10)),
    ("Foo\u{200E}bar", None),
    ("Moveonly-test", None),
    ("Noedit-test", Some(12)),
    ("Reupload-test", Some(13)),
    ("Autoconf", Some(14)),
    ("Antispoof-test", Some(15)),
    ("Good12345678", None),
    ("Bad12345678", Some(16)),
    ("Bad1234567", None),
    ("A!!!!b", Some(17)),
    ("A!!!b", None),
    ("Xxx", None),
    ("Foofoo", Some(19)),
    ("FOObar", None),
    ("Barbar", Some(19)),
    (
        "Ababababababababababababababababababababababababababababac",
        Some(20),
    ),
    ("Abc", None),
    ("A-b.c", None),
    ("B", None),
    ("Root", Some(24)),
    ("rootbeer", Some(24)),
    ("Talk:x", None),
    ("ǆemal", Some(26)),
    ("ǅx", Some(26)),
    ("кремль", Some(27)),
    ("КРЕМЛЬ", Some(27)),
    ("Straße", Some(28)),
    ("STRAẞE", Some(28)),
    ("STRASSE", None),
    ("\u{212A}elvin", Some(29)),
    ("abc", None),
    ("Spambot", Some(31)),
    ("Robot", Some(31)),
    ("Bottle", None),
    ("Spam", None),
    ("Holger Drachmann", Some(34)),
    ("Holger_Drachmann", Some(34)),
    ("holger  drachmann", Some(34)),
    ("Precedence", Some(36)),
    ("Prec", Some(35)),
    ("&", None),
    ("", None),
    ("a#b", None),
];

#[test]
fn names_are_blocked_as_mediawiki_blocks_them() {
    let matcher = matcher();
    assert!(TABLE.len() >= 60);
    let mut wrong = Vec::new();
    for (name, expected) in TABLE {
        let got = matcher.check(name).and_then(|m| m.line);
        if got != *expected {
            wrong.push(format!("{name:?}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn unreadable_and_divergent_patterns_are_skipped_with_a_reason() {
    let matcher = matcher();
    let skipped: Vec<(u32, &str)> = matcher
        .skipped()
        .iter()
        .map(|s| (s.line.unwrap(), s.pattern.as_str()))
        .collect();
    assert_eq!(
        skipped,
        vec![
            (21, r".*[\w-.].*"),
            (22, r".*\<b\>.*"),
            (23, "("),
            (33, ".*spam["),
            (37, ".*[&&x].*")
        ]
    );
    assert!(matcher.skipped().iter().all(|s| !s.reason.is_empty()));
    assert_eq!(matcher.not_for_accounts(), 1);
    assert!(matcher.pcre_len() >= 4, "{}", matcher.pcre_len());
}

#[test]
fn a_pathological_pattern_blocks_and_says_so() {
    let matcher = matcher();
    let name = format!("{}ac", "ab".repeat(28));
    let started = std::time::Instant::now();
    let found = matcher.check(&name).unwrap();
    assert!(found.limit_exceeded, "{found:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    let fine = matcher.check("Foofoo").unwrap();
    assert!(!fine.limit_exceeded);
}

#[test]
fn the_match_names_origin_pattern_and_message() {
    let found = matcher().check("Ｆｏｏ").unwrap();
    assert_eq!(found.origin, "test");
    assert_eq!(found.pattern, r".*[\x{FF00}-\x{FFEF}].*");
    assert_eq!(
        found.errmsg.as_deref(),
        Some("titleblacklist-custom-fullwidth")
    );
}

#[test]
fn validate_names_the_engine() {
    let none = EntryOptions::default();
    assert_eq!(validate(".*foo.*", &none, 1000), Ok(Engine::Fast));
    assert_eq!(validate(".*(.)\\1.*", &none, 1000), Ok(Engine::Pcre));
    assert_eq!(validate("a++", &none, 1000), Ok(Engine::Pcre));
    assert!(validate("(", &none, 1000).is_err());
    assert!(validate(r"\<x", &none, 1000).is_err());
}

#[test]
fn an_empty_list_blocks_nothing() {
    let matcher = Matcher::build(Vec::new(), 1000);
    assert!(matcher.is_empty());
    assert_eq!(matcher.check("Anything"), None);
}
