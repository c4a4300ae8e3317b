//! The request workflow through the core services, with bitu-rq applying memberships.

use std::time::Duration;

use bitu_core::account::password::ssha;
use bitu_core::audit::{Action, Actor, Filter, search};
use bitu_core::clock::{Clock, FixedClock, SystemClock};
use bitu_core::config::{Operator, RuleKind, RuleSettings};
use bitu_core::permissions::{AccessRequests, Created, State, Voted, store};
use bitu_core::{Services, Settings};
use bitu_testkit::TestContext;
use bitu_testkit::tcp_proxy::TcpProxy;
use chrono::TimeDelta;

use super::support::{managed, posix_group, wait_membership};
use crate::authz::support::PASSWORD;
use crate::jobs_support::{WorkerProcess, fast_settings};
use crate::web::host_port;

fn requests<'a>(
    settings: &'a Settings,
    services: &'a Services,
    clock: &'a dyn Clock,
) -> AccessRequests<'a, bitu_core::directory::Directory> {
    AccessRequests {
        settings: &settings.permissions,
        db: &services.db,
        directory: &services.directory,
        clock,
    }
}

async fn state_of(services: &Services, id: u64) -> (State, bool) {
    let mut conn = bitu_core::db::conn(&services.db).await.unwrap();
    let request = store::get(&mut conn, id).await.unwrap().unwrap();
    (request.state, request.applied)
}

async fn wait_applied(services: &Services, id: u64) {
    let started = std::time::Instant::now();
    while !state_of(services, id).await.1 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "request {id} never applied"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How many audit rows `action` has.
pub async fn audit_rows(services: &Services, action: Action) -> usize {
    let filter = Filter {
        actor: None,
        target: None,
        action: Some(action),
        subject: None,
        since: None,
        limit: 1000,
    };
    search(&services.db, &filter).await.unwrap().len()
}

async fn people(ctx: &TestContext, uids: &[&str]) {
    for uid in uids {
        ctx.create_user(uid, &format!("{uid} Person"), &ssha(PASSWORD))
            .await;
    }
}

#[tokio::test]
async fn two_managers_approve_one_rejection_rejects_and_ldap_outage_waits() {
    let mut ctx = TestContext::new().await;
    people(&ctx, &["ursula", "vera", "gina", "hal", "ivy"]).await;
    let project = posix_group(&ctx, "project-x", "7101", "ivy").await;
    ctx.settings.permissions.groups = vec![managed(&project, &["gina", "hal", "ivy"], 2)];
    let settings = fast_settings(&ctx);
    let services = ctx.services();
    let service = requests(&settings, &services, &SystemClock);
    let group = &settings.permissions.groups[0];
    let by = |uid: &str| Actor::session(uid, None);

    // bitu-rq reaches LDAP through a relay, taken down while the managers approve.
    let ldap = TcpProxy::start(&host_port(&ctx.env.ldap_url)).await;
    let mut relayed = settings.clone();
    relayed.ldap.servers = vec![ldap.url("ldap")];
    let worker = WorkerProcess::start(&ctx.write_config_with(&relayed), &[]).await;

    let Created::Stored(id, State::Pending) = service
        .create(&by("ursula"), "ursula", group, "I work on project X", None)
        .await
        .unwrap()
    else {
        panic!("not pending")
    };
    assert_eq!(
        service
            .create(&by("ursula"), "ursula", group, "again", None)
            .await
            .unwrap(),
        Created::AlreadyPending
    );
    assert_eq!(
        service
            .vote(&by("vera"), "vera", id, true, "me too")
            .await
            .unwrap(),
        Voted::NotManager
    );
    assert_eq!(
        service
            .vote(&by("gina"), "gina", id, true, "Fine by me")
            .await
            .unwrap(),
        Voted::Counted(State::Pending)
    );
    assert_eq!(
        service
            .vote(&by("gina"), "gina", id, true, "twice")
            .await
            .unwrap(),
        Voted::AlreadyVoted
    );
    ldap.down();
    assert_eq!(
        service
            .vote(&by("hal"), "hal", id, true, "Welcome aboard")
            .await
            .unwrap(),
        Voted::Counted(State::Approved)
    );
    // Approved and recorded ("being applied"), but not applied while LDAP is down.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        state_of(&services, id).await,
        (State::Approved, false),
        "{}",
        worker.log()
    );
    ldap.up();
    wait_membership(&ctx, &project, "ursula", true).await;
    wait_applied(&services, id).await;
    let mails = ctx.mailbox.messages_to(&ctx.mailbox.address("ursula"));
    let approval = mails
        .iter()
        .find(|m| m.subject.contains("approved"))
        .unwrap_or_else(|| panic!("no approval mail: {mails:?}"));
    assert!(approval.text.contains("Fine by me"), "{}", approval.text);
    assert!(
        approval.text.contains("Welcome aboard"),
        "{}",
        approval.text
    );
    assert!(
        approval.text.contains("single sign-on"),
        "{}",
        approval.text
    );
    assert!(
        approval
            .html
            .as_deref()
            .unwrap_or_default()
            .contains("Welcome aboard")
    );
    // Managers heard of the new request.
    assert!(
        !ctx.mailbox
            .messages_to(&ctx.mailbox.address("gina"))
            .is_empty()
    );

    // vera: one approval, then a rejection, rejects.
    let Created::Stored(id, State::Pending) = service
        .create(&by("vera"), "vera", group, "Me as well", None)
        .await
        .unwrap()
    else {
        panic!("not pending")
    };
    service
        .vote(&by("gina"), "gina", id, true, "ok")
        .await
        .unwrap();
    assert_eq!(
        service
            .vote(&by("ivy"), "ivy", id, false, "Not this one")
            .await
            .unwrap(),
        Voted::Counted(State::Rejected)
    );
    assert!(
        service
            .vote(&by("hal"), "hal", id, true, "late")
            .await
            .is_err()
    );

    // A group the user is in: "already a member".
    let Created::Stored(_, state) = service
        .create(&by("ursula"), "ursula", group, "once more", None)
        .await
        .unwrap()
    else {
        panic!("not stored")
    };
    assert_eq!(state, State::Member);

    // Revocation removes both attributes and mails the user.
    let mine = {
        let mut conn = bitu_core::db::conn(&services.db).await.unwrap();
        store::of_user(&mut conn, "ursula").await.unwrap()
    };
    let granted = mine.iter().find(|r| r.state == State::Approved).unwrap().id;
    assert_eq!(
        service
            .revoke(&by("vera"), "vera", granted, "no")
            .await
            .unwrap(),
        Voted::NotManager
    );
    service
        .revoke(&by("hal"), "hal", granted, "Project X is over")
        .await
        .unwrap();
    wait_membership(&ctx, &project, "ursula", false).await;
    wait_applied(&services, granted).await;
    // Every request, vote and revocation left its audit row.
    assert_eq!(audit_rows(&services, Action::GroupAccessRequest).await, 3);
    assert_eq!(audit_rows(&services, Action::GroupAccessApprove).await, 3);
    assert_eq!(audit_rows(&services, Action::GroupAccessReject).await, 1);
    assert_eq!(audit_rows(&services, Action::GroupAccessRevoke).await, 1);
    // The revocation mail goes through bitu-rq: wait for it, not for any mail.
    let started = std::time::Instant::now();
    loop {
        let subjects: Vec<String> = ctx
            .mailbox
            .messages_to(&ctx.mailbox.address("ursula"))
            .into_iter()
            .filter(|m| m.text.contains("Project X is over"))
            .map(|m| m.subject)
            .collect();
        if subjects.iter().any(|s| s.contains("revoked")) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{subjects:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn automatic_rules_grants_expire_and_the_cleaner_cancels_stale_requests() {
    let mut ctx = TestContext::new().await;
    people(&ctx, &["walt", "gina", "kim"]).await;
    let tools = posix_group(&ctx, "tools", "7201", "gina").await;
    let hidden = posix_group(&ctx, "hidden", "7202", "gina").await;
    let slow = posix_group(&ctx, "slow", "7203", "gina").await;
    let mut auto = managed(&tools, &[], 1);
    auto.rules = vec![RuleSettings {
        kind: RuleKind::LdapAttribute,
        attribute: "loginShell".into(),
        operator: Operator::EndsWith,
        value: "bash".into(),
        ..RuleSettings::default()
    }];
    auto.grant_for = Some(Duration::from_secs(180 * 24 * 3600));
    let mut prevalidated = managed(&hidden, &["gina"], 1);
    prevalidated.rules.push(RuleSettings {
        kind: RuleKind::EmailDomain,
        domain: "elsewhere.net".into(),
        prevalidate: true,
        ..RuleSettings::default()
    });
    ctx.settings.permissions.groups = vec![auto, prevalidated, managed(&slow, &["gina"], 1)];
    let settings = fast_settings(&ctx);
    let services = ctx.services();
    let _worker = WorkerProcess::start(&ctx.write_config_with(&settings), &[]).await;
    let start = chrono::Utc::now();
    let clock = FixedClock::at(start);
    let service = requests(&settings, &services, &clock);
    let groups = &settings.permissions.groups;
    let walt = Actor::session("walt", None);

    // The attribute rule approves on creation.
    let Created::Stored(id, State::Approved) = service
        .create(&walt, "walt", &groups[0], "I need the tools", None)
        .await
        .unwrap()
    else {
        panic!("not approved at once")
    };
    wait_membership(&ctx, &tools, "walt", true).await;
    // A failing prevalidate hides the group.
    assert!(matches!(
        service
            .create(&walt, "walt", &groups[1], "let me in", None)
            .await,
        Err(bitu_core::Error::NotFound(_))
    ));

    // Warnings 14 and 2 days before the end, then the end.
    let system = Actor::system();
    clock.advance(TimeDelta::days(167));
    assert!(service.expire(&system).await.unwrap().is_empty());
    clock.advance(TimeDelta::days(12));
    assert!(service.expire(&system).await.unwrap().is_empty());
    assert!(service.expire(&system).await.unwrap().is_empty());
    clock.advance(TimeDelta::days(2));
    assert_eq!(service.expire(&system).await.unwrap(), vec![id]);
    wait_membership(&ctx, &tools, "walt", false).await;
    wait_applied(&services, id).await;
    assert_eq!(state_of(&services, id).await.0, State::Expired);
    let to_walt = ctx.mailbox.address("walt");
    let started = std::time::Instant::now();
    loop {
        let subjects: Vec<String> = ctx
            .mailbox
            .messages_to(&to_walt)
            .into_iter()
            .map(|m| m.subject)
            .collect();
        let warnings = subjects.iter().filter(|s| s.contains("ends on")).count();
        if warnings == 2 && subjects.iter().any(|s| s.contains("has ended")) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{subjects:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The cleaner cancels exactly the requests older than the limit.
    let Created::Stored(old, State::Pending) = service
        .create(&walt, "walt", &groups[2], "old one", None)
        .await
        .unwrap()
    else {
        panic!("not pending")
    };
    clock.advance(TimeDelta::days(31));
    let kim = Actor::session("kim", None);
    let Created::Stored(fresh, State::Pending) = service
        .create(&kim, "kim", &groups[2], "new one", None)
        .await
        .unwrap()
    else {
        panic!("not pending")
    };
    let cli = Actor::cli("root");
    assert_eq!(
        service
            .clean(&cli, TimeDelta::days(30), true)
            .await
            .unwrap(),
        vec![old]
    );
    assert_eq!(state_of(&services, old).await.0, State::Pending);
    assert_eq!(
        service
            .clean(&cli, TimeDelta::days(30), false)
            .await
            .unwrap(),
        vec![old]
    );
    assert_eq!(state_of(&services, old).await.0, State::Cancelled);
    assert_eq!(state_of(&services, fresh).await.0, State::Pending);
    assert_eq!(audit_rows(&services, Action::GroupAccessExpire).await, 1);
    assert_eq!(audit_rows(&services, Action::GroupAccessCancel).await, 1);
}
