//! The original's database for a test: its schema (../shared/legacy/bitu-django-schema.sql,
//! release 0.1.18) in a fresh MariaDB database, filled with rows exercising every table,
//! odd ones included.

use bitu_core::config::{PermissionGroup, RuleSettings};
use bitu_testkit::TestContext;
use bitu_testkit::env::repo_root;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, SimpleAsyncConnection};

/// The imported token of `ursula` (DRF: 40 hex characters).
pub const URSULA_TOKEN: &str = "0123456789abcdef0123456789abcdef01234567";
/// A token of an inactive account: not imported.
pub const GONE_TOKEN: &str = "fedcba9876543210fedcba9876543210fedcba98";
/// Ursula's suspended key, with a comment kept only in the original's database.
pub const SUSPENDED_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl old@laptop";
/// Ursula's active key.
pub const ACTIVE_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEpGwRZNe29tjQCjmylsAEdgz+0oLsxd/EUpatNmcfsr work";

/// The original's database; dropped with the value.
pub struct Legacy {
    /// `mysql://…/<database>`.
    pub url: String,
    server: String,
    name: String,
}

impl Drop for Legacy {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // Drop runs outside any runtime guarantee: a small one of its own.
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(bitu_testkit::database::drop_database(&server, &name));
            }
        })
        .join();
    }
}

/// The schema's statements, without the dump's version comments.
fn schema_sql() -> String {
    let path = repo_root().join("../shared/legacy/bitu-django-schema.sql");
    let path = if path.exists() {
        path
    } else {
        std::path::PathBuf::from("/work/shared/legacy/bitu-django-schema.sql")
    };
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
        .lines()
        .filter(|line| !line.trim_start().starts_with("/*"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Creates the original's database for `ctx`, with the schema and the fixture rows.
pub async fn legacy_database(ctx: &TestContext) -> Legacy {
    let server = ctx.env.database_url.trim_end_matches('/').to_string();
    let name = format!("bitu_legacy_{}", ctx.id);
    let mut admin = AsyncMysqlConnection::establish(&format!("{server}/mysql"))
        .await
        .unwrap();
    admin
        .batch_execute(&format!(
            "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
        ))
        .await
        .unwrap();
    let legacy = Legacy {
        url: format!("{server}/{name}"),
        server,
        name,
    };
    let mut conn = AsyncMysqlConnection::establish(&legacy.url).await.unwrap();
    // As the dump's own header does: tables refer to ones created after them.
    conn.batch_execute(&format!("SET FOREIGN_KEY_CHECKS = 0;\n{}", schema_sql()))
        .await
        .unwrap();
    conn.batch_execute(&fixture_sql(&ctx.settings.ldap.groups_dn))
        .await
        .unwrap();
    legacy
}

/// A password hash as the original's ldapbackend stored it.
pub const SSHA_HASH: &str = "{SSHA}2F2v0Yy4U4o0m1fJ0Yx3mXg3Q0pXb2F0c2FsdA==";
/// Django's own format.
pub const PBKDF2_HASH: &str =
    "pbkdf2_sha256$600000$Zm9vYmFyc2FsdA$+/vb+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/s=";

fn fixture_sql(groups_dn: &str) -> String {
    format!(
        r#"
INSERT INTO accounts_user (id, password, last_login, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined) VALUES
 (1, '', NOW(), 0, 'ursula', '', '', 'ursula@example.org', 0, 1, '2022-01-01'),
 (2, '', NULL, 0, 'gone', '', '', 'gone@example.org', 0, 0, '2022-01-01'),
 (3, '', NOW() - INTERVAL 400 DAY, 1, 'amy', '', '', 'amy@example.org', 1, 1, '2022-01-01'),
 (4, '', NULL, 0, 'zoë', 'Zoë', 'Ünïcode', 'zoe@example.org', 0, 1, '2022-01-01');

INSERT INTO signups_signup (uuid, is_active, created_date, last_modified, username, email, uid) VALUES
 ('a0000000000000000000000000000001', 0, NOW() - INTERVAL 1 DAY, NOW(), 'Zoë Ünïcode 名前', 'Zoe@Example.org', 'zoeu'),
 ('a0000000000000000000000000000002', 0, NOW() - INTERVAL 2 DAY, NOW(), 'Pat Pbkdf', 'pat@example.org', 'pat'),
 ('a0000000000000000000000000000003', 0, NOW() - INTERVAL 30 DAY, NOW(), 'Old Timer', 'old@example.org', 'oldie'),
 ('a0000000000000000000000000000004', 1, NOW() - INTERVAL 1 DAY, NOW(), 'Done Already', 'done@example.org', 'done'),
 ('a0000000000000000000000000000005', 0, NOW() - INTERVAL 1 DAY, NOW(), 'No Uid', 'nouid@example.org', NULL),
 ('a0000000000000000000000000000006', 0, NOW() - INTERVAL 1 DAY, NOW(), 'Bea Bcrypt', 'bea@example.org', 'bea');
INSERT INTO signups_signuppassword (module, value, signup_id) VALUES
 ('ldapbackend', '{SSHA_HASH}', 'a0000000000000000000000000000001'),
 ('django', '{PBKDF2_HASH}', 'a0000000000000000000000000000002'),
 ('ldapbackend', '{SSHA_HASH}', 'a0000000000000000000000000000003'),
 ('ldapbackend', '{SSHA_HASH}', 'a0000000000000000000000000000004'),
 ('ldapbackend', '{SSHA_HASH}', 'a0000000000000000000000000000005'),
 ('ldapbackend', 'bcrypt$$2b$12$abcdefghijklmnopqrstuv', 'a0000000000000000000000000000006');

INSERT INTO signups_blocklistusername (id, created_date, last_modified, regex, comment, origin) VALUES
 (1, '2023-05-01', '2023-05-01', '.*spam.*', 'spammers', 'manual'),
 (2, '2023-05-02', '2023-05-02', 'Ünï.*bot', 'look-alike bots ☃', 'admin'),
 (3, '2023-05-03', '2023-05-03', '.*wiki.*', 'from the wiki', 'https://meta.wikimedia.org/wiki/Title_blacklist'),
 (4, '2023-05-04', '2023-05-04', '(unclosed', 'broken', 'manual');
INSERT INTO signups_blocklistip (id, created_date, expiry, origin, start, end, comment) VALUES
 (1, '2024-01-01', NOW() + INTERVAL 1 YEAR, 'manual', '192.0.2.0', '192.0.2.255', 'open proxies'),
 (2, '2024-01-01', NOW() + INTERVAL 1 YEAR, 'meta.wikimedia.org', '2001:db8::1', '2001:db8::1', 'ünïcode reason'),
 (3, '2024-01-01', NOW() - INTERVAL 1 DAY, 'manual', '198.51.100.0', '198.51.100.9', 'over'),
 (4, '2024-01-01', NOW() + INTERVAL 1 YEAR, 'manual', 'not-an-ip', '192.0.2.1', 'garbage');

INSERT INTO accounts_token (id, `key`, created, comment, user_id) VALUES
 ('b0000000000000000000000000000001', '{URSULA_TOKEN}', '2023-01-01', 'deploy script ☃', 1),
 ('b0000000000000000000000000000002', '{GONE_TOKEN}', '2023-01-01', '', 2);

INSERT INTO keymanagement_sshkey (id, system, ssh_public_key, comment, active, key_type, key_size, user_id) VALUES
 (1, 'ldapbackend', '{SUSPENDED_KEY}', 'laptop ☃ (lost)', 0, 'ssh-ed25519', 256, 1),
 (2, 'ldapbackend', '{ACTIVE_KEY}', '', 1, 'ssh-ed25519', 256, 1),
 (3, 'gerrit', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGlt6me2L28etjqL+5K/rAztISOQcpH3+ZHIab0pQlby gerrit', '', 1, 'ssh-ed25519', 256, 3),
 (4, 'ldap', 'this is not a key', '', 0, NULL, 0, 3);

INSERT INTO permissions_permissionrequest (id, created, updated, `key`, system, status, comment, ticket, user_id) VALUES
 ('c0000000000000000000000000000001', '2024-02-01', '2024-02-01', 'project-x', 'ldap', 'PN', 'please ☃', '', 1),
 ('c0000000000000000000000000000002', '2024-01-01', '2024-01-03', 'project-x', 'ldap', 'AP', 'for the migration', 'T12345', 4),
 ('c0000000000000000000000000000003', '2024-01-01', '2024-01-03', 'nope', 'ldap', 'PN', 'unknown group', '', 1),
 ('c0000000000000000000000000000004', '2024-01-01', '2024-01-03', 'project-x', 'ldap', 'ZZ', 'odd status', '', 3),
 ('c0000000000000000000000000000005', '2023-06-01', '2023-06-02', 'cn=project-x,{groups_dn}', 'ldapbackend', 'SY', 'enabled long ago', '', 3),
 ('c0000000000000000000000000000006', '2023-07-01', '2023-07-02', 'project-x', 'ldapbackend', 'CN', 'changed my mind', '', 1);
INSERT INTO permissions_log (id, created, approved, comment, created_by_id, request_id) VALUES
 (1, '2024-01-02', 0, 'not yet', 3, 'c0000000000000000000000000000002'),
 (2, '2024-01-03', 1, 'ok now', 3, 'c0000000000000000000000000000002'),
 (3, '2024-01-03', 1, 'lost', 3, 'c0000000000000000000000000000003');

INSERT INTO wikimedia_userblockeventlog (id, created_at, created_by, username, action, comment, parent_id, unset_email) VALUES
 (1, '2024-03-01', 'amy', 'troll', 'block_user', 'Vandalism ☃', NULL, 1),
 (2, '2024-03-01', 'amy', 'troll', 'ldap block_user', 'Successfully updated in ldap, action was block_user', 1, 0),
 (3, '2024-03-01', 'amy', 'troll', 'gerrit block_user', 'Failed: 401 Unauthorized', 1, 0),
 (4, '2024-03-01', 'amy', 'troll', 'phabricator block_user', '', 1, 0),
 (5, '2024-04-01', 'amy', 'troll', 'unblock_user', 'Appeal accepted', NULL, 0),
 (6, '2024-04-01', 'amy', 'troll', 'ldap unblock_user', '', 5, 0),
 (7, '2024-04-02', 'amy', 'zoë', 'shout', 'odd action', NULL, 0),
 (8, '2024-04-02', 'amy', 'zoë', 'ldap', '', 7, 0),
 (9, '2023-01-01', 'amy', 'oldtroll', 'block_user', 'spam before parent_id', NULL, 0),
 (10, '2023-01-01', 'amy', 'oldtroll', 'gitlab block_user', 'Successfully updated in gitlab, action was block_user', NULL, 0),
 (11, '2023-01-02', 'amy', 'nobody', 'gerrit unblock_user', 'Successfully updated in gerrit, action was unblock_user', NULL, 0);

INSERT INTO social_auth_usersocialauth (provider, uid, extra_data, user_id, created, modified) VALUES
 ('mediawiki', 'Ursula', '{{}}', 1, NOW(), NOW());
INSERT INTO accounts_securitytoken (id, secret, created, enabled, user_id) VALUES (1, 'JBSWY3DPEHPK3PXP', NOW(), 1, 1);
INSERT INTO accounts_recoverycode (code, token_id) VALUES ('12345678', 1);
"#
    )
}

/// The settings the fixture expects: the requestable group `project-x`.
pub fn settings_for(ctx: &TestContext) -> bitu_core::Settings {
    let mut settings = ctx.settings.clone();
    settings.permissions.groups = vec![PermissionGroup {
        group: format!("cn=project-x,{}", ctx.settings.ldap.groups_dn),
        system: "ldap".into(),
        key: "project-x".into(),
        grant_for: None,
        rules: vec![RuleSettings {
            managers: vec!["amy".into()],
            ..RuleSettings::default()
        }],
    }];
    // Two-factor secrets are imported encrypted: a fixed key, so every run agrees.
    let key = ctx.dir.path().join("twofactor.key");
    std::fs::write(&key, TWOFACTOR_KEY).unwrap();
    settings.twofactor.key_file = Some(key);
    settings.twofactor.key = TWOFACTOR_KEY.into();
    settings
}

/// The `[twofactor]` key of the import tests (base64 of 32 bytes).
pub const TWOFACTOR_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
