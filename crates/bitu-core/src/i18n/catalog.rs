//! The message files, compiled into the binary (so a deployment cannot run with stale ones)
//! and parsed once.

use std::collections::HashMap;
use std::sync::LazyLock;

/// Every language with a message file, with its file's text. English first: it is the
/// fallback of every other language.
const FILES: &[(&str, &str)] = &[
    ("en", include_str!("../../../../i18n/en.json")),
    ("he", include_str!("../../../../i18n/he.json")),
];

/// The message documentation for translators (`qqq`): not a language anyone reads in.
#[cfg(test)]
pub(super) const QQQ: &str = include_str!("../../../../i18n/qqq.json");

/// Messages of one file: key → text (`@metadata` left out).
pub(super) type Messages = HashMap<String, String>;

static CATALOG: LazyLock<HashMap<&'static str, Messages>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(lang, text)| (*lang, parse(lang, text)))
        .collect()
});

/// The messages of a message file's text; a broken file (caught by the unit tests) counts
/// as empty, so its messages fall back to English.
pub(super) fn parse(lang: &str, text: &str) -> Messages {
    match serde_json::from_str::<HashMap<String, serde_json::Value>>(text) {
        Ok(entries) => entries
            .into_iter()
            .filter(|(key, _)| !key.starts_with('@'))
            .filter_map(|(key, value)| match value {
                serde_json::Value::String(text) => Some((key, text)),
                _ => None,
            })
            .collect(),
        Err(e) => {
            tracing::error!(lang, error = %e, "a message file does not parse");
            HashMap::new()
        }
    }
}

/// The languages that have a message file.
pub fn languages() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(lang, _)| *lang)
}

/// The messages of `lang` (empty for a language without a file).
#[cfg(test)]
pub(super) fn messages(lang: &str) -> Option<&'static Messages> {
    CATALOG.get(lang)
}

/// The text of `key` in `lang`, else in English, with the language it was found in.
pub(super) fn lookup(lang: &str, key: &str) -> Option<(&'static str, &'static str)> {
    [lang, super::DEFAULT_LANG].into_iter().find_map(|lang| {
        CATALOG
            .get_key_value(lang)
            .and_then(|(lang, messages)| messages.get(key).map(|text| (*lang, text.as_str())))
    })
}
