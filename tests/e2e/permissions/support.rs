//! Shared steps: requestable groups of the rfc2307bis shape, reading their members back.

use std::time::{Duration, Instant};

use bitu_core::config::{PermissionGroup, RuleSettings};
use bitu_testkit::TestContext;
use ldap3::{Scope, SearchEntry};

use crate::authz::support::{add_group, user_dn};

/// A `groupOfNames` + `posixGroup` group (rfc2307bis) whose only member is `seed`; returns
/// its DN.
pub async fn posix_group(ctx: &TestContext, cn: &str, gid: &str, seed: &str) -> String {
    let seed = user_dn(ctx, seed);
    add_group(
        ctx,
        cn,
        &[
            ("objectClass", &["groupOfNames", "posixGroup"]),
            ("gidNumber", &[gid]),
            ("member", &[seed.as_str()]),
        ],
    )
    .await
}

/// A requestable group needing `count` approvals of `managers`.
pub fn managed(dn: &str, managers: &[&str], count: u32) -> PermissionGroup {
    PermissionGroup {
        group: dn.to_string(),
        rules: vec![RuleSettings {
            managers: managers.iter().map(|m| m.to_string()).collect(),
            count,
            ..RuleSettings::default()
        }],
        ..PermissionGroup::default()
    }
}

/// (`member` values, `memberUid` values) of the group at `dn`.
pub async fn members(ctx: &TestContext, dn: &str) -> (Vec<String>, Vec<String>) {
    let mut admin = ctx.ldap_admin().await;
    let (entries, _) = admin
        .search(
            dn,
            Scope::Base,
            "(objectClass=*)",
            vec!["member", "memberUid"],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let _ = admin.unbind().await;
    let entry = SearchEntry::construct(entries.into_iter().next().unwrap());
    let get = |name: &str| entry.attrs.get(name).cloned().unwrap_or_default();
    (get("member"), get("memberUid"))
}

/// Waits until `uid` is (`present`) or is not in both attributes of the group.
pub async fn wait_membership(ctx: &TestContext, dn: &str, uid: &str, present: bool) {
    let member = user_dn(ctx, uid);
    let started = Instant::now();
    loop {
        let (dns, uids) = members(ctx, dn).await;
        let has_dn = dns.iter().any(|d| d.eq_ignore_ascii_case(&member));
        let has_uid = uids.iter().any(|u| u == uid);
        if has_dn == present && has_uid == present {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{uid} in {dn}: member {dns:?}, memberUid {uids:?}; wanted present={present}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
