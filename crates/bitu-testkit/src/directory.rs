//! A per-test subtree in the test slapd: `ou=t-<id>` under `ou=people` and `ou=groups`, made
//! and removed as the rootDN, so tests never see each other's entries.

use std::collections::HashSet;

use ldap3::{Ldap, LdapConnAsync, Scope, SearchEntry};

use crate::env::ServiceEnv;

/// A connection bound as the rootDN, for fixtures and checks behind Bitu's back.
pub async fn admin(env: &ServiceEnv) -> Ldap {
    let (conn, mut ldap) = LdapConnAsync::new(&env.ldap_url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", env.ldap_url));
    ldap3::drive!(conn);
    ldap.simple_bind(&env.ldap_admin_dn, &env.ldap_admin_password)
        .await
        .and_then(|r| r.success())
        .expect("bind as the LDAP rootDN");
    ldap
}

/// Adds an entry, panicking with the server's message on failure.
pub async fn add(ldap: &mut Ldap, dn: &str, attrs: &[(&str, &[&str])]) {
    let attrs: Vec<(String, HashSet<String>)> = attrs
        .iter()
        .map(|(name, values)| {
            (
                name.to_string(),
                values.iter().map(ToString::to_string).collect(),
            )
        })
        .collect();
    ldap.add(dn, attrs)
        .await
        .and_then(|r| r.success())
        .unwrap_or_else(|e| panic!("cannot add {dn}: {e}"));
}

/// Creates the per-test OUs under people and groups.
pub async fn create_subtrees(ldap: &mut Ldap, dns: &[String]) {
    for dn in dns {
        let ou = dn
            .split(',')
            .next()
            .and_then(|rdn| rdn.strip_prefix("ou="))
            .expect("per-test DN starts with ou=");
        add(
            ldap,
            dn,
            &[("objectClass", &["organizationalUnit"]), ("ou", &[ou])],
        )
        .await;
    }
}

/// Deletes everything under (and including) each DN, deepest entries first.
pub async fn delete_subtrees(ldap: &mut Ldap, dns: &[String]) {
    for dn in dns {
        let Ok(result) = ldap
            .search(dn, Scope::Subtree, "(objectClass=*)", vec!["1.1"])
            .await
        else {
            continue;
        };
        let mut entries: Vec<String> = result
            .0
            .into_iter()
            .map(|entry| SearchEntry::construct(entry).dn)
            .collect();
        entries.sort_by_key(|dn| std::cmp::Reverse(dn.len()));
        for entry in entries {
            let _ = ldap.delete(&entry).await;
        }
    }
}
