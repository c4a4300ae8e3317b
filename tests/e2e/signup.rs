//! Sign-up through the running bitu-web and bitu-rq: the form, its validators, the mailed
//! link, activation, provisioning into LDAP, races, and bitu-expire.

use std::time::Duration;

use bitu_core::signup::captcha;
use bitu_testkit::process::run;
use bitu_testkit::{Browser, TestContext, WebProcess};
use diesel_async::{AsyncConnection, AsyncMysqlConnection};

use crate::jobs_support::{WorkerProcess, fast_settings};

const PASSWORD: &str = "Velvet-Tundra-Compass-81";

pub(crate) async fn captcha_answer(ctx: &TestContext, page: &str) -> (String, String) {
    let id = page
        .split("name=\"captcha_id\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("captcha id in the form")
        .to_string();
    let pool = bitu_core::db::build_pool(&ctx.settings.database).unwrap();
    let answer = captcha::answer_for_tests(&pool, &id)
        .await
        .unwrap()
        .unwrap();
    (id, answer)
}

/// Fills in and submits the sign-up form; returns the response.
pub(crate) async fn sign_up(
    ctx: &TestContext,
    browser: &Browser,
    cn: &str,
    uid: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let page = browser.get("/signup/").await.text().await.unwrap();
    let (id, answer) = captcha_answer(ctx, &page).await;
    browser
        .post_form(
            "/signup/",
            &[
                ("cn", cn),
                ("uid", uid),
                ("email", email),
                ("password", password),
                ("password_again", password),
                ("captcha_id", &id),
                ("captcha", &answer.to_lowercase()),
            ],
        )
        .await
}

async fn signup_count(ctx: &TestContext) -> i64 {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = AsyncMysqlConnection::establish(&ctx.settings.database.url)
        .await
        .unwrap();
    let count: Count = diesel::sql_query("SELECT COUNT(*) AS n FROM signups")
        .get_result(&mut conn)
        .await
        .unwrap();
    count.n
}

pub(crate) fn activation_path(text: &str) -> String {
    let start = text
        .find("/signup/activate/")
        .expect("activation link in mail");
    text[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches(['.', '>'])
        .to_string()
}

#[tokio::test]
async fn full_flow_from_form_to_a_directory_entry_that_binds() {
    let ctx = TestContext::new().await;
    let mut settings = fast_settings(&ctx);
    settings.mail.admins = vec![ctx.mailbox.address("admins")];
    settings.signup.default_groups = vec!["project-new".into()];
    let mut admin = ctx.ldap_admin().await;
    let founder = ctx.create_user("founder", "Founder", "{SSHA}x").await;
    bitu_testkit::directory::add(
        &mut admin,
        &format!("cn=project-new,{}", ctx.settings.ldap.groups_dn),
        &[
            ("objectClass", &["groupOfNames"]),
            ("cn", &["project-new"]),
            ("member", &[founder.as_str()]),
        ],
    )
    .await;
    let config = ctx.write_config_with(&settings);
    let web = WebProcess::start(&config).await;
    let _worker = WorkerProcess::start(&config, &[]).await;
    let browser = Browser::new(&web.base_url);
    let email = ctx.mailbox.address("newdev");

    let response = sign_up(&ctx, &browser, "new developer", "newdev", &email, PASSWORD).await;
    assert_eq!(
        response.status().as_u16(),
        303,
        "{}",
        response.text().await.unwrap()
    );
    let mails = ctx.mailbox.wait_for(1, Duration::from_secs(20)).await;
    // No [signup] activation_subject: the subject comes from the message files.
    assert_eq!(mails[0].subject, "Activate your Bitu account");
    let path = activation_path(&mails[0].text);

    // Opening the link (as a mail scanner would) activates nothing.
    let response = browser.get(&path).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(response.headers()["location"], "/signup/activate/");
    let confirm = browser.get("/signup/activate/").await.text().await.unwrap();
    assert!(confirm.contains("New developer"), "{confirm}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let directory = bitu_core::directory::Directory::new(ctx.settings.ldap.clone()).unwrap();
    assert!(
        directory
            .find_user_by_uid("newdev")
            .await
            .unwrap()
            .is_none()
    );

    let response = browser.post_form("/signup/activate/", &[]).await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.text().await.unwrap().contains("being created"));

    let started = std::time::Instant::now();
    let entry = loop {
        if let Some(entry) = directory.find_user_by_uid("newdev").await.unwrap() {
            break entry;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no provisioned entry"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        entry.dn(),
        format!("uid=newdev,{}", ctx.settings.ldap.users_dn)
    );
    assert_eq!(entry.cn(), "New developer");
    assert_eq!(entry.entry.first("sn"), Some("New developer"));
    assert_eq!(entry.mail(), Some(email.to_lowercase().as_str()));
    assert_eq!(entry.entry.first("gidNumber"), Some("500"));
    assert_eq!(entry.entry.first("homeDirectory"), Some("/home/newdev"));
    assert_eq!(entry.entry.first("loginShell"), Some("/bin/bash"));
    let uid_number = entry.uid_number().unwrap();
    assert!((20000..=999_999).contains(&uid_number));
    let mut classes = entry.entry.values("objectClass").to_vec();
    classes.sort();
    for class in [
        "inetOrgPerson",
        "ldapPublicKey",
        "posixAccount",
        "wikimediaPerson",
    ] {
        assert!(
            classes.iter().any(|c| c == class),
            "{class} missing: {classes:?}"
        );
    }
    assert!(
        directory
            .verify_password(entry.dn(), PASSWORD)
            .await
            .unwrap()
    );
    // Joined the default groups, and the administrators were told.
    let group = directory.find_group("project-new").await.unwrap().unwrap();
    assert!(
        group.members.iter().any(|m| m == entry.dn()),
        "{:?}",
        group.members
    );
    let mails = ctx.mailbox.wait_for(2, Duration::from_secs(20)).await;
    let notice = mails
        .iter()
        .find(|m| m.to == vec![ctx.mailbox.address("admins")])
        .expect("administrators' notice");
    assert!(
        notice.subject.contains("LDAP user created: newdev"),
        "{}",
        notice.subject
    );
    // And the person can sign in.
    Browser::new(&web.base_url)
        .sign_in("newdev", PASSWORD)
        .await;

    // The link is used up.
    let again = Browser::new(&web.base_url);
    again.get(&path).await;
    let page = again.get("/signup/activate/").await;
    assert_eq!(page.status().as_u16(), 400);
    assert!(page.text().await.unwrap().contains("Already activated"));
}

#[tokio::test]
async fn every_validator_rejects_its_bad_input_and_stores_nothing() {
    let ctx = TestContext::new().await;
    ctx.create_user("taken", "Taken Name", "{SSHA}x").await;
    let mut settings = ctx.settings.clone();
    settings.signup.email_deny_domains = vec!["mailinator.com".into(), ".spam.example".into()];
    settings.signup.attempts_per_ip_per_hour = 1000;
    settings.rate_limit.captchas_per_ip = 100_000;
    let web = WebProcess::start(&ctx.write_config_with(&settings)).await;
    let browser = Browser::new(&web.base_url);
    let ok_mail = ctx.mailbox.address("fine");
    let long = "x".repeat(151);
    let long_uid = "a".repeat(33);
    let taken_mail = ctx.mailbox.address("taken");
    // (field, cn, uid, email, password, expected message fragment)
    let cases: Vec<(&str, &str, &str, &str, &str, &str)> = vec![
        (
            "cn",
            "",
            "okuid",
            &ok_mail,
            PASSWORD,
            "Enter a developer account name",
        ),
        (
            "cn",
            "   ",
            "okuid",
            &ok_mail,
            PASSWORD,
            "Enter a developer account name",
        ),
        ("cn", &long, "okuid", &ok_mail, PASSWORD, "at most 150"),
        (
            "cn",
            "someone@example.org",
            "okuid",
            &ok_mail,
            PASSWORD,
            "new accounts cannot have @",
        ),
        (
            "cn",
            "https://example.org",
            "okuid",
            &ok_mail,
            PASSWORD,
            "new accounts cannot have @",
        ),
        ("cn", "www.example.org", "okuid", &ok_mail, PASSWORD, "URL"),
        (
            "cn",
            "Taken Name",
            "okuid",
            &ok_mail,
            PASSWORD,
            "already taken",
        ),
        (
            "cn",
            "taken name",
            "okuid",
            &ok_mail,
            PASSWORD,
            "already taken",
        ),
        ("cn", "taken", "okuid", &ok_mail, PASSWORD, "already taken"),
        (
            "cn",
            "Тaken Name",
            "okuid",
            &ok_mail,
            PASSWORD,
            "mixes alphabets",
        ),
        (
            "cn",
            "Раypal Support",
            "okuid",
            &ok_mail,
            PASSWORD,
            "mixes alphabets",
        ),
        (
            "cn",
            "Zero\u{200B}Width",
            "okuid",
            &ok_mail,
            PASSWORD,
            "invisible",
        ),
        (
            "cn",
            "Soft\u{AD}Hyphen",
            "okuid",
            &ok_mail,
            PASSWORD,
            "invisible",
        ),
        (
            "cn",
            "Tab\tName",
            "okuid",
            &ok_mail,
            PASSWORD,
            "control characters",
        ),
        (
            "uid",
            "Fine Name",
            "",
            &ok_mail,
            PASSWORD,
            "Enter a shell username",
        ),
        (
            "uid",
            "Fine Name",
            &long_uid,
            &ok_mail,
            PASSWORD,
            "at most 32",
        ),
        (
            "uid",
            "Fine Name",
            "1abc",
            &ok_mail,
            PASSWORD,
            "must start with a lower-case letter",
        ),
        (
            "uid",
            "Fine Name",
            "-abc",
            &ok_mail,
            PASSWORD,
            "must start with a lower-case letter",
        ),
        (
            "uid",
            "Fine Name",
            "Abc",
            &ok_mail,
            PASSWORD,
            "must start with a lower-case letter",
        ),
        (
            "uid",
            "Fine Name",
            "ab_c",
            &ok_mail,
            PASSWORD,
            "must start with a lower-case letter",
        ),
        (
            "uid",
            "Fine Name",
            "ab.c",
            &ok_mail,
            PASSWORD,
            "must start with a lower-case letter",
        ),
        (
            "uid",
            "Fine Name",
            "ab c",
            &ok_mail,
            PASSWORD,
            "must start with a lower-case letter",
        ),
        (
            "uid",
            "Fine Name",
            "äbc",
            &ok_mail,
            PASSWORD,
            "must start with a lower-case letter",
        ),
        (
            "uid",
            "Fine Name",
            "аbc",
            &ok_mail,
            PASSWORD,
            "must start with a lower-case letter",
        ),
        (
            "uid",
            "Fine Name",
            "x*)(uid=*",
            &ok_mail,
            PASSWORD,
            "must start with a lower-case letter",
        ),
        (
            "uid",
            "Fine Name",
            "a'; DROP TABLE signups;--",
            &ok_mail,
            PASSWORD,
            "must start with",
        ),
        (
            "uid",
            "Fine Name",
            "a\\2a",
            &ok_mail,
            PASSWORD,
            "must start with a lower-case letter",
        ),
        (
            "uid",
            "Fine Name",
            "taken",
            &ok_mail,
            PASSWORD,
            "already taken",
        ),
        (
            "email",
            "Fine Name",
            "okuid",
            "",
            PASSWORD,
            "Enter an email address",
        ),
        (
            "email",
            "Fine Name",
            "okuid",
            "not-an-address",
            PASSWORD,
            "valid email",
        ),
        (
            "email",
            "Fine Name",
            "okuid",
            "a@b@c.org",
            PASSWORD,
            "valid email",
        ),
        (
            "email",
            "Fine Name",
            "okuid",
            "spaces in@example.org",
            PASSWORD,
            "valid email",
        ),
        (
            "email",
            "Fine Name",
            "okuid",
            "x@mailinator.com",
            PASSWORD,
            "mail provider",
        ),
        (
            "email",
            "Fine Name",
            "okuid",
            "x@MAILINATOR.com",
            PASSWORD,
            "mail provider",
        ),
        (
            "email",
            "Fine Name",
            "okuid",
            "x@sub.spam.example",
            PASSWORD,
            "mail provider",
        ),
        (
            "email",
            "Fine Name",
            "okuid",
            &taken_mail,
            PASSWORD,
            "already used",
        ),
        (
            "password",
            "Fine Name",
            "okuid",
            &ok_mail,
            "short",
            "too short",
        ),
        (
            "password",
            "Fine Name",
            "okuid",
            &ok_mail,
            "password123",
            "too common",
        ),
        (
            "password",
            "Fine Name",
            "okuid",
            &ok_mail,
            "okuidokuid",
            "easy to guess",
        ),
        (
            "password",
            "Fine Name",
            "okuid",
            &ok_mail,
            "Fine Name",
            "too short",
        ),
        (
            "password",
            "Longer Fine Name",
            "okuid",
            &ok_mail,
            "Longer Fine Name",
            "developer name",
        ),
        (
            "password",
            "Fine Name",
            "okuid",
            &ok_mail,
            "aaaaaaaaaaaaaa",
            "easy to guess",
        ),
    ];
    assert!(cases.len() >= 40);
    for (field, cn, uid, email, password, expected) in &cases {
        let response = sign_up(&ctx, &browser, cn, uid, email, password).await;
        assert_eq!(
            response.status().as_u16(),
            400,
            "{field} {cn:?} {uid:?} {email:?}"
        );
        let page = response.text().await.unwrap();
        let errors = page
            .split(&format!("id=\"{field}-errors\""))
            .nth(1)
            .and_then(|rest| rest.split("</ul>").next())
            .unwrap_or_else(|| panic!("no {field} errors for {cn:?} {uid:?} {email:?}"));
        assert!(
            errors.contains(expected),
            "{field} {cn:?}/{uid:?}/{email:?}: expected {expected:?} in {errors}"
        );
    }
    // A wrong captcha is a field error too.
    let page = browser.get("/signup/").await.text().await.unwrap();
    let (id, _) = captcha_answer(&ctx, &page).await;
    let response = browser
        .post_form(
            "/signup/",
            &[
                ("cn", "Fine Name"),
                ("uid", "okuid"),
                ("email", &ok_mail),
                ("password", PASSWORD),
                ("password_again", PASSWORD),
                ("captcha_id", &id),
                ("captcha", "WRONG"),
            ],
        )
        .await;
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("did not match the image")
    );
    assert_eq!(signup_count(&ctx).await, 0, "a refused sign-up was stored");
}

#[tokio::test]
async fn two_sign_ups_racing_for_the_same_names_store_one() {
    let ctx = TestContext::new().await;
    let mut settings = ctx.settings.clone();
    settings.signup.attempts_per_ip_per_hour = 1000;
    settings.rate_limit.captchas_per_ip = 100_000;
    let web = WebProcess::start(&ctx.write_config_with(&settings)).await;
    let (a, b) = (Browser::new(&web.base_url), Browser::new(&web.base_url));
    let (mail_a, mail_b) = (
        ctx.mailbox.address("racer-a"),
        ctx.mailbox.address("racer-b"),
    );
    let (ra, rb) = tokio::join!(
        sign_up(&ctx, &a, "Racer", "racer", &mail_a, PASSWORD),
        sign_up(&ctx, &b, "Racer", "racer", &mail_b, PASSWORD),
    );
    let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [303, 400]);
    let loser = if ra.status().as_u16() == 400 { ra } else { rb };
    let page = loser.text().await.unwrap();
    assert!(
        page.contains("Someone has just signed up with this"),
        "{page}"
    );
    assert_eq!(signup_count(&ctx).await, 1);
}

#[tokio::test]
async fn expired_and_forged_links_are_refused() {
    let ctx = TestContext::new().await;
    let mut settings = fast_settings(&ctx);
    settings.signup.activation_lifetime = Duration::from_secs(1);
    let config = ctx.write_config_with(&settings);
    let web = WebProcess::start(&config).await;
    let _worker = WorkerProcess::start(&config, &[]).await;
    let browser = Browser::new(&web.base_url);
    let email = ctx.mailbox.address("late");
    sign_up(&ctx, &browser, "Late Comer", "late", &email, PASSWORD).await;
    let mails = ctx.mailbox.wait_for(1, Duration::from_secs(20)).await;
    let path = activation_path(&mails[0].text);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    browser.get(&path).await;
    let page = browser.get("/signup/activate/").await;
    assert_eq!(page.status().as_u16(), 400);
    assert!(page.text().await.unwrap().contains("expired"));
    let response = browser.post_form("/signup/activate/", &[]).await;
    assert_eq!(response.status().as_u16(), 400);

    let id = path
        .trim_start_matches("/signup/activate/")
        .split('/')
        .next()
        .unwrap();
    let forged = format!("/signup/activate/{id}/{}/", "A".repeat(43));
    let other = Browser::new(&web.base_url);
    other.get(&forged).await;
    let page = other.get("/signup/activate/").await;
    assert!(page.text().await.unwrap().contains("does not work"));
}

#[tokio::test]
async fn directory_outage_stores_nothing_and_says_so() {
    let ctx = TestContext::new().await;
    let proxy = bitu_testkit::TcpProxy::start(
        ctx.env
            .ldap_url
            .trim_start_matches("ldap://")
            .trim_end_matches('/'),
    )
    .await;
    let mut settings = ctx.settings.clone();
    settings.ldap.servers = vec![proxy.url("ldap")];
    settings.ldap.timeout = Duration::from_secs(1);
    let web = WebProcess::start(&ctx.write_config_with(&settings)).await;
    let browser = Browser::new(&web.base_url);
    let page = browser.get("/signup/").await.text().await.unwrap();
    let (id, answer) = captcha_answer(&ctx, &page).await;
    proxy.down();
    let email = ctx.mailbox.address("outage");
    let response = browser
        .post_form(
            "/signup/",
            &[
                ("cn", "Outage Person"),
                ("uid", "outage"),
                ("email", &email),
                ("password", PASSWORD),
                ("password_again", PASSWORD),
                ("captcha_id", &id),
                ("captcha", &answer),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 503);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("cannot check whether these names are available"),
        "{page}"
    );
    assert!(
        page.contains("Outage Person"),
        "the form keeps what was typed"
    );
    assert_eq!(signup_count(&ctx).await, 0);
}

#[tokio::test]
async fn bitu_expire_frees_old_names_and_runs_safely_twice() {
    let ctx = TestContext::new().await;
    let mut settings = ctx.settings.clone();
    settings.signup.attempts_per_ip_per_hour = 1000;
    settings.rate_limit.captchas_per_ip = 100_000;
    let config = ctx.write_config_with(&settings);
    let web = WebProcess::start(&config).await;
    let browser = Browser::new(&web.base_url);
    for n in 0..3 {
        let email = ctx.mailbox.address(&format!("old{n}"));
        let response = sign_up(
            &ctx,
            &browser,
            &format!("Old Name {n}"),
            &format!("old{n}"),
            &email,
            PASSWORD,
        )
        .await;
        assert_eq!(response.status().as_u16(), 303);
    }
    let email = ctx.mailbox.address("fresh");
    sign_up(&ctx, &browser, "Fresh Name", "fresh", &email, PASSWORD).await;
    {
        use diesel_async::RunQueryDsl;
        let mut conn = AsyncMysqlConnection::establish(&settings.database.url)
            .await
            .unwrap();
        diesel::sql_query(
            "UPDATE signups SET created_at = created_at - INTERVAL 6 DAY WHERE uid LIKE 'old%'",
        )
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let dry = run("bitu-expire", &config, &["--dry-run"]);
    assert!(dry.status.success());
    assert_eq!(String::from_utf8_lossy(&dry.stdout).lines().count(), 3);
    assert_eq!(signup_count(&ctx).await, 4);

    let config_a = config.clone();
    let config_b = config.clone();
    let (a, b) = tokio::join!(
        tokio::task::spawn_blocking(move || run("bitu-expire", &config_a, &[])),
        tokio::task::spawn_blocking(move || run("bitu-expire", &config_b, &[])),
    );
    assert!(a.unwrap().status.success());
    assert!(b.unwrap().status.success());
    assert_eq!(signup_count(&ctx).await, 1, "exactly the old rows go");

    // The names are free again.
    let email = ctx.mailbox.address("old0-again");
    let response = sign_up(&ctx, &browser, "Old Name 0", "old0", &email, PASSWORD).await;
    assert_eq!(response.status().as_u16(), 303);
}

#[tokio::test]
async fn fifty_activations_through_two_workers_get_distinct_unused_uid_numbers() {
    use bitu_core::blocklist::Blocklist;
    use bitu_core::queue::Queue;
    use bitu_core::signup::service::SignupService;
    use bitu_core::signup::store::{self, NewSignup};

    let ctx = TestContext::new().await;
    let mut settings = fast_settings(&ctx);
    settings.signup.uid_number_ranges = vec![bitu_core::config::UidRange {
        first: 50_000,
        last: 59_999,
    }];
    // Numbers already in the directory must be skipped, never reused.
    for (n, uid) in ["pre-a", "pre-b"].iter().enumerate() {
        let dn = ctx.create_user(uid, uid, "{SSHA}x").await;
        let mut admin = ctx.ldap_admin().await;
        let number = (50_001 + 2 * n).to_string();
        admin
            .modify(
                &dn,
                vec![ldap3::Mod::Replace(
                    "uidNumber",
                    std::collections::HashSet::from([number.as_str()]),
                )],
            )
            .await
            .unwrap();
    }
    let config = ctx.write_config_with(&settings);
    let services = bitu_core::Services::new(&settings).unwrap();
    let queue = Queue::new(services.redis.clone(), &settings);
    let blocklist = Blocklist::new(services.db.clone(), &settings.blocklist);
    let service = SignupService {
        settings: &settings,
        services: &services,
        queue: &queue,
        blocklist: &blocklist,
    };
    let mut links = Vec::new();
    for n in 0..50 {
        let signup = NewSignup {
            cn: format!("Many {n}"),
            uid: format!("many{n}"),
            mail: ctx.mailbox.address(&format!("many{n}")),
            password_hash: "{SSHA}x".into(),
        };
        let (id, _) = store::create(
            &services.db,
            &bitu_core::audit::Actor::anonymous(None),
            &signup,
            chrono::TimeDelta::hours(1),
            |id, token| {
                bitu_core::signup::service::activation_mail(
                    &settings,
                    id,
                    token,
                    &signup.mail,
                    &signup.cn,
                    "en",
                )
            },
        )
        .await
        .unwrap()
        .unwrap();
        let token = store::renew_token(&services.db, id, chrono::TimeDelta::hours(1))
            .await
            .unwrap();
        links.push((id, token));
    }
    let activations = links
        .iter()
        .map(|(id, token)| service.activate(*id, token, None));
    for outcome in futures_util::future::join_all(activations).await {
        outcome.unwrap().unwrap();
    }
    let _a = WorkerProcess::start(&config, &[]).await;
    let _b = WorkerProcess::start(&config, &[]).await;
    let directory = &services.directory;
    let started = std::time::Instant::now();
    let mut numbers: Vec<u32> = loop {
        let users = directory
            .find_users_by_prefix(bitu_core::directory::UserAttribute::Uid, "many", 100)
            .await
            .unwrap();
        if users.len() == 50 {
            break users.iter().filter_map(|u| u.uid_number()).collect();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{} of 50 provisioned",
            users.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 50, "uidNumbers not distinct");
    assert!(
        !numbers.contains(&50_001) && !numbers.contains(&50_003),
        "{numbers:?}"
    );
    assert!(numbers.iter().all(|n| (50_000..=59_999).contains(n)));
}

#[tokio::test]
async fn activationlink_prints_a_fresh_link_and_kills_the_old_one() {
    let ctx = TestContext::new().await;
    let config = ctx.write_config();
    let web = WebProcess::start(&config).await;
    let browser = Browser::new(&web.base_url);
    let email = ctx.mailbox.address("lost");
    let response = sign_up(&ctx, &browser, "Lost Mail", "lostmail", &email, PASSWORD).await;
    assert_eq!(response.status().as_u16(), 303);

    let list = run("bitu", &config, &["activationlink", "--list"]);
    assert!(list.status.success());
    assert!(String::from_utf8_lossy(&list.stdout).contains("lostmail"));
    let link = |args: &[&str]| {
        let output = run("bitu", &config, args);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let url = String::from_utf8_lossy(&output.stdout).trim().to_string();
        url.split_once("/signup/activate/")
            .map(|(_, rest)| format!("/signup/activate/{rest}"))
            .unwrap()
    };
    let first = link(&["activationlink", "--uid", "lostmail"]);
    let second = link(&["activationlink", "--email", &email.to_uppercase()]);
    assert_ne!(first, second);
    let old = Browser::new(&web.base_url);
    old.get(&first).await;
    assert_eq!(old.get("/signup/activate/").await.status().as_u16(), 400);
    let new = Browser::new(&web.base_url);
    new.get(&second).await;
    let page = new.get("/signup/activate/").await;
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains("Lost Mail"));
    let missing = run("bitu", &config, &["activationlink", "--uid", "nobody"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no sign-up waiting"));
}

#[tokio::test]
async fn a_globally_blocked_address_cannot_sign_up_and_is_told_why() {
    use diesel_async::SimpleAsyncConnection;
    let ctx = TestContext::new().await;
    let mut settings = ctx.settings.clone();
    settings.blocklist.ip_check = true;
    let web = WebProcess::start(&ctx.write_config_with(&settings)).await;
    {
        // 127.0.0.0/8 as IPv4-mapped IPv6 bounds, as the importer stores ranges.
        let mut conn = AsyncMysqlConnection::establish(&settings.database.url)
            .await
            .unwrap();
        conn.batch_execute(
            "INSERT INTO blocklist_ip_blocks (origin, block_id, network, range_start, range_end, \
             wiki, blocked_by, reason, blocked_at, expiry, created_at, last_seen) VALUES \
             ('meta', 1, '127.0.0.0/8', UNHEX('00000000000000000000FFFF7F000000'), \
             UNHEX('00000000000000000000FFFF7FFFFFFF'), 'metawiki', 'Steward', \
             'Open proxy', NOW(), NOW() + INTERVAL 1 DAY, NOW(), NOW())",
        )
        .await
        .unwrap();
    }
    let browser = Browser::new(&web.base_url);
    let email = ctx.mailbox.address("proxy");
    let response = sign_up(&ctx, &browser, "Proxy User", "proxyuser", &email, PASSWORD).await;
    assert_eq!(response.status().as_u16(), 403);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Open proxy"),
        "the block's reason is shown: {page}"
    );
    assert_eq!(signup_count(&ctx).await, 0);
}
