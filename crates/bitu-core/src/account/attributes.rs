//! Attributes users may change themselves (`[account] editable`), each to one of its
//! configured choices; written to the directory at once.

use std::collections::HashSet;

use ldap3::Mod;
use tracing::info;

use crate::config::EditableAttribute;
use crate::directory::UserStore;
use crate::error::{Error, Result};

/// Sets attribute `name` of `uid`'s entry to `value` when `name` is editable and `value` is
/// one of its choices; returns the attribute's configured name. The current value is kept
/// as it is even when outside the choices (an administrator set /bin/ksh, the form shows it).
pub async fn change(
    users: &impl UserStore,
    editable: &[EditableAttribute],
    uid: &str,
    name: &str,
    value: &str,
) -> Result<String> {
    let editable = editable
        .iter()
        .find(|e| e.attribute.eq_ignore_ascii_case(name))
        .ok_or_else(|| Error::NotFound(format!("no editable attribute {name}")))?;
    let current = users
        .find_user_by(crate::directory::UserAttribute::Uid, uid)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no user {uid}")))?;
    if current.entry.values(&editable.attribute) == [value.to_string()] {
        return Ok(editable.attribute.clone());
    }
    if !editable.choices.iter().any(|choice| choice == value) {
        return Err(Error::Invalid(format!("{value} is not an allowed value")));
    }
    let mods = vec![Mod::Replace(
        editable.attribute.clone(),
        HashSet::from([value.to_string()]),
    )];
    users.modify_user(uid, mods).await?;
    info!(uid, attribute = %editable.attribute, "attribute changed");
    Ok(editable.attribute.clone())
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
        let name = change(&directory, &shells(), "alice", "loginshell", "/bin/zsh")
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
        change(&directory, &shells(), "kim", "loginShell", "/bin/bash")
            .await
            .unwrap();
        let ksh = vec![EditableAttribute {
            attribute: "loginShell".into(),
            choices: vec!["/bin/bash".into(), "/bin/ksh".into()],
        }];
        change(&directory, &ksh, "kim", "loginShell", "/bin/ksh")
            .await
            .unwrap();
        // Saving the current /bin/ksh with a list that no longer has it: kept, no error.
        let name = change(&directory, &shells(), "kim", "loginShell", "/bin/ksh")
            .await
            .unwrap();
        assert_eq!(name, "loginShell");
        let user = directory.user("kim").unwrap();
        assert_eq!(user.entry.first("loginShell"), Some("/bin/ksh"));
    }

    #[tokio::test]
    async fn other_values_and_attributes_are_refused_and_nothing_changes() {
        let directory = MemoryDirectory::new();
        directory.add_user("alice", "Alice", "alice@example.org", "pw");
        let refused = change(&directory, &shells(), "alice", "loginShell", "/bin/csh").await;
        assert!(matches!(refused, Err(Error::Invalid(_))), "{refused:?}");
        let unknown = change(&directory, &shells(), "alice", "mail", "x@example.org").await;
        assert!(matches!(unknown, Err(Error::NotFound(_))), "{unknown:?}");
        let user = directory.user("alice").unwrap();
        assert_eq!(user.entry.first("loginShell"), Some("/bin/bash"));
        assert_eq!(user.mail(), Some("alice@example.org"));
    }
}
