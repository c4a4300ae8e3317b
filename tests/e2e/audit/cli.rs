//! `bitu audit`: filters by actor, target, action and time; JSON for scripts.

use bitu_core::audit::{self, Action, Actor, Entry, Target};
use bitu_testkit::TestContext;
use bitu_testkit::process::run;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, SimpleAsyncConnection};

async fn write(ctx: &TestContext, entry: Entry) {
    let mut conn = AsyncMysqlConnection::establish(&ctx.settings.database.url)
        .await
        .unwrap();
    audit::record(&mut conn, &entry).await.unwrap();
}

fn audit_json(config: &std::path::Path, args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["audit", "--json"];
    all.extend_from_slice(args);
    let output = run("bitu", config, &all);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    json.as_array().unwrap().clone()
}

fn actions(rows: &[serde_json::Value]) -> Vec<&str> {
    rows.iter()
        .map(|row| row["action"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn bitu_audit_filters_by_actor_target_action_and_time() {
    let ctx = TestContext::new().await;
    let client = Some("192.0.2.1".parse().unwrap());
    write(
        &ctx,
        Entry::new(
            &Actor::session("ann", client),
            Action::PasswordChange,
            Target::User("ann".into()),
        ),
    )
    .await;
    write(
        &ctx,
        Entry::new(
            &Actor::token("ann", 7, client),
            Action::KeyAdd,
            Target::Key {
                owner: "ann".into(),
                fingerprint: "SHA256:abc".into(),
            },
        )
        .with("system", "ldap"),
    )
    .await;
    write(
        &ctx,
        Entry::new(
            &Actor::cli("oncall"),
            Action::TokenRevoke,
            Target::Token {
                owner: "bob".into(),
                id: 9,
            },
        ),
    )
    .await;
    // A row from last year, which --since leaves out.
    let mut conn = AsyncMysqlConnection::establish(&ctx.settings.database.url)
        .await
        .unwrap();
    conn.batch_execute(
        "INSERT INTO audit_log (at, actor_uid, actor_kind, action, target_kind, target, \
         subject_uid, outcome, detail) VALUES (NOW(6) - INTERVAL 400 DAY, 'ann', 'session', \
         'account.attribute.change', 'user', 'ann', 'ann', 'success', '{}')",
    )
    .await
    .unwrap();
    let config = ctx.write_config();

    let all = audit_json(&config, &[]);
    assert_eq!(all.len(), 4);
    assert_eq!(all[0]["action"], "token.revoke", "newest first");

    let by_ann = audit_json(&config, &["--actor", "ann"]);
    assert_eq!(
        actions(&by_ann),
        [
            "key.add",
            "account.password.change",
            "account.attribute.change"
        ]
    );
    assert_eq!(by_ann[0]["actor_kind"], "token");
    assert_eq!(by_ann[0]["actor_detail"], "7");
    assert_eq!(by_ann[0]["client_address"], "192.0.2.1");
    assert_eq!(by_ann[0]["detail"]["system"], "ldap");

    let by_oncall = audit_json(&config, &["--actor", "oncall"]);
    assert_eq!(actions(&by_oncall), ["token.revoke"]);
    assert_eq!(by_oncall[0]["actor_kind"], "cli");

    // A target is the thing itself or the account it belongs to.
    assert_eq!(
        actions(&audit_json(&config, &["--target", "SHA256:abc"])),
        ["key.add"]
    );
    assert_eq!(audit_json(&config, &["--target", "bob"]).len(), 1);
    assert_eq!(
        actions(&audit_json(
            &config,
            &["--action", "account.password.change"]
        )),
        ["account.password.change"]
    );
    assert_eq!(audit_json(&config, &["--since", "30days"]).len(), 3);
    assert_eq!(
        audit_json(&config, &["--actor", "ann", "--since", "2000-01-01"]).len(),
        3
    );

    // Plain output is one tab-separated line per row, after a header.
    let output = run("bitu", &config, &["audit", "--target", "ann"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(text.contains("ann (session)\taccount.password.change\tuser ann\t192.0.2.1"));

    // An unknown action is refused with the known ones listed.
    let output = run("bitu", &config, &["audit", "--action", "password.steal"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("account.password.change"));
}
