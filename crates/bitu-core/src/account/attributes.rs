//! Attributes users may change themselves (`[account] editable`, e.g. the login shell), each
//! to one of its configured choices; written to the directory at once, with its audit row.

use std::collections::HashSet;

use ldap3::Mod;
use tracing::info;

use crate::audit::{self, Action, Actor, Entry, Target};
use crate::config::EditableAttribute;
use crate::db::DbPool;
use crate::directory::UserStore;
use crate::error::{Error, Result};

/// An allowed change: the attribute as configured and its new value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeChange {
    /// The attribute's configured name.
    pub attribute: String,
    /// One of its choices.
    pub value: String,
}

/// The change of attribute `name` to `value`, if `name` is editable and `value` one of its
/// choices. Not editable: [`Error::NotFound`]; not allowed: [`Error::Invalid`].
pub fn check(editable: &[EditableAttribute], name: &str, value: &str) -> Result<AttributeChange> {
    let editable = editable
        .iter()
        .find(|e| e.attribute.eq_ignore_ascii_case(name))
        .ok_or_else(|| Error::NotFound(format!("no editable attribute {name}")))?;
    if !editable.choices.iter().any(|choice| choice == value) {
        return Err(Error::Invalid(format!("{value} is not an allowed value")));
    }
    Ok(AttributeChange {
        attribute: editable.attribute.clone(),
        value: value.to_string(),
    })
}

/// Writes a checked change to `uid`'s entry.
pub async fn write(users: &impl UserStore, uid: &str, change: &AttributeChange) -> Result<()> {
    let mods = vec![Mod::Replace(
        change.attribute.clone(),
        HashSet::from([change.value.clone()]),
    )];
    users.modify_user(uid, mods).await
}

/// Sets attribute `name` of `uid`'s entry to `value` when allowed (see [`check`]), with its
/// audit row by `actor`; returns the attribute's configured name.
pub async fn change(
    db: &DbPool,
    users: &impl UserStore,
    editable: &[EditableAttribute],
    actor: &Actor,
    uid: &str,
    name: &str,
    value: &str,
) -> Result<String> {
    let change = check(editable, name, value)?;
    let entry = Entry::new(
        actor,
        Action::AttributeChange,
        Target::User(uid.to_string()),
    )
    .with("attribute", change.attribute.as_str())
    .with("value", change.value.as_str());
    audit::with_directory_change(db, &entry, write(users, uid, &change)).await?;
    info!(uid, attribute = %change.attribute, "attribute changed");
    Ok(change.attribute)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryDirectory;

    fn shells() -> Vec<EditableAttribute> {
        vec![EditableAttribute {
            attribute: "loginShell".into(),
            choices: vec!["/bin/bash".into(), "/bin/zsh".into()],
        }]
    }

    #[tokio::test]
    async fn an_allowed_value_is_written() {
        let directory = MemoryDirectory::new();
        directory.add_user("alice", "Alice", "alice@example.org", "pw");
        let change = check(&shells(), "loginshell", "/bin/zsh").unwrap();
        assert_eq!(change.attribute, "loginShell");
        write(&directory, "alice", &change).await.unwrap();
        let user = directory.user("alice").unwrap();
        assert_eq!(user.entry.first("loginShell"), Some("/bin/zsh"));
    }

    #[test]
    fn other_values_and_attributes_are_refused() {
        let refused = check(&shells(), "loginShell", "/bin/csh");
        assert!(matches!(refused, Err(Error::Invalid(_))), "{refused:?}");
        let unknown = check(&shells(), "mail", "x@example.org");
        assert!(matches!(unknown, Err(Error::NotFound(_))), "{unknown:?}");
    }
}
