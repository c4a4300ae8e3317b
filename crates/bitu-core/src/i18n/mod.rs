//! Translations. Every user-visible text comes from the message files in `i18n/` at the
//! repository's root: `en.json` (English, the fallback of every language), one file per
//! other language, and `qqq.json`, which documents each message for translators. They use
//! the JSON format of Wikimedia's translators (banana): `{"@metadata": {...}, "bitu-key":
//! "text with $1"}`, with `{{PLURAL:$1|one|other}}`, links `[/path text]` and `'''bold'''`.
//!
//! Code returns a [`Msg`] (key and parameters) and the web layer renders it late, in the
//! request's language, with [`text`] or [`html`]. The pseudo-language `qqx` renders the keys
//! instead, `(key: $1, $2)`, as MediaWiki does, to find text that does not come from here.
//! See docs/i18n.md.

mod catalog;
mod format;
mod msg;
#[cfg(test)]
mod tests;

pub use catalog::languages;
pub use msg::{Arg, Msg};

use format::Mode;
pub use format::escape;

/// The language of last resort and of logs.
pub const DEFAULT_LANG: &str = "en";

/// The pseudo-language that shows message keys instead of text.
pub const QQX: &str = "qqx";

/// Languages written right to left (by their primary subtag).
const RTL: &[&str] = &[
    "ar", "arc", "arz", "azb", "ckb", "dv", "fa", "glk", "he", "ks", "lrc", "mzn", "pnb", "ps",
    "sd", "ug", "ur", "yi",
];

/// `code` (any case, with or without a region) as a language this site renders: one with a
/// message file, or `qqx`.
pub fn supported(code: &str) -> Option<&'static str> {
    let code = code.trim().to_ascii_lowercase();
    if code == QQX {
        return Some(QQX);
    }
    let primary = code.split(['-', '_']).next().unwrap_or("");
    languages().find(|lang| *lang == code || *lang == primary)
}

/// The writing direction of `lang`: `"rtl"` or `"ltr"`.
pub fn dir(lang: &str) -> &'static str {
    let primary = lang.split(['-', '_']).next().unwrap_or("");
    if RTL.contains(&primary) { "rtl" } else { "ltr" }
}

/// Whether `key` is a message of en.json (configured labels may name one: `bitu-…`).
pub fn is_message(key: &str) -> bool {
    key.starts_with("bitu-") && catalog::lookup(DEFAULT_LANG, key).is_some()
}

/// `msg` as plain text in `lang` (a template escapes it).
pub fn text(lang: &str, msg: &Msg) -> String {
    render(lang, msg, Mode::Text)
}

/// `msg` as HTML in `lang`: text and parameters escaped, the message's links and bold as
/// markup. For a template's `| safe`.
pub fn html(lang: &str, msg: &Msg) -> String {
    render(lang, msg, Mode::Html)
}

fn render(lang: &str, msg: &Msg, mode: Mode) -> String {
    let args: Vec<String> = msg
        .args
        .iter()
        .map(|arg| match arg {
            Arg::Text(text) => text.clone(),
            Arg::Num(n) => n.to_string(),
            Arg::Msg(inner) => text(lang, inner),
        })
        .collect();
    if lang == QQX {
        let keys = if args.is_empty() {
            format!("({})", msg.key)
        } else {
            format!("({}: {})", msg.key, args.join(", "))
        };
        return match mode {
            Mode::Text => keys,
            Mode::Html => format::escape(&keys),
        };
    }
    match catalog::lookup(lang, &msg.key) {
        Some((found_in, template)) => format::expand(found_in, template, &args, mode),
        // As MediaWiki shows a missing message: visible, and never mistaken for text.
        None => {
            let missing = format!("⧼{}⧽", msg.key);
            match mode {
                Mode::Text => missing,
                Mode::Html => format::escape(&missing),
            }
        }
    }
}
