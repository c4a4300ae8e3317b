//! `bitu import-django` against the original's schema: a dry run writes nothing, the import
//! puts every fixture row where it belongs (or reports why not), a second run changes
//! nothing, and an imported DRF token works on the original's API and on ours.

use bitu_core::account::password::ssha;
use bitu_testkit::TestContext;
use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};

use super::fixture::{GONE_TOKEN, SSHA_HASH, URSULA_TOKEN, legacy_database, settings_for};
use crate::jobs_support::bitu;

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// Rows of `sql` (selecting one text column `line`) from the database at `url`.
pub async fn lines(url: &str, sql: &str) -> Vec<String> {
    let mut conn = AsyncMysqlConnection::establish(url).await.unwrap();
    diesel::sql_query(sql)
        .load::<Line>(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|l| l.line)
        .collect()
}

/// What the import writes, as text; `exact` adds ids, times and the audit trail (a second
/// run must not change even those), without it two runs with different batches compare.
pub async fn snapshot(url: &str, exact: bool) -> Vec<String> {
    let id = if exact { "id, " } else { "" };
    let queries = [
        format!("SELECT CONCAT_WS('|', 'signup', {id}cn, uid, mail, password_hash) AS line FROM signups ORDER BY id"),
        "SELECT CONCAT_WS('|', 'skeleton', name, signup_id IS NULL) AS line FROM name_skeletons ORDER BY id".into(),
        "SELECT CONCAT('outbox|', COUNT(*)) AS line FROM job_outbox".into(),
        format!("SELECT CONCAT_WS('|', 'token', {id}uid, name, hint, scopes, legacy) AS line FROM api_tokens ORDER BY id"),
        format!("SELECT CONCAT_WS('|', 'key', {id}uid, key_system, fingerprint, comment, active, imported) AS line FROM ssh_keys ORDER BY id"),
        format!("SELECT CONCAT_WS('|', 'request', {id}uid, group_dn, state, applied, comment, created_at, decided_at, open_key) AS line FROM access_requests ORDER BY id"),
        "SELECT CONCAT_WS('|', 'event', kind, actor_uid, comment, at) AS line FROM access_request_events ORDER BY id".into(),
        format!("SELECT CONCAT_WS('|', 'block', {id}uid, action, manager, comment, unset_email, created_at) AS line FROM block_actions ORDER BY id"),
        "SELECT CONCAT_WS('|', 'system', system, state, reason) AS line FROM block_systems ORDER BY id".into(),
        format!("SELECT CONCAT_WS('|', 'pattern', {id}origin, pattern, comment) AS line FROM blocklist_entries ORDER BY id"),
        format!("SELECT CONCAT_WS('|', 'ip', {id}origin, block_id, network, wiki, reason{}) AS line FROM blocklist_ip_blocks ORDER BY id", if exact { ", expiry" } else { "" }),
        format!("SELECT CONCAT_WS('|', 'map', source_table, legacy_id, target_table{}) AS line FROM legacy_import_map ORDER BY id", if exact { ", target_id, imported_at" } else { "" }),
        "SELECT CONCAT_WS('|', 'twofactor', uid, enabled, key_id) AS line FROM twofactor_secrets ORDER BY uid".into(),
        "SELECT CONCAT_WS('|', 'recovery', uid, LOWER(HEX(code_hash)), used_at IS NULL) AS line FROM twofactor_recovery_codes ORDER BY id".into(),
    ];
    let mut all = Vec::new();
    for sql in queries {
        all.extend(lines(url, &sql).await);
    }
    if exact {
        all.extend(lines(url, "SELECT CONCAT_WS('|', 'audit', id, action, target) AS line FROM audit_log ORDER BY id").await);
        all.extend(lines(url, "SELECT CONCAT_WS('|', 'version', name, version) AS line FROM blocklist_versions ORDER BY name").await);
    }
    all
}

/// The report's counts, one `table read imported already skipped` line per table.
pub fn counts(report: &str) -> Vec<String> {
    report
        .lines()
        .filter(|l| !l.starts_with('\t') && l.matches('\t').count() == 4)
        .map(str::to_string)
        .collect()
}

/// Lower-case hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn row<'a>(report: &'a [String], table: &str) -> Vec<&'a str> {
    report
        .iter()
        .find(|l| l.starts_with(&format!("{table}\t")))
        .unwrap_or_else(|| panic!("no report line for {table}: {report:?}"))
        .split('\t')
        .collect()
}

#[tokio::test]
async fn import_django_puts_every_row_in_place_once_and_its_tokens_work() {
    let ctx = TestContext::new().await;
    let legacy = legacy_database(&ctx).await;
    let config = ctx.write_config_with(&settings_for(&ctx));
    let ours = ctx.settings.database.url.clone();
    let empty = snapshot(&ours, true).await;

    let (ok, dry) = bitu(
        &config,
        &["import-django", "--from", &legacy.url, "--dry-run"],
    );
    assert!(ok, "{dry}");
    assert!(dry.starts_with("DRY RUN"), "{dry}");
    assert_eq!(snapshot(&ours, true).await, empty, "the dry run wrote");

    let (ok, out) = bitu(&config, &["import-django", "--from", &legacy.url]);
    assert!(ok, "{out}");
    assert_eq!(counts(&dry), counts(&out), "dry run and import differ");
    let report = counts(&out);
    // table, read, imported, already, skipped
    for (table, read, imported, skipped) in [
        ("signups_signup", "6", "2", "4"),
        ("signups_blocklistusername", "4", "2", "2"),
        ("signups_blocklistip", "4", "2", "2"),
        ("accounts_token", "2", "1", "1"),
        ("keymanagement_sshkey", "4", "2", "2"),
        ("permissions_permissionrequest", "6", "4", "2"),
        ("permissions_log", "3", "2", "1"),
        ("wikimedia_userblockeventlog", "6", "4", "2"),
        (
            "wikimedia_userblockeventlog (per-system rows)",
            "5",
            "4",
            "1",
        ),
        ("accounts_user", "4", "0", "4"),
        ("social_auth_usersocialauth", "1", "0", "1"),
        ("accounts_securitytoken", "1", "1", "0"),
        ("accounts_recoverycode", "1", "1", "0"),
    ] {
        assert_eq!(
            row(&report, table),
            [table, read, imported, "0", skipped],
            "{out}"
        );
    }
    for reason in [
        "expired: older than [signup] expire_after",
        "activated in the original",
        "no shell username",
        "password hash format \"bcrypt\"",
        "bitu-blocksync fetches its source again",
        "not a valid regular expression",
        "owner's account is inactive in the original",
        "key system \"gerrit\" is not configured",
        "not a public key line",
        "group ldap/nope is not in [permissions] groups",
        "unknown status \"ZZ\"",
        "unknown action \"shout\"",
        "a gerrit row with no earlier unblock action of nobody",
        "1 accounts linked to mediawiki",
    ] {
        assert!(out.contains(reason), "no {reason:?} in\n{out}");
    }

    let got = snapshot(&ours, false).await;
    let group = format!("cn=project-x,{}", ctx.settings.ldap.groups_dn);
    for expected in [
        format!("signup|Zoë Ünïcode 名前|zoeu|zoe@example.org|{SSHA_HASH}"),
        "skeleton|Zoë Ünïcode 名前|0".to_string(),
        "outbox|2".to_string(),
        "token|ursula|deploy script ☃|01234567|read_account,manage_keys,check_ip_blocks|1".into(),
        "request|ursula|GROUP|pending|0|please ☃|2024-02-01 00:00:00.000000|1".replace("GROUP", &group),
        "request|zoë|GROUP|approved|1|for the migration (ticket: T12345)|2024-01-01 00:00:00.000000|2024-01-03 00:00:00.000000".replace("GROUP", &group),
        "event|created|zoë|for the migration|2024-01-01 00:00:00.000000".into(),
        "event|reject|amy|not yet|2024-01-02 00:00:00.000000".into(),
        "event|approve|amy|ok now|2024-01-03 00:00:00.000000".into(),
        "block|troll|block|amy|Vandalism ☃|1|2024-03-01 00:00:00".into(),
        "block|troll|unblock|amy|Appeal accepted|0|2024-04-01 00:00:00".into(),
        "system|ldap|done|Successfully updated in ldap, action was block_user".into(),
        "system|gerrit|failed|Failed: 401 Unauthorized".into(),
        "system|phabricator|done".into(),
        "block|oldtroll|block|amy|spam before parent_id|0|2023-01-01 00:00:00".into(),
        "system|gitlab|done|Successfully updated in gitlab, action was block_user".into(),
        "request|amy|GROUP|approved|1|enabled long ago|2023-06-01 00:00:00.000000|2023-06-02 00:00:00.000000".replace("GROUP", &group),
        "request|ursula|GROUP|cancelled|1|changed my mind|2023-07-01 00:00:00.000000|2023-07-02 00:00:00.000000".replace("GROUP", &group),
        "pattern|manual|.*spam.*|spammers".into(),
        "pattern|manual|Ünï.*bot|look-alike bots ☃ [origin: admin]".into(),
        "ip|django-import|1|192.0.2.0/24|manual|open proxies".into(),
        "ip|django-import|2|2001:db8::1/128|meta.wikimedia.org|ünïcode reason".into(),
        "map|accounts_token|b0000000000000000000000000000001|api_tokens".into(),
        "map|permissions_log|2|access_request_events".into(),
        "map|wikimedia_userblockeventlog (per-system rows)|3|block_systems".into(),
        "twofactor|ursula|1".into(),
        format!("recovery|ursula|{}|1", hex(&bitu_core::twofactor::recovery::hash("12345678"))),
        "map|accounts_securitytoken|1|twofactor_secrets".into(),
        "map|accounts_recoverycode|1|twofactor_recovery_codes".into(),
    ] {
        assert!(
            got.iter().any(|l| l.starts_with(&expected)),
            "no {expected:?} in\n{}",
            got.join("\n")
        );
    }
    // The imported secret is stored encrypted, and decrypts to the original's.
    let sealed = lines(
        &ours,
        "SELECT LOWER(HEX(secret_encrypted)) AS line FROM twofactor_secrets WHERE uid = 'ursula'",
    )
    .await;
    let sealed: Vec<u8> = (0..sealed[0].len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&sealed[0][i..i + 2], 16).unwrap())
        .collect();
    let clear = bitu_core::twofactor::totp::decode_base32("JBSWY3DPEHPK3PXP").unwrap();
    assert!(!sealed.windows(clear.len()).any(|w| w == clear));
    let cipher = bitu_core::twofactor::SecretCipher::new(super::fixture::TWOFACTOR_KEY).unwrap();
    assert_eq!(cipher.decrypt("ursula", &sealed).unwrap(), clear);
    let pat = got
        .iter()
        .find(|l| l.starts_with("signup|Pat Pbkdf|pat|"))
        .unwrap();
    assert!(
        pat.contains("|{PBKDF2-SHA256}600000$Wm05dlltRnljMkZzZEE$"),
        "{pat}"
    );
    let keys: Vec<&String> = got.iter().filter(|l| l.starts_with("key|")).collect();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(keys[0].contains("|laptop ☃ (lost)|0|0"), "{keys:?}");
    assert!(keys[1].ends_with("|work|1|0"), "{keys:?}");
    let audit = lines(&ours, "SELECT CONCAT_WS('|', actor_kind, target_kind, target) AS line FROM audit_log WHERE action = 'import.django'").await;
    assert!(
        audit
            .iter()
            .any(|l| l.starts_with("cli|table|accounts_token")),
        "{audit:?}"
    );

    // A second run finds everything imported and changes nothing at all.
    let imported = snapshot(&ours, true).await;
    let (ok, again) = bitu(&config, &["import-django", "--from", &legacy.url]);
    assert!(ok, "{again}");
    assert_eq!(
        row(&counts(&again), "accounts_token"),
        ["accounts_token", "2", "0", "1", "1"]
    );
    assert_eq!(row(&counts(&again), "signups_signup")[2], "0", "{again}");
    assert_eq!(
        snapshot(&ours, true).await,
        imported,
        "the second run changed something"
    );

    // The imported token works on the original's API and on ours; the skipped one does not.
    ctx.create_user("ursula", "Ursula User", &ssha("Amber-Falcon-Orchard-31"))
        .await;
    ctx.create_user("gone", "Gone User", &ssha("Amber-Falcon-Orchard-31"))
        .await;
    let web = bitu_testkit::WebProcess::start(&config).await;
    let client = reqwest::Client::new();
    let get = |path: &str, token: &str| {
        client
            .get(web.url(path))
            .header("Authorization", format!("Token {token}"))
            .send()
    };
    let user: serde_json::Value = get("/accounts/api/user", URSULA_TOKEN)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(user["username"], "ursula", "{user}");
    assert_eq!(user["first_name"], "Ursula User", "{user}");
    assert!(user["id"].is_u64(), "{user}");
    assert_eq!(user["backends"], serde_json::json!(["ldap"]), "{user}");
    assert!(
        user["ssh_keys"]
            .as_array()
            .is_some_and(|keys| keys.iter().any(|k| k["comment"] == "laptop ☃ (lost)")),
        "{user}"
    );
    let account = get("/api/account", URSULA_TOKEN).await.unwrap();
    assert_eq!(account.status(), 200);
    let account: serde_json::Value = account.json().await.unwrap();
    assert_eq!(account["uid"], "ursula");
    assert_eq!(account["authenticated_by"], "token");
    let keys: serde_json::Value = get("/accounts/api/ssh", URSULA_TOKEN)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let suspended = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["comment"] == "laptop ☃ (lost)")
        .unwrap_or_else(|| panic!("{keys}"));
    assert_eq!(suspended["active"], false, "{keys}");
    assert_eq!(suspended["system"], "ldap");
    for token in [GONE_TOKEN, "0000000000000000000000000000000000000000"] {
        let status = get("/accounts/api/user", token).await.unwrap().status();
        assert_eq!(status, 401, "token {token}");
    }
    // The public ban log shows the original's history.
    let log = client
        .get(web.url("/wikimedia/log/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        log.contains("Vandalism ☃") && log.contains("Appeal accepted"),
        "{log}"
    );
    drop(legacy);
}
