//! Attributes the configuration lets users edit (`[account] editable`, e.g. the login
//! shell): a change to one of the allowed values, written to LDAP with its audit row.

use std::collections::HashSet;

use ldap3::Mod;
use tracing::info;

use crate::audit::{self, Action, Actor, Entry, Target};
use crate::config::AccountSettings;
use crate::db::DbPool;
use crate::directory::Directory;
use crate::error::{Error, Result};

/// Sets attribute `name` of `uid` to `value` if the configuration allows it; returns the
/// attribute's configured name. Not editable: [`Error::NotFound`]; not allowed: [`Error::Invalid`].
pub async fn change(
    db: &DbPool,
    directory: &Directory,
    settings: &AccountSettings,
    actor: &Actor,
    uid: &str,
    name: &str,
    value: &str,
) -> Result<String> {
    let editable = settings
        .editable
        .iter()
        .find(|e| e.attribute.eq_ignore_ascii_case(name))
        .ok_or_else(|| Error::NotFound(format!("editable attribute {name}")))?;
    if !editable.choices.iter().any(|choice| choice == value) {
        return Err(Error::Invalid(format!("{value} is not an allowed value")));
    }
    let mods = vec![Mod::Replace(
        editable.attribute.clone(),
        HashSet::from([value.to_string()]),
    )];
    let entry = Entry::new(
        actor,
        Action::AttributeChange,
        Target::User(uid.to_string()),
    )
    .with("attribute", editable.attribute.as_str())
    .with("value", value);
    audit::with_directory_change(db, &entry, directory.modify_user(uid, mods)).await?;
    info!(uid, attribute = %editable.attribute, "attribute changed");
    Ok(editable.attribute.clone())
}
