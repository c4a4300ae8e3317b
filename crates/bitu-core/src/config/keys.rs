//! `[keys]`: the systems that hold users' SSH public keys and the key types they accept.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// Key types Bitu can tell the size of; anything else in `allowed_types` is a typo.
pub const KNOWN_KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-rsa",
];

/// Where a system keeps its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeySystemKind {
    /// The `sshPublicKey` attribute of the user's LDAP entry.
    Ldap,
}

/// One system that holds keys, shown as its own list on the keys page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySystem {
    /// Stable name stored with every key; never rename it once keys exist.
    pub name: String,
    /// Heading shown to users.
    pub display_name: String,
    /// Where the keys live.
    pub kind: KeySystemKind,
}

/// One accepted key type and its smallest size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowedKeyType {
    /// Type as it starts an OpenSSH public key line, e.g. `ssh-ed25519`.
    pub name: String,
    /// Fewest bits accepted (0: any size the type has).
    #[serde(default)]
    pub min_bits: u32,
}

/// The `[keys]` section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct KeysSettings {
    /// Systems holding keys, in the order the keys page shows them.
    pub systems: Vec<KeySystem>,
    /// Key types accepted for new keys; DSA (`ssh-dss`) is never accepted.
    pub allowed_types: Vec<AllowedKeyType>,
}

fn allowed(name: &str, min_bits: u32) -> AllowedKeyType {
    AllowedKeyType {
        name: name.into(),
        min_bits,
    }
}

impl Default for KeysSettings {
    fn default() -> Self {
        Self {
            systems: vec![KeySystem {
                name: "ldap".into(),
                display_name: "Cloud Services SSH keys".into(),
                kind: KeySystemKind::Ldap,
            }],
            allowed_types: vec![
                allowed("ssh-ed25519", 0),
                allowed("ecdsa-sha2-nistp256", 0),
                allowed("ecdsa-sha2-nistp384", 0),
                allowed("ecdsa-sha2-nistp521", 0),
                allowed("sk-ssh-ed25519@openssh.com", 0),
                allowed("sk-ecdsa-sha2-nistp256@openssh.com", 0),
                allowed("ssh-rsa", 2048),
            ],
        }
    }
}

impl KeysSettings {
    /// The system called `name`.
    pub fn system(&self, name: &str) -> Option<&KeySystem> {
        self.systems.iter().find(|system| system.name == name)
    }

    /// The rule for key type `name`, if that type is accepted.
    pub fn allowed_type(&self, name: &str) -> Option<&AllowedKeyType> {
        self.allowed_types.iter().find(|t| t.name == name)
    }

    /// Problems of values that parse but cannot work, each with its key.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        if self.systems.is_empty() {
            problems.push(("keys.systems".into(), "needs at least one system".into()));
        }
        let mut names = BTreeSet::new();
        for system in &self.systems {
            if system.name.is_empty() || system.name.len() > 32 {
                problems.push((
                    "keys.systems".into(),
                    "a name has 1 to 32 characters".into(),
                ));
            }
            if !names.insert(system.name.as_str()) {
                problems.push((
                    "keys.systems".into(),
                    format!("{:?} is named twice", system.name),
                ));
            }
        }
        // Two LDAP systems would write the same attribute and fight over it.
        if self
            .systems
            .iter()
            .filter(|s| s.kind == KeySystemKind::Ldap)
            .count()
            > 1
        {
            problems.push((
                "keys.systems".into(),
                "at most one system can be of kind \"ldap\"".into(),
            ));
        }
        if self.allowed_types.is_empty() {
            problems.push((
                "keys.allowed_types".into(),
                "needs at least one key type".into(),
            ));
        }
        for key_type in &self.allowed_types {
            if key_type.name == "ssh-dss" {
                problems.push((
                    "keys.allowed_types".into(),
                    "DSA keys (ssh-dss) are broken and never accepted".into(),
                ));
            } else if !KNOWN_KEY_TYPES.contains(&key_type.name.as_str()) {
                problems.push((
                    "keys.allowed_types".into(),
                    format!(
                        "unknown key type {:?}; known: {}",
                        key_type.name,
                        KNOWN_KEY_TYPES.join(", ")
                    ),
                ));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Settings;

    #[test]
    fn defaults_are_valid_and_name_the_directory() {
        let settings = KeysSettings::default();
        assert!(settings.validate().is_empty());
        assert_eq!(settings.systems[0].display_name, "Cloud Services SSH keys");
        assert_eq!(
            settings.allowed_type("ssh-rsa").map(|t| t.min_bits),
            Some(2048)
        );
        assert!(settings.allowed_type("ssh-dss").is_none());
    }

    #[test]
    fn a_list_in_the_file_replaces_the_defaults() {
        let settings = Settings::from_toml_str(
            "[[keys.allowed_types]]\nname = \"ssh-rsa\"\nmin_bits = 4096\n",
        )
        .unwrap();
        assert_eq!(settings.keys.allowed_types, vec![allowed("ssh-rsa", 4096)]);
    }

    #[test]
    fn dsa_unknown_types_and_twin_systems_are_problems() {
        let mut settings = KeysSettings::default();
        settings.allowed_types.push(allowed("ssh-dss", 0));
        settings.allowed_types.push(allowed("ssh-ed448", 0));
        settings.systems.push(settings.systems[0].clone());
        let keys: Vec<String> = settings.validate().into_iter().map(|(_, m)| m).collect();
        assert_eq!(keys.len(), 4, "{keys:?}");
    }
}
