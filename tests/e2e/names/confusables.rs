//! Look-alike names: refused against real LDAP names (after `bitu names backfill`), pending
//! sign-ups and reserved names, with one indexed lookup; in the API, the form and a browser.

use std::time::Duration;

use bitu_core::audit::Actor;
use bitu_core::names::confusables;
use bitu_core::signup::service::activation_mail;
use bitu_core::signup::store::{self, NewSignup};
use bitu_testkit::TestContext;
use bitu_testkit::chrome::Chrome;
use bitu_testkit::process::run;
use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};
use fantoccini::Locator;

use super::*;

/// `EXPLAIN FORMAT=JSON`: the plan as one JSON document.
#[derive(QueryableByName)]
struct Explained {
    #[diesel(sql_type = Text, column_name = EXPLAIN)]
    plan: String,
}

fn backfill(config: &std::path::Path) -> String {
    let output = run("bitu", config, &["names", "backfill"]);
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn similar(body: &Value, existing: &str) -> bool {
    let wanted = format!("This name is too similar to the existing account {existing}.");
    body["username"]
        .as_array()
        .is_some_and(|list| list.iter().any(|m| m == &json!(wanted)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn look_alikes_of_ldap_names_pending_sign_ups_and_reserved_names_are_refused() {
    let ctx = TestContext::new().await;
    for (uid, cn) in [
        ("paypal", "PayPal"),
        ("alice", "Alice Smith"),
        ("mike", "Mike Jones"),
    ] {
        ctx.create_user(uid, cn, "{SSHA}unused").await;
    }
    let config = ctx.write_config_with(&roomy_settings(&ctx));
    assert!(backfill(&config).starts_with("3 names read, 3 skeletons added"));
    // Idempotent: a second run adds nothing.
    assert!(backfill(&config).starts_with("3 names read, 0 skeletons added"));

    let web = WebProcess::start(&config).await;
    for (name, existing) in [
        ("PayPaI", "PayPal"),
        ("Paypal", "PayPal"),
        ("P\u{0430}yPal", "PayPal"),
        ("Alice Srnith", "Alice Smith"),
        ("Al\u{0456}ce Smith", "Alice Smith"),
        ("Rnike Jones", "Mike Jones"),
        ("Maintenance scr\u{0456}pt", "Maintenance script"),
    ] {
        let (status, body) = api(&web, name).await;
        assert_eq!(status, 400, "{name:?}: {body}");
        assert!(similar(&body, existing), "{name:?}: {body}");
    }
    for unrelated in [
        "PayPals",
        "Alice Smithson",
        "Mikey Jones",
        "Holger Drachmann",
    ] {
        let (status, body) = api(&web, unrelated).await;
        assert_eq!(status, 201, "{unrelated:?}: {body}");
    }

    // A pending sign-up holds its name's skeleton until it is deleted.
    let pool = bitu_core::db::build_pool(&ctx.settings.database).unwrap();
    let signup = NewSignup {
        cn: "Mary Major".into(),
        uid: "mary".into(),
        mail: "mary@example.org".into(),
        password_hash: "{SSHA}unused".into(),
    };
    let settings = ctx.settings.clone();
    let actor = Actor::anonymous(None);
    let (id, _) = store::create(
        &pool,
        &actor,
        &signup,
        chrono::TimeDelta::hours(1),
        |id, token| activation_mail(&settings, id, token, "mary@example.org", "Mary Major", "en"),
    )
    .await
    .unwrap()
    .unwrap();
    let (status, body) = api(&web, "Rnary Major").await;
    assert!(status == 400 && similar(&body, "Mary Major"), "{body}");
    let mut conn = AsyncMysqlConnection::establish(&ctx.settings.database.url)
        .await
        .unwrap();
    diesel::sql_query(format!("DELETE FROM signups WHERE id = {id}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let (status, body) = api(&web, "Rnary Major").await;
    assert_eq!(status, 201, "{body}");

    // One probe of the unique index, however many names there are.
    let sql = confusables::similar_name_sql("PayPaI");
    let explained: Explained = diesel::sql_query(format!("EXPLAIN FORMAT=JSON {sql}"))
        .get_result(&mut conn)
        .await
        .unwrap();
    println!("EXPLAIN {sql}\n{}", explained.plan);
    let plan: Value = serde_json::from_str(&explained.plan).unwrap();
    // MariaDB nests the table under `nested_loop` since 10.11; older servers do not.
    let block = &plan["query_block"];
    let table = match block["nested_loop"].get(0) {
        Some(step) => &step["table"],
        None => &block["table"],
    };
    assert_eq!(table["table_name"], "name_skeletons", "{plan}");
    assert_eq!(table["access_type"], "const", "{plan}");
    assert_eq!(table["key"], "name_skeletons_skeleton", "{plan}");
    assert_eq!(table["rows"], 1, "{plan}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_in_a_browser_refuses_an_invalid_and_a_look_alike_name() {
    let ctx = TestContext::new().await;
    // Made outside Bitu; a regular bitu-blocksync run indexes it (no block list sources here).
    ctx.create_user("paypal", "PayPal", "{SSHA}unused").await;
    let config = ctx.write_config_with(&roomy_settings(&ctx));
    let output = run("bitu-blocksync", &config, &[]);
    assert!(output.status.success(), "{output:?}");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        report.contains("names: 1 read, 1 skeletons added"),
        "{report}"
    );
    let web = WebProcess::start(&config).await;
    let chrome = Chrome::start().await;
    for (name, message) in [
        ("Foo|bar", "The name cannot contain \"|\""),
        (
            "PayPaI",
            "This name is too similar to the existing account PayPal.",
        ),
    ] {
        chrome.client.goto(&web.url("/signup/")).await.unwrap();
        let cn = chrome.client.find(Locator::Id("cn")).await.unwrap();
        cn.send_keys(name).await.unwrap();
        chrome
            .client
            .find(Locator::Id("signup-submit"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        let errors = loop {
            let errors = match chrome.client.find(Locator::Id("cn-errors")).await {
                Ok(list) => list.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if !errors.is_empty() || std::time::Instant::now() > deadline {
                break errors;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(errors.contains(message), "{name:?}: {errors:?}");
    }
    chrome.close().await;
}
