//! A directory of users and groups held in memory, with LDAP's modify semantics.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use ldap3::Mod;

use crate::directory::{
    Created, DirectoryUser, Entry, Filter, Group, GroupStore, NewUser, UserStore,
};
use crate::error::{Error, Result};

const USERS_DN: &str = "ou=people,dc=example,dc=org";
const GROUPS_DN: &str = "ou=groups,dc=example,dc=org";

/// Users (by DN), their clear passwords, and groups (by cn) whose members are uids.
#[derive(Default)]
pub struct MemoryDirectory {
    users: Mutex<BTreeMap<String, Entry>>,
    passwords: Mutex<HashMap<String, String>>,
    groups: Mutex<BTreeMap<String, Group>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn apply(entry: &mut Entry, change: Mod<String>) -> Result<()> {
    match change {
        Mod::Add(attr, values) => {
            let mut current = entry.values(&attr).to_vec();
            for value in values {
                if current.iter().any(|v| v.eq_ignore_ascii_case(&value)) {
                    return Err(Error::Directory(format!("value exists in {attr}")));
                }
                current.push(value);
            }
            entry.set(&attr, current);
        }
        Mod::Delete(attr, values) => {
            if entry.values(&attr).is_empty() {
                return Err(Error::Directory(format!("no such attribute {attr}")));
            }
            let kept = match values.is_empty() {
                true => Vec::new(),
                false => entry
                    .values(&attr)
                    .iter()
                    .filter(|v| !values.contains(*v))
                    .cloned()
                    .collect(),
            };
            entry.set(&attr, kept);
        }
        Mod::Replace(attr, values) => entry.set(&attr, values.into_iter().collect()),
        Mod::Increment(attr, by) => {
            let now: i64 = entry.first(&attr).and_then(|v| v.parse().ok()).unwrap_or(0);
            let by: i64 = by.parse().unwrap_or(0);
            entry.set(&attr, vec![(now + by).to_string()]);
        }
    }
    Ok(())
}

impl MemoryDirectory {
    /// An empty directory.
    pub fn new() -> MemoryDirectory {
        MemoryDirectory::default()
    }

    /// Adds a user with these names, address and password; returns the entry.
    pub fn add_user(&self, uid: &str, cn: &str, mail: &str, password: &str) -> DirectoryUser {
        let dn = UserStore::user_dn(self, uid);
        let entry = Entry::new(
            &dn,
            [
                ("objectClass", vec!["posixAccount".to_string()]),
                ("uid", vec![uid.to_string()]),
                ("cn", vec![cn.to_string()]),
                ("mail", vec![mail.to_string()]),
                ("loginShell", vec!["/bin/bash".to_string()]),
            ],
        );
        lock(&self.users).insert(dn.clone(), entry.clone());
        lock(&self.passwords).insert(dn, password.to_string());
        DirectoryUser { entry }
    }

    /// The entry of `uid` as it is now.
    pub fn user(&self, uid: &str) -> Option<DirectoryUser> {
        let dn = UserStore::user_dn(self, uid);
        lock(&self.users)
            .get(&dn)
            .cloned()
            .map(|entry| DirectoryUser { entry })
    }

    /// Adds an empty group named `cn`.
    pub fn add_group(&self, cn: &str) {
        lock(&self.groups).insert(
            cn.to_string(),
            Group {
                dn: format!("cn={cn},{GROUPS_DN}"),
                cn: cn.to_string(),
                members: Vec::new(),
                description: None,
            },
        );
    }
}

impl UserStore for MemoryDirectory {
    fn user_dn(&self, uid: &str) -> String {
        format!("uid={uid},{USERS_DN}")
    }

    async fn find_users_where(&self, filter: Filter) -> Result<Vec<DirectoryUser>> {
        Ok(lock(&self.users)
            .values()
            .filter(|entry| filter.matches(entry))
            .cloned()
            .map(|entry| DirectoryUser { entry })
            .collect())
    }

    async fn modify_user(&self, uid: &str, mods: Vec<Mod<String>>) -> Result<()> {
        let dn = self.user_dn(uid);
        let mut users = lock(&self.users);
        let entry = users
            .get_mut(&dn)
            .ok_or_else(|| Error::Directory(format!("no such object {dn}")))?;
        // LDAP applies all of a modify or none of it.
        let mut changed = entry.clone();
        for change in mods {
            apply(&mut changed, change)?;
        }
        *entry = changed;
        Ok(())
    }

    async fn create_user(&self, user: &NewUser) -> Result<Created> {
        let dn = self.user_dn(&user.uid);
        let mut users = lock(&self.users);
        if users.contains_key(&dn) {
            return Ok(Created::AlreadyExisted);
        }
        let entry = Entry::new(
            &dn,
            [
                ("objectClass", vec!["posixAccount".to_string()]),
                ("uid", vec![user.uid.clone()]),
                ("cn", vec![user.cn.clone()]),
                ("sn", vec![user.sn.clone()]),
                ("mail", vec![user.mail.clone()]),
                ("uidNumber", vec![user.uid_number.to_string()]),
                ("gidNumber", vec![user.gid_number.to_string()]),
                ("homeDirectory", vec![user.home_directory.clone()]),
                ("loginShell", vec![user.login_shell.clone()]),
            ],
        );
        users.insert(dn, entry);
        Ok(Created::Created)
    }

    async fn verify_password(&self, dn: &str, password: &str) -> Result<bool> {
        Ok(!password.is_empty() && lock(&self.passwords).get(dn).is_some_and(|p| p == password))
    }
}

impl GroupStore for MemoryDirectory {
    async fn find_group(&self, cn: &str) -> Result<Option<Group>> {
        Ok(lock(&self.groups).get(cn).cloned())
    }

    async fn groups_of(&self, uid: &str) -> Result<Vec<Group>> {
        Ok(lock(&self.groups)
            .values()
            .filter(|group| group.members.iter().any(|m| m == uid))
            .cloned()
            .collect())
    }

    async fn add_group_member(&self, cn: &str, uid: &str) -> Result<()> {
        let mut groups = lock(&self.groups);
        let group = groups
            .get_mut(cn)
            .ok_or_else(|| Error::Directory(format!("no such group {cn}")))?;
        if !group.members.iter().any(|m| m == uid) {
            group.members.push(uid.to_string());
        }
        Ok(())
    }

    async fn remove_group_member(&self, cn: &str, uid: &str) -> Result<()> {
        let mut groups = lock(&self.groups);
        let group = groups
            .get_mut(cn)
            .ok_or_else(|| Error::Directory(format!("no such group {cn}")))?;
        group.members.retain(|m| m != uid);
        Ok(())
    }
}
