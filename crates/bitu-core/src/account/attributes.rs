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
use crate::i18n::Msg;

/// An allowed change: the attribute as configured and its new value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeChange {
    /// The attribute's configured name.
    pub attribute: String,
    /// One of its choices.
    pub value: String,
}

/// What setting `name` of `uid` to `value` means: `Ok(None)` when it is the current value
/// (kept as it is even when outside the choices: an administrator set /bin/ksh, the form
/// shows it), else the change if `name` is editable and `value` one of its choices. Not
/// editable: [`Error::NotFound`]; not allowed: [`Error::Invalid`].
pub async fn check(
    users: &impl UserStore,
    editable: &[EditableAttribute],
    uid: &str,
    name: &str,
    value: &str,
) -> Result<(String, Option<AttributeChange>)> {
    let editable = editable
        .iter()
        .find(|e| e.attribute.eq_ignore_ascii_case(name))
        .ok_or_else(|| Error::NotFound(format!("no editable attribute {name}")))?;
    let current = users
        .find_user_by(crate::directory::UserAttribute::Uid, uid)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no user {uid}")))?;
    if current.entry.values(&editable.attribute) == [value.to_string()] {
        return Ok((editable.attribute.clone(), None));
    }
    if !editable.choices.iter().any(|choice| choice == value) {
        return Err(Error::Invalid(
            Msg::new("bitu-account-attribute-error-choice").arg(value),
        ));
    }
    let change = AttributeChange {
        attribute: editable.attribute.clone(),
        value: value.to_string(),
    };
    Ok((editable.attribute.clone(), Some(change)))
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
/// audit row by `actor` (none when nothing changes); returns the attribute's configured name.
#[allow(clippy::too_many_arguments)]
pub async fn change(
    db: &DbPool,
    users: &impl UserStore,
    editable: &[EditableAttribute],
    actor: &Actor,
    uid: &str,
    name: &str,
    value: &str,
) -> Result<String> {
    let (attribute, change) = check(users, editable, uid, name, value).await?;
    let Some(change) = change else {
        return Ok(attribute);
    };
    let entry = Entry::new(
        actor,
        Action::AttributeChange,
        Target::User(uid.to_string()),
    )
    .with("attribute", change.attribute.as_str())
    .with("value", change.value.as_str());
    audit::with_directory_change(db, &entry, write(users, uid, &change)).await?;
    info!(uid, attribute = %change.attribute, "attribute changed");
    Ok(attribute)
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

    /// [`change`] without its audit row (which needs MariaDB): check, then write.
    async fn set(
        directory: &MemoryDirectory,
        editable: &[EditableAttribute],
        uid: &str,
        name: &str,
        value: &str,
    ) -> Result<String> {
        let (attribute, change) = check(directory, editable, uid, name, value).await?;
        if let Some(change) = change {
            write(directory, uid, &change).await?;
        }
        Ok(attribute)
    }

    #[tokio::test]
    async fn an_allowed_value_is_written() {
        let directory = MemoryDirectory::new();
        directory.add_user("alice", "Alice", "alice@example.org", "pw");
        let name = set(&directory, &shells(), "alice", "loginshell", "/bin/zsh")
            .await
            .unwrap();
        assert_eq!(name, "loginShell");
        let user = directory.user("alice").unwrap();
        assert_eq!(user.entry.first("loginShell"), Some("/bin/zsh"));
    }

    #[tokio::test]
    async fn a_current_value_outside_the_choices_is_kept() {
        let directory = MemoryDirectory::new();
        directory.add_user("kim", "Kim", "kim@example.org", "pw");
        let ksh = vec![EditableAttribute {
            attribute: "loginShell".into(),
            choices: vec!["/bin/bash".into(), "/bin/ksh".into()],
        }];
        set(&directory, &ksh, "kim", "loginShell", "/bin/ksh")
            .await
            .unwrap();
        // Saving the current /bin/ksh with a list that no longer has it: kept, no change.
        let (name, change) = check(&directory, &shells(), "kim", "loginShell", "/bin/ksh")
            .await
            .unwrap();
        assert_eq!((name.as_str(), change), ("loginShell", None));
        let user = directory.user("kim").unwrap();
        assert_eq!(user.entry.first("loginShell"), Some("/bin/ksh"));
    }

    #[tokio::test]
    async fn other_values_and_attributes_are_refused_and_nothing_changes() {
        let directory = MemoryDirectory::new();
        directory.add_user("alice", "Alice", "alice@example.org", "pw");
        let refused = set(&directory, &shells(), "alice", "loginShell", "/bin/csh").await;
        assert!(matches!(refused, Err(Error::Invalid(_))), "{refused:?}");
        let unknown = set(&directory, &shells(), "alice", "mail", "x@example.org").await;
        assert!(matches!(unknown, Err(Error::NotFound(_))), "{unknown:?}");
        let user = directory.user("alice").unwrap();
        assert_eq!(user.entry.first("loginShell"), Some("/bin/bash"));
        assert_eq!(user.mail(), Some("alice@example.org"));
    }
}
