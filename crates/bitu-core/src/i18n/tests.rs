use std::collections::BTreeSet;

use super::catalog;
use super::format::{Mode, expand};
use super::*;

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn parameters_are_substituted_and_not_parsed() {
    let out = expand(
        "en",
        "$1 gave $2 to $1 ($3)",
        &args(&["Ann", "[/x y]"]),
        Mode::Text,
    );
    assert_eq!(out, "Ann gave [/x y] to Ann ($3)");
    let html = expand(
        "en",
        "'''$1''' [$2 here]",
        &args(&["<b>", "/a?b=1&c"]),
        Mode::Html,
    );
    assert_eq!(
        html,
        "<strong>&lt;b&gt;</strong> <a href=\"/a?b=1&amp;c\">here</a>"
    );
    let code = expand("en", "<code>a <b></code>", &[], Mode::Html);
    assert_eq!(code, "<code>a &lt;b&gt;</code>");
    assert_eq!(expand("en", "<code>a <b></code>", &[], Mode::Text), "a <b>");
    let link = expand(
        "en",
        "[$1 click]",
        &args(&["javascript:alert(1)"]),
        Mode::Html,
    );
    assert_eq!(link, "click");
    assert_eq!(expand("en", "[/path go] now", &[], Mode::Text), "go now");
    assert_eq!(
        expand("en", "costs $ 5 [not a link]", &[], Mode::Text),
        "costs $ 5 [not a link]"
    );
}

#[test]
fn english_plurals_one_and_other() {
    let t = "{{PLURAL:$1|one key|$1 keys}} left";
    assert_eq!(expand("en", t, &args(&["1"]), Mode::Text), "one key left");
    assert_eq!(expand("en", t, &args(&["0"]), Mode::Text), "0 keys left");
    assert_eq!(expand("en", t, &args(&["2"]), Mode::Text), "2 keys left");
    assert_eq!(
        expand("en", t, &args(&["1.5"]), Mode::Text),
        "1.5 keys left"
    );
    let exact = "{{PLURAL:$1|0=no keys|one key|$1 keys}}";
    assert_eq!(expand("en", exact, &args(&["0"]), Mode::Text), "no keys");
    assert_eq!(expand("en", exact, &args(&["1"]), Mode::Text), "one key");
    // Too few forms: the last stands for the rest.
    assert_eq!(
        expand("en", "{{PLURAL:$1|keys}}", &args(&["1"]), Mode::Text),
        "keys"
    );
}

#[test]
fn plurals_with_more_forms() {
    // Hebrew (CLDR): one, two, many (20, 30, …), other.
    let t = "{{PLURAL:$1|one|two|many|other}}";
    let he = |n: &str| expand("he", t, &args(&[n]), Mode::Text);
    assert_eq!(he("1"), "one");
    assert_eq!(he("2"), "two");
    assert_eq!(he("20"), "many");
    assert_eq!(he("5"), "other");
    // Arabic: zero, one, two, few (3–10), many (11–99), other.
    let t = "{{PLURAL:$1|zero|one|two|few|many|other}}";
    let ar = |n: &str| expand("ar", t, &args(&[n]), Mode::Text);
    assert_eq!(
        ["0", "1", "2", "3", "11", "100"].map(ar),
        ["zero", "one", "two", "few", "many", "other"]
    );
    // Three forms given for Hebrew: "many" and "other" both take the last.
    let t = "{{PLURAL:$1|one|two|more}}";
    assert_eq!(expand("he", t, &args(&["20"]), Mode::Text), "more");
    assert_eq!(expand("he", t, &args(&["7"]), Mode::Text), "more");
}

#[test]
fn fallback_to_english_and_missing_keys() {
    let en_only = catalog::messages("en")
        .unwrap()
        .keys()
        .find(|key| !catalog::messages("he").unwrap().contains_key(*key))
        .expect("some message has no Hebrew translation");
    let msg = Msg::new(en_only.clone());
    assert_eq!(text("he", &msg), text("en", &msg));
    assert_eq!(text("de", &msg), text("en", &msg));
    assert_ne!(
        text("he", &Msg::new("bitu-nav-account")),
        text("en", &Msg::new("bitu-nav-account"))
    );
    assert_eq!(
        text("en", &Msg::new("bitu-no-such-message")),
        "⧼bitu-no-such-message⧽"
    );
}

#[test]
fn qqx_shows_keys_and_parameters() {
    assert_eq!(
        text(QQX, &Msg::new("bitu-nav-account")),
        "(bitu-nav-account)"
    );
    let msg = Msg::new("bitu-nav-signed-in").arg("Ann <x>").arg(3);
    assert_eq!(text(QQX, &msg), "(bitu-nav-signed-in: Ann <x>, 3)");
    assert_eq!(html(QQX, &msg), "(bitu-nav-signed-in: Ann &lt;x&gt;, 3)");
    let nested = Msg::new("bitu-html-title")
        .arg(Msg::new("bitu-home-title"))
        .arg("Bitu");
    assert_eq!(
        text(QQX, &nested),
        "(bitu-html-title: (bitu-home-title), Bitu)"
    );
}

#[test]
fn msg_round_trips_through_json() {
    let msg = Msg::new("bitu-html-title")
        .arg(Msg::new("bitu-home-title"))
        .arg("Bitu")
        .arg(2u32);
    let json = serde_json::to_string(&msg).unwrap();
    assert_eq!(
        json,
        r#"{"key":"bitu-html-title","args":[{"key":"bitu-home-title"},"Bitu",2]}"#
    );
    assert_eq!(serde_json::from_str::<Msg>(&json).unwrap(), msg);
    assert_eq!(msg.to_string(), "Welcome – Bitu");
}

#[test]
fn languages_and_directions() {
    assert_eq!(supported("he-IL"), Some("he"));
    assert_eq!(supported("EN"), Some("en"));
    assert_eq!(supported("qqx"), Some("qqx"));
    assert_eq!(supported("qqq"), None);
    assert_eq!(supported("de"), None);
    assert_eq!(dir("he"), "rtl");
    assert_eq!(dir("ar-EG"), "rtl");
    assert_eq!(dir("en"), "ltr");
    assert_eq!(dir(QQX), "ltr");
}

fn keys(text: &str) -> BTreeSet<String> {
    let value: serde_json::Value = serde_json::from_str(text).expect("valid JSON");
    let object = value.as_object().expect("a JSON object");
    assert!(
        object["@metadata"]["authors"].is_array(),
        "@metadata.authors missing"
    );
    object
        .keys()
        .filter(|k| *k != "@metadata")
        .cloned()
        .collect()
}

#[test]
fn every_message_is_documented_and_every_file_is_sound() {
    let en = keys(include_str!("../../../../i18n/en.json"));
    let qqq = keys(catalog::QQQ);
    let undocumented: Vec<_> = en.difference(&qqq).collect();
    let stale: Vec<_> = qqq.difference(&en).collect();
    assert!(
        undocumented.is_empty(),
        "no qqq.json entry: {undocumented:?}"
    );
    assert!(
        stale.is_empty(),
        "qqq.json documents unknown keys: {stale:?}"
    );
    for key in &en {
        assert!(
            key.starts_with("bitu-")
                && key[5..]
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{key}: keys are bitu- then lower case, digits and dashes"
        );
    }
    for lang in languages() {
        let messages = catalog::messages(lang).unwrap();
        assert!(!messages.is_empty(), "{lang}.json is empty or broken");
        for key in messages.keys() {
            assert!(
                en.contains(key),
                "{lang}.json has {key}, which en.json lacks"
            );
        }
    }
    let he = keys(include_str!("../../../../i18n/he.json"));
    assert!(he.len() >= 5, "he.json needs a few real translations");
}

#[test]
fn every_audit_action_has_its_phrase_as_a_message() {
    for action in crate::audit::Action::ALL {
        let key = action.message_key();
        assert!(is_message(&key), "{key} missing from en.json");
        assert_eq!(text("en", &Msg::new(key)), action.phrase());
    }
}

/// The `$n` a message text uses.
fn params(text: &str) -> BTreeSet<String> {
    text.split('$')
        .skip(1)
        .map(|rest| {
            rest.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .filter(|n| !n.is_empty())
        .collect()
}

#[test]
fn translations_use_only_the_parameters_of_english() {
    let en = catalog::messages("en").unwrap();
    for lang in languages() {
        for (key, text) in catalog::messages(lang).unwrap() {
            let extra: Vec<_> = params(text)
                .difference(&params(&en[key]))
                .cloned()
                .collect();
            assert!(
                extra.is_empty(),
                "{lang} {key}: ${extra:?} unknown in English"
            );
            assert_eq!(
                text.matches("{{").count(),
                text.matches("}}").count(),
                "{lang} {key}: unbalanced {{{{…}}}}"
            );
        }
    }
    // Hebrew plural forms: one, two, many, other (CLDR); two forms given cover them all.
    let bits = |n: i64| text("he", &Msg::new("bitu-keys-bits").arg(n));
    assert_eq!(bits(1), "סיבית אחת");
    assert_eq!(bits(256), "256 סיביות");
}
