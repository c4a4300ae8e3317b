//! `[[site.footer]]`: the links at the foot of every page (privacy policy, terms of use, code
//! of conduct, source, issues, documentation, the public ban log), each labelled by a message
//! of i18n/ (translated for each visitor) or by a fixed label.

use serde::{Deserialize, Serialize};

/// One footer link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FooterLink {
    /// Message key of the label in i18n/ (`bitu-footer-privacy`); wins over `label`.
    #[serde(default)]
    pub message: String,
    /// The label as written, for a link without a message of its own.
    #[serde(default)]
    pub label: String,
    /// Where it leads: an `http(s)://` URL or a path on this site (`/wikimedia/log/`).
    pub url: String,
}

impl FooterLink {
    fn new(message: &str, url: &str) -> FooterLink {
        FooterLink {
            message: message.into(),
            label: String::new(),
            url: url.into(),
        }
    }
}

/// The links a Wikimedia installation shows unless `[[site.footer]]` says otherwise.
pub fn default_footer() -> Vec<FooterLink> {
    vec![
        FooterLink::new(
            "bitu-footer-privacy",
            "https://foundation.wikimedia.org/wiki/Special:MyLanguage/Policy:Privacy_policy",
        ),
        FooterLink::new(
            "bitu-footer-terms",
            "https://foundation.wikimedia.org/wiki/Special:MyLanguage/Policy:Terms_of_Use",
        ),
        FooterLink::new(
            "bitu-footer-code-of-conduct",
            "https://www.mediawiki.org/wiki/Special:MyLanguage/Code_of_Conduct",
        ),
        FooterLink::new("bitu-footer-ban-log", "/wikimedia/log/"),
    ]
}

/// Problems of `links` as `(key, message)`.
pub fn validate(links: &[FooterLink]) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for (i, link) in links.iter().enumerate() {
        let key = format!("site.footer[{i}]");
        if link.message.is_empty() && link.label.trim().is_empty() {
            problems.push((key.clone(), "needs a message or a label".into()));
        }
        if !link.message.is_empty() && !crate::i18n::is_message(&link.message) {
            problems.push((
                format!("{key}.message"),
                format!("{:?} is not a message of i18n/en.json", link.message),
            ));
        }
        let local = link.url.starts_with('/') && !link.url.starts_with("//");
        let remote =
            url::Url::parse(&link.url).is_ok_and(|url| matches!(url.scheme(), "http" | "https"));
        if !local && !remote {
            problems.push((
                format!("{key}.url"),
                format!("{:?} is neither an http(s) URL nor a path", link.url),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_bad_links_are_named() {
        assert!(validate(&default_footer()).is_empty());
        let bad = [
            FooterLink::new("", "/x/"),
            FooterLink::new("Bad Key", "javascript:alert(1)"),
            FooterLink::new("bitu-footer-source", "//evil.example/"),
        ];
        let keys: Vec<String> = validate(&bad).into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "site.footer[0]",
                "site.footer[1].message",
                "site.footer[1].url",
                "site.footer[2].url"
            ]
        );
    }
}
