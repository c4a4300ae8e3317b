//! `[names]`: how developer names are put in MediaWiki's canonical form and which of
//! MediaWiki's account-creation rules (`UserNameUtils::isCreatable`) apply.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// MediaWiki's `$wgReservedUsernames` that are plain names (the `msg:` ones name messages).
pub const MEDIAWIKI_RESERVED: &[&str] = &[
    "MediaWiki default",
    "Conversion script",
    "Maintenance script",
    "Template namespace initialisation script",
    "ScriptImporter",
    "Unknown user",
];

/// The `isCreatable` rules; each is on by default and can be switched off for deployments
/// whose wikis configure them differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreatableRules {
    /// Refuse `@ : > =` (`$wgInvalidUsernameCharacters`) and `/` (subpages).
    pub characters: bool,
    /// Refuse names that are or look like IP addresses (`1.2.3.4`, `1.2.3.xxx`, IPv6).
    pub ip_addresses: bool,
    /// Refuse names over 235 bytes (user scripts must stay below the 255-byte title limit).
    pub length: bool,
    /// Refuse C1 controls, U+00A0, U+2000–U+200F, U+2028–U+202F, U+3000 and private use.
    pub invisible_characters: bool,
    /// Refuse the names in `reserved`.
    pub reserved: bool,
}

impl Default for CreatableRules {
    fn default() -> Self {
        Self {
            characters: true,
            ip_addresses: true,
            length: true,
            invisible_characters: true,
            reserved: true,
        }
    }
}

/// Settings of developer names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NamesSettings {
    /// `$wgOverrideUcfirstCharacters`: first letters upper-cased differently from Unicode's
    /// title case (Wikimedia keeps `ß` as `ß`, for example). Default: none.
    pub first_letter_overrides: BTreeMap<String, String>,
    /// Namespace names of the wikis besides MediaWiki's English ones (`Wikipedia`, `Portal`):
    /// a name starting with one of them and `:` is no user name.
    pub extra_namespaces: Vec<String>,
    /// Names nobody may take, in canonical form; look-alikes of them are refused too.
    pub reserved: Vec<String>,
    /// Which `isCreatable` rules apply.
    pub creatable: CreatableRules,
}

impl Default for NamesSettings {
    fn default() -> Self {
        Self {
            first_letter_overrides: BTreeMap::new(),
            extra_namespaces: Vec::new(),
            reserved: MEDIAWIKI_RESERVED.iter().map(ToString::to_string).collect(),
            creatable: CreatableRules::default(),
        }
    }
}

impl NamesSettings {
    /// Problems as (key, message) pairs.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        for from in self.first_letter_overrides.keys() {
            if from.chars().count() != 1 {
                problems.push((
                    "names.first_letter_overrides".to_string(),
                    format!("{from:?} is not one character"),
                ));
            }
        }
        for namespace in &self.extra_namespaces {
            if namespace.trim().is_empty() || namespace.contains(':') {
                problems.push((
                    "names.extra_namespaces".to_string(),
                    format!("{namespace:?} is no namespace name"),
                ));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_every_rule_is_on() {
        let settings = NamesSettings::default();
        assert!(settings.validate().is_empty());
        assert_eq!(settings.creatable, CreatableRules::default());
        assert!(settings.creatable.characters && settings.creatable.invisible_characters);
    }

    #[test]
    fn overrides_must_be_single_characters() {
        let mut settings = NamesSettings::default();
        settings
            .first_letter_overrides
            .insert("ab".into(), "X".into());
        settings.extra_namespaces.push("a:b".into());
        assert_eq!(settings.validate().len(), 2);
    }
}
