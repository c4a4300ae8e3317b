//! The table of names and MediaWiki's answers (`mediawiki_names.tsv`), and the rules that
//! configuration can switch.

use super::*;
use crate::config::NamesSettings;

const TABLE: &str = include_str!("mediawiki_names.tsv");

/// `\u{XXXX}` escapes and `{c*N}` repetitions of the table.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("\\u{") {
            let end = after.find('}').unwrap();
            out.push(char::from_u32(u32::from_str_radix(&after[..end], 16).unwrap()).unwrap());
            rest = &after[end + 1..];
        } else if rest.starts_with('{') && rest.contains("*") && rest.contains('}') {
            let end = rest.find('}').unwrap();
            let (unit, count) = rest[1..end].rsplit_once('*').unwrap();
            out.push_str(&unit.repeat(count.parse().unwrap()));
            rest = &rest[end + 1..];
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

fn shown(c: char) -> String {
    if c.is_ascii_graphic() {
        c.to_string()
    } else {
        format!("U+{:04X}", c as u32)
    }
}

/// The table's code for a verdict.
fn code(verdict: &Result<String, NameProblem>) -> String {
    match verdict {
        Ok(name) => name.clone(),
        Err(NameProblem::Title(problem)) => match problem {
            TitleProblem::Empty => "!empty".into(),
            TitleProblem::BadCharacter => "!fffd".into(),
            TitleProblem::IllegalCharacter(c) => format!("!char:{}", shown(*c)),
            TitleProblem::PercentEscape => "!percent".into(),
            TitleProblem::CharacterReference => "!entity".into(),
            TitleProblem::RelativePath => "!relative".into(),
            TitleProblem::Tildes => "!tildes".into(),
            TitleProblem::TooLong => "!long255".into(),
            TitleProblem::OtherNamespace(prefix) => format!("!ns:{prefix}"),
            TitleProblem::LeadingColon => "!colon".into(),
            TitleProblem::NotCapitalised => "!cap".into(),
        },
        Err(NameProblem::NotCreatable(problem)) => match problem {
            CreatableProblem::TooLong => "!c:long235".into(),
            CreatableProblem::ForbiddenCharacter(c) => format!("!c:char:{}", shown(*c)),
            CreatableProblem::IpAddress => "!c:ip".into(),
            CreatableProblem::InvisibleCharacter(c) => format!("!c:invisible:U+{:04X}", *c as u32),
            CreatableProblem::Reserved => "!c:reserved".into(),
        },
    }
}

fn rows() -> Vec<(String, String)> {
    TABLE
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let mut columns = line.split('\t');
            let input = unescape(columns.next().unwrap());
            let expected = unescape(columns.next().unwrap_or_else(|| panic!("{line:?}")));
            (input, expected)
        })
        .collect()
}

#[test]
fn every_name_gets_mediawikis_canonical_form_and_verdict() {
    let rules = NameRules::default();
    let rows = rows();
    assert!(rows.len() >= 200, "{} rows", rows.len());
    let mut wrong = Vec::new();
    for (input, expected) in &rows {
        let got = code(&rules.canonical(input));
        if &got != expected {
            wrong.push(format!("{input:?}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} rows differ:\n{}",
        wrong.len(),
        rows.len(),
        wrong.join("\n")
    );
}

#[test]
fn every_refusal_has_its_own_message() {
    let rules = NameRules::default();
    let mut messages = std::collections::BTreeMap::new();
    for (input, _) in rows() {
        if let Err(problem) = rules.canonical(&input) {
            let kind = code(&Err(problem.clone()));
            let kind = kind.split(':').take(2).collect::<Vec<_>>().join(":");
            messages.insert(kind, problem.to_string());
        }
    }
    let distinct: std::collections::BTreeSet<_> = messages.values().collect();
    assert_eq!(distinct.len(), messages.len(), "{messages:#?}");
}

#[test]
fn each_creatable_rule_can_be_switched_off() {
    let mut settings = NamesSettings::default();
    settings.creatable.characters = false;
    let rules = NameRules::new(&settings);
    assert_eq!(rules.canonical("foo@bar").unwrap(), "Foo@bar");
    assert_eq!(rules.canonical("a/b").unwrap(), "A/b");
    assert_eq!(
        rules.canonical("fe80::1"),
        Err(NameProblem::NotCreatable(CreatableProblem::IpAddress))
    );
    assert_eq!(
        rules.canonical("User:Talk:Foo"),
        Err(NameProblem::Title(TitleProblem::OtherNamespace(
            "Talk".into()
        )))
    );

    let mut settings = NamesSettings::default();
    settings.creatable.ip_addresses = false;
    assert_eq!(
        NameRules::new(&settings).canonical("001.2.3.4").unwrap(),
        "1.2.3.4"
    );

    let mut settings = NamesSettings::default();
    settings.creatable.length = false;
    assert_eq!(
        NameRules::new(&settings)
            .canonical(&"a".repeat(250))
            .unwrap()
            .len(),
        250
    );
    assert_eq!(
        NameRules::new(&settings).canonical(&"a".repeat(256)),
        Err(NameProblem::Title(TitleProblem::TooLong))
    );

    let mut settings = NamesSettings::default();
    settings.creatable.invisible_characters = false;
    assert_eq!(
        NameRules::new(&settings).canonical("a\u{200B}b").unwrap(),
        "A\u{200B}b"
    );

    let mut settings = NamesSettings::default();
    settings.creatable.reserved = false;
    assert_eq!(
        NameRules::new(&settings)
            .canonical("Maintenance script")
            .unwrap(),
        "Maintenance script"
    );
}

#[test]
fn first_letter_overrides_and_extra_namespaces_come_from_configuration() {
    let mut settings = NamesSettings::default();
    settings
        .first_letter_overrides
        .insert("ß".into(), "ß".into());
    settings.extra_namespaces.push("Wikipedia talk".into());
    let rules = NameRules::new(&settings);
    assert_eq!(rules.canonical("ßtraße").unwrap(), "ßtraße");
    assert_eq!(
        rules.canonical("wikipedia_talk:Foo"),
        Err(NameProblem::Title(TitleProblem::OtherNamespace(
            "Wikipedia talk".into()
        )))
    );
}

#[test]
fn the_block_list_sees_one_user_prefix() {
    let rules = NameRules::default();
    assert_eq!(rules.user_title("User:Foo").unwrap(), "User:Foo");
    assert_eq!(rules.user_title("&eacute;lan").unwrap(), "User:Élan");
    assert_eq!(rules.user_title("foo@bar").unwrap(), "User:Foo@bar");
    assert_eq!(rules.user_title("Talk:Foo"), None);
}
