//! The message syntax translators write (a small subset of MediaWiki's):
//! `$1`…`$n` parameters, `{{PLURAL:$1|one|other}}` (CLDR forms in order; `N=` exact forms),
//! `[/path text]` or `[$1 text]` links, `'''bold'''` and `<code>`/`<em>` (as HTML only where a
//! template asks for HTML; plain text otherwise).

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use intl_pluralrules::{PluralCategory, PluralRuleType, PluralRules};
use unic_langid::LanguageIdentifier;

/// Whether to render plain text or HTML (links, bold; text escaped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Plain text, for a template to escape.
    Text,
    /// Escaped HTML with the message's links and bold.
    Html,
}

/// Renders `template` (a message's text in `lang`) with `args` (already rendered as text).
pub(super) fn expand(lang: &str, template: &str, args: &[String], mode: Mode) -> String {
    let chosen = choose_plurals(lang, template, args);
    markup(&chosen, args, mode)
}

/// Replaces every `{{PLURAL:n|forms…}}` by the form for `n` (parameters substituted in `n`).
fn choose_plurals(lang: &str, template: &str, args: &[String]) -> String {
    const OPEN: &str = "{{PLURAL:";
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find(OPEN) {
        let inner_start = start + OPEN.len();
        let Some(len) = rest[inner_start..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        let inner = &rest[inner_start..inner_start + len];
        let mut parts = inner.split('|');
        let number = parts.next().map(|n| markup(n, args, Mode::Text));
        let forms: Vec<&str> = parts.collect();
        out.push_str(plural_form(
            lang,
            number.as_deref().unwrap_or("").trim(),
            &forms,
        ));
        rest = &rest[inner_start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// The form of `forms` for `number` in `lang`: an exact `N=` form, else the form at the
/// position of the number's CLDR category among the language's categories (zero, one, two,
/// few, many, other), the last form standing for any later ones (as MediaWiki does).
fn plural_form<'a>(lang: &str, number: &str, forms: &[&'a str]) -> &'a str {
    let number = number.replace([',', ' ', '\u{a0}'], "");
    let mut plain = Vec::with_capacity(forms.len());
    for form in forms {
        match form.split_once('=') {
            Some((exact, text)) if exact.trim().parse::<f64>().is_ok() => {
                if exact.trim().parse::<f64>().ok() == number.parse::<f64>().ok() {
                    return text;
                }
            }
            _ => plain.push(*form),
        }
    }
    let Some(last) = plain.len().checked_sub(1) else {
        return "";
    };
    plain[category_index(lang, &number).min(last)]
}

/// The position of `number`'s plural category among those `lang` has.
fn category_index(lang: &str, number: &str) -> usize {
    let Some(rules) = rules(lang) else {
        return usize::from(number != "1");
    };
    let category = rules.select(number).unwrap_or(PluralCategory::OTHER);
    let present = categories(lang, &rules);
    present
        .iter()
        .position(|c| *c == category)
        .unwrap_or(present.len())
}

fn rules(lang: &str) -> Option<PluralRules> {
    let id: LanguageIdentifier = lang.parse().ok()?;
    PluralRules::create(id, PluralRuleType::CARDINAL).ok()
}

/// The categories other than `other` that `lang` uses, in CLDR order, found by trying
/// numbers (the rules crate does not list them); computed once per language.
fn categories(lang: &str, rules: &PluralRules) -> Vec<PluralCategory> {
    static CACHE: LazyLock<Mutex<HashMap<String, Vec<u8>>>> = LazyLock::new(Mutex::default);
    const ORDER: [PluralCategory; 5] = [
        PluralCategory::ZERO,
        PluralCategory::ONE,
        PluralCategory::TWO,
        PluralCategory::FEW,
        PluralCategory::MANY,
    ];
    let indexes = {
        let cached = CACHE.lock().ok().and_then(|cache| cache.get(lang).cloned());
        match cached {
            Some(indexes) => indexes,
            None => {
                let mut seen = [false; 5];
                let samples = (0..=1000u32)
                    .map(|n| n.to_string())
                    .chain(["1000000", "0.5", "1.5", "2.5", "0.1", "1.1"].map(String::from));
                for sample in samples {
                    if let Ok(c) = rules.select(sample.as_str())
                        && let Some(i) = ORDER.iter().position(|o| *o == c)
                    {
                        seen[i] = true;
                    }
                }
                let indexes: Vec<u8> = (0u8..5).filter(|i| seen[usize::from(*i)]).collect();
                if let Ok(mut cache) = CACHE.lock() {
                    cache.insert(lang.to_string(), indexes.clone());
                }
                indexes
            }
        }
    };
    indexes
        .into_iter()
        .filter_map(|i| match i {
            0 => Some(PluralCategory::ZERO),
            1 => Some(PluralCategory::ONE),
            2 => Some(PluralCategory::TWO),
            3 => Some(PluralCategory::FEW),
            4 => Some(PluralCategory::MANY),
            _ => None,
        })
        .collect()
}

/// Substitutes `$n`, and renders links and bold (as HTML in [`Mode::Html`], as their text
/// otherwise). Parameters are never parsed for syntax.
fn markup(template: &str, args: &[String], mode: Mode) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut bold = false;
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if let Some((n, len)) = param_at(rest) {
            match args.get(n - 1) {
                Some(arg) => push(&mut out, arg, mode),
                None => push(&mut out, &rest[..len], mode),
            }
            rest = &rest[len..];
        } else if let Some(tag) = INLINE_TAGS.iter().find(|tag| rest.starts_with(**tag)) {
            if mode == Mode::Html {
                out.push_str(tag);
            }
            rest = &rest[tag.len()..];
        } else if rest.starts_with("'''") {
            if mode == Mode::Html {
                out.push_str(if bold { "</strong>" } else { "<strong>" });
            }
            bold = !bold;
            rest = &rest[3..];
        } else if let Some((target, text, len)) = link_at(rest, args) {
            let text = markup(text, args, Mode::Text);
            match (mode, safe_target(&target)) {
                (Mode::Html, true) => {
                    out.push_str("<a href=\"");
                    out.push_str(&escape(&target));
                    out.push_str("\">");
                    out.push_str(&escape(&text));
                    out.push_str("</a>");
                }
                _ => push(&mut out, &text, mode),
            }
            rest = &rest[len..];
        } else {
            let mut buf = [0u8; 4];
            push(&mut out, c.encode_utf8(&mut buf), mode);
            rest = &rest[c.len_utf8()..];
        }
    }
    if bold && mode == Mode::Html {
        out.push_str("</strong>");
    }
    out
}

/// The HTML a message may hold (as MediaWiki's messages may): kept in HTML, dropped in text.
const INLINE_TAGS: &[&str] = &["<code>", "</code>", "<em>", "</em>"];

/// `$n` (n ≥ 1) at the start of `s`: its number and length.
fn param_at(s: &str) -> Option<(usize, usize)> {
    let digits = s.strip_prefix('$')?;
    let len = digits.bytes().take_while(u8::is_ascii_digit).count();
    let n: usize = digits[..len].parse().ok()?;
    (n >= 1).then_some((n, len + 1))
}

/// `[target text]` at the start of `s`, the target a path, an http(s) URL or a parameter:
/// the target (parameter substituted), the text and the length.
fn link_at<'a>(s: &'a str, args: &[String]) -> Option<(String, &'a str, usize)> {
    let inner = s.strip_prefix('[')?;
    let end = inner.find(']')?;
    let (target, text) = inner[..end].split_once(' ')?;
    let target = match param_at(target) {
        Some((n, len)) if len == target.len() => args.get(n - 1)?.clone(),
        _ if target.starts_with('/')
            || target.starts_with("https://")
            || target.starts_with("http://") =>
        {
            target.to_string()
        }
        _ => return None,
    };
    Some((target, text, end + 2))
}

/// Whether a link target may become an `href` (no `javascript:` and the like).
fn safe_target(target: &str) -> bool {
    (target.starts_with('/') && !target.starts_with("//"))
        || target.starts_with("https://")
        || target.starts_with("http://")
}

fn push(out: &mut String, text: &str, mode: Mode) {
    match mode {
        Mode::Text => out.push_str(text),
        Mode::Html => out.push_str(&escape(text)),
    }
}

/// `text` escaped for HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}
