//! The dev/test slapd loads rfc2307bis, where posixGroup is auxiliary; directories still on
//! Debian's `nis` schema have structural posixGroup entries listing members by `memberUid`
//! only. This test starts a second, throwaway slapd with `nis` (slapd.conf, on a free port, in
//! a temporary folder) and checks memberships and roles read from such a group.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bitu_core::authz::Authz;
use bitu_core::authz::groups::memberships;
use bitu_core::config::{AuthzSettings, LdapSettings};
use bitu_core::directory::Directory;
use bitu_testkit::process::free_port;

const SUFFIX: &str = "dc=nis,dc=test";
const ROOT_DN: &str = "cn=admin,dc=nis,dc=test";
const ROOT_PASSWORD: &str = "nis-secret";

/// A slapd with the nis schema; killed when dropped.
struct NisSlapd {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for NisSlapd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_nis_slapd() -> NisSlapd {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let config = dir.path().join("slapd.conf");
    let schemas: String = ["core", "cosine", "nis", "inetorgperson"]
        .iter()
        .map(|s| format!("include /etc/ldap/schema/{s}.schema\n"))
        .collect();
    std::fs::write(
        &config,
        format!(
            "{schemas}modulepath /usr/lib/ldap\nmoduleload back_mdb\n\
             pidfile {pid}\ndatabase mdb\nmaxsize 10485760\nsuffix \"{SUFFIX}\"\n\
             rootdn \"{ROOT_DN}\"\nrootpw {ROOT_PASSWORD}\ndirectory {data}\n",
            pid = dir.path().join("slapd.pid").display(),
            data = data.display(),
        ),
    )
    .unwrap();
    let url = format!("ldap://127.0.0.1:{}", free_port());
    // -d keeps slapd in the foreground, so it is our child and dies with the test.
    let child = Command::new("slapd")
        .arg("-f")
        .arg(&config)
        .args(["-h", &format!("{url}/"), "-d", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("slapd must be installed");
    let slapd = NisSlapd {
        child,
        url,
        _dir: dir,
    };
    let started = Instant::now();
    loop {
        if let Ok((conn, mut ldap)) = ldap3::LdapConnAsync::new(&slapd.url).await {
            ldap3::drive!(conn);
            if ldap
                .simple_bind(ROOT_DN, ROOT_PASSWORD)
                .await
                .is_ok_and(|r| r.rc == 0)
            {
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "nis slapd did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    slapd
}

/// An entry's attributes: name and values.
type Attributes<'a> = &'a [(&'a str, &'a [&'a str])];

async fn load(url: &str) {
    let (conn, mut ldap) = ldap3::LdapConnAsync::new(url).await.unwrap();
    ldap3::drive!(conn);
    ldap.simple_bind(ROOT_DN, ROOT_PASSWORD)
        .await
        .unwrap()
        .success()
        .unwrap();
    let entries: &[(&str, Attributes)] = &[
        (
            SUFFIX,
            &[
                ("objectClass", &["dcObject", "organization"]),
                ("dc", &["nis"]),
                ("o", &["nis"]),
            ],
        ),
        (
            "ou=people,dc=nis,dc=test",
            &[
                ("objectClass", &["organizationalUnit"]),
                ("ou", &["people"]),
            ],
        ),
        (
            "ou=groups,dc=nis,dc=test",
            &[
                ("objectClass", &["organizationalUnit"]),
                ("ou", &["groups"]),
            ],
        ),
        (
            "uid=nina,ou=people,dc=nis,dc=test",
            &[
                ("objectClass", &["inetOrgPerson", "posixAccount"]),
                ("uid", &["nina"]),
                ("cn", &["Nina Nis"]),
                ("sn", &["Nis"]),
                ("uidNumber", &["5001"]),
                ("gidNumber", &["5000"]),
                ("homeDirectory", &["/home/nina"]),
            ],
        ),
        (
            // Structural posixGroup: only possible with nis, not with rfc2307bis.
            "cn=ops,ou=groups,dc=nis,dc=test",
            &[
                ("objectClass", &["posixGroup"]),
                ("cn", &["ops"]),
                ("gidNumber", &["5000"]),
                ("description", &["Operations (nis posixGroup)"]),
                ("memberUid", &["nina", "someone-else"]),
            ],
        ),
        (
            "cn=empty,ou=groups,dc=nis,dc=test",
            &[
                ("objectClass", &["posixGroup"]),
                ("cn", &["empty"]),
                ("gidNumber", &["5002"]),
            ],
        ),
    ];
    for (dn, attrs) in entries {
        let attrs: Vec<(&str, std::collections::HashSet<&str>)> = attrs
            .iter()
            .map(|(name, values)| (*name, values.iter().copied().collect()))
            .collect();
        ldap.add(dn, attrs).await.unwrap().success().unwrap();
    }
    let _ = ldap.unbind().await;
}

#[tokio::test]
async fn a_nis_posix_group_with_only_member_uid_counts() {
    let slapd = start_nis_slapd().await;
    load(&slapd.url).await;
    let directory = Directory::new(LdapSettings {
        servers: vec![slapd.url.clone()],
        bind_dn: ROOT_DN.into(),
        password: ROOT_PASSWORD.into(),
        users_dn: "ou=people,dc=nis,dc=test".into(),
        groups_dn: "ou=groups,dc=nis,dc=test".into(),
        ..LdapSettings::default()
    })
    .unwrap();
    let dn = "uid=nina,ou=people,dc=nis,dc=test";

    let groups = memberships(&directory, "nina", dn).await.unwrap();
    let names: Vec<(&str, Option<&str>)> = groups
        .iter()
        .map(|g| (g.cn.as_str(), g.description.as_deref()))
        .collect();
    assert_eq!(names, [("ops", Some("Operations (nis posixGroup)"))]);

    let authz = Authz::new(
        &AuthzSettings {
            account_manager_groups: vec!["cn=ops,ou=groups,dc=nis,dc=test".into()],
            ..AuthzSettings::default()
        },
        "cn=disabled,dc=nis,dc=test",
    );
    assert!(
        authz
            .is_account_manager(&directory, "nina", dn)
            .await
            .unwrap()
    );
    let other = "uid=otto,ou=people,dc=nis,dc=test";
    assert!(
        !authz
            .is_account_manager(&directory, "otto", other)
            .await
            .unwrap()
    );
}
