//! The LDAP layer against the real slapd: escaping, lookups, creation, passwords, groups.

use bitu_core::directory::{Created, Directory, NewUser, UserAttribute};
use bitu_testkit::TestContext;
use bitu_testkit::directory::add;

fn new_user(uid: &str, cn: &str, uid_number: u32) -> NewUser {
    NewUser {
        uid: uid.into(),
        cn: cn.into(),
        sn: cn.into(),
        mail: format!("{uid}@example.org"),
        uid_number,
        gid_number: 500,
        home_directory: format!("/home/{uid}"),
        login_shell: "/bin/bash".into(),
        password_hash: "{SSHA}placeholder".into(),
    }
}

async fn directory_with_users(ctx: &TestContext, users: &[(&str, &str)]) -> Directory {
    let directory = Directory::new(ctx.settings.ldap.clone()).unwrap();
    for (n, (uid, cn)) in users.iter().enumerate() {
        let created = directory
            .create_user(&new_user(uid, cn, 30000 + n as u32))
            .await
            .unwrap();
        assert_eq!(created, Created::Created);
    }
    directory
}

#[tokio::test]
async fn filter_injection_matches_nothing_it_should_not() {
    let ctx = TestContext::new().await;
    let directory = directory_with_users(
        &ctx,
        &[
            ("alice", "Alice"),
            ("bob", "Bob"),
            ("star", "*"),
            ("slash", r"back\slash"),
            ("jo", "Jöhn Dœ"),
        ],
    )
    .await;
    let uids = |users: Vec<bitu_core::directory::DirectoryUser>| -> Vec<String> {
        let mut uids: Vec<String> = users.iter().map(|u| u.uid().to_string()).collect();
        uids.sort();
        uids
    };
    // Classic injections: each is taken as a literal value.
    for attempt in ["*", "*)(uid=*", "alice)(|(uid=*", "*)(objectClass=*", "al*"] {
        let found = directory
            .find_users_by(UserAttribute::Uid, attempt)
            .await
            .unwrap();
        assert!(found.is_empty(), "{attempt:?} matched {:?}", uids(found));
    }
    // A literal `*` developer name is found only by exactly that name.
    let found = directory
        .find_users_by(UserAttribute::Cn, "*")
        .await
        .unwrap();
    assert_eq!(uids(found), vec!["star"]);
    // Prefix search treats the typed `*` literally, not as "everything".
    let found = directory
        .find_users_by_prefix(UserAttribute::Cn, "*", 10)
        .await
        .unwrap();
    assert_eq!(uids(found), vec!["star"]);
    // Backslashes and NUL are values too.
    let found = directory
        .find_users_by(UserAttribute::Cn, r"back\slash")
        .await
        .unwrap();
    assert_eq!(uids(found), vec!["slash"]);
    assert!(
        directory
            .find_users_by(UserAttribute::Cn, "back\0slash")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        directory
            .find_users_by(UserAttribute::Cn, "back\\")
            .await
            .unwrap()
            .is_empty()
    );
    // Non-ASCII matches exactly (and case-insensitively, per cn's matching rule).
    let found = directory
        .find_users_by(UserAttribute::Cn, "jöhn dœ")
        .await
        .unwrap();
    assert_eq!(uids(found), vec!["jo"]);
    assert!(
        directory
            .find_users_by(UserAttribute::Cn, "John Doe")
            .await
            .unwrap()
            .is_empty()
    );
    // Prefix search by uid.
    let found = directory
        .find_users_by_prefix(UserAttribute::Uid, "a", 10)
        .await
        .unwrap();
    assert_eq!(uids(found), vec!["alice"]);
}

#[tokio::test]
async fn dn_injection_stays_inside_the_users_subtree() {
    let ctx = TestContext::new().await;
    let directory = Directory::new(ctx.settings.ldap.clone()).unwrap();
    let evil_uid = format!("evil,{}", ctx.settings.ldap.groups_dn);
    directory
        .create_user(&new_user(&evil_uid, "Evil", 31000))
        .await
        .unwrap();
    let user = directory
        .find_user_by_uid(&evil_uid)
        .await
        .unwrap()
        .unwrap();
    assert!(
        user.dn()
            .ends_with(&format!(",{}", ctx.settings.ldap.users_dn)),
        "{}",
        user.dn()
    );
    assert_eq!(user.uid(), evil_uid);
    for tricky in [
        "#hash",
        " lead",
        "trail ",
        "a+b",
        "quote\"d",
        "semi;colon",
        "lt<gt>",
    ] {
        directory
            .create_user(&new_user(tricky, tricky, 31001))
            .await
            .unwrap();
        let found = directory.find_user_by_uid(tricky).await.unwrap();
        assert!(found.is_some(), "{tricky:?} not found after creation");
    }
}

#[tokio::test]
async fn users_are_created_once_and_found_by_uid_cn_and_mail() {
    let ctx = TestContext::new().await;
    let directory = directory_with_users(&ctx, &[("carol", "Carol Example")]).await;
    // Creating again is a no-op success: provisioning may run twice.
    let again = directory
        .create_user(&new_user("carol", "Carol Example", 30000))
        .await
        .unwrap();
    assert_eq!(again, Created::AlreadyExisted);

    let by_uid = directory.find_user_by_uid("carol").await.unwrap().unwrap();
    assert_eq!(by_uid.cn(), "Carol Example");
    assert_eq!(by_uid.uid_number(), Some(30000));
    let by_cn = directory
        .find_user_by_cn("carol example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_cn.dn(), by_uid.dn());
    let by_mail = directory
        .find_users_by(UserAttribute::Mail, "CAROL@example.org")
        .await
        .unwrap();
    assert_eq!(by_mail.len(), 1);
    let classes = by_uid.entry.values("objectClass");
    for class in [
        "inetOrgPerson",
        "posixAccount",
        "wikimediaPerson",
        "ldapPublicKey",
    ] {
        assert!(
            classes.iter().any(|c| c == class),
            "{class} missing: {classes:?}"
        );
    }
    assert!(
        directory
            .find_user_by_uid("nobody")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn password_modify_and_bind_verification() {
    let ctx = TestContext::new().await;
    let directory = directory_with_users(&ctx, &[("dave", "Dave")]).await;
    let dn = directory.user_dn("dave");
    assert!(!directory.verify_password(&dn, "placeholder").await.unwrap());
    directory
        .set_password(&dn, "correct horse battery staple")
        .await
        .unwrap();
    assert!(
        directory
            .verify_password(&dn, "correct horse battery staple")
            .await
            .unwrap()
    );
    assert!(!directory.verify_password(&dn, "wrong").await.unwrap());
    // An empty password would be an anonymous bind, which slapd accepts: never "right".
    assert!(!directory.verify_password(&dn, "").await.unwrap());
    let unknown = directory.user_dn("nobody");
    assert!(!directory.verify_password(&unknown, "x").await.unwrap());
}

#[tokio::test]
async fn group_membership_changes_are_idempotent() {
    let ctx = TestContext::new().await;
    let directory = directory_with_users(&ctx, &[("erin", "Erin"), ("frank", "Frank")]).await;
    let mut admin = ctx.ldap_admin().await;
    let group_dn = directory.group_dn("project-x");
    let erin_dn = directory.user_dn("erin");
    add(
        &mut admin,
        &group_dn,
        &[
            ("objectClass", &["groupOfNames"]),
            ("cn", &["project-x"]),
            ("member", &[erin_dn.as_str()]),
        ],
    )
    .await;
    directory
        .add_group_member("project-x", "frank")
        .await
        .unwrap();
    directory
        .add_group_member("project-x", "frank")
        .await
        .unwrap();
    let group = directory.find_group("project-x").await.unwrap().unwrap();
    assert_eq!(group.members.len(), 2);
    assert_eq!(directory.groups_of("frank").await.unwrap().len(), 1);
    directory
        .remove_group_member("project-x", "frank")
        .await
        .unwrap();
    directory
        .remove_group_member("project-x", "frank")
        .await
        .unwrap();
    let group = directory.find_group("project-x").await.unwrap().unwrap();
    assert_eq!(group.members, vec![erin_dn]);
    assert!(
        directory
            .find_group("no-such-group")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn paged_search_returns_every_user() {
    let ctx = TestContext::new().await;
    let directory = Directory::new(ctx.settings.ldap.clone()).unwrap();
    for n in 0..25 {
        directory
            .create_user(&new_user(
                &format!("user{n:02}"),
                &format!("User {n}"),
                32000 + n,
            ))
            .await
            .unwrap();
    }
    let users = directory.all_users(10).await.unwrap();
    assert_eq!(users.len(), 25);
    let limited = directory
        .find_users_by_prefix(UserAttribute::Uid, "user", 5)
        .await
        .unwrap();
    assert_eq!(limited.len(), 5);
}
