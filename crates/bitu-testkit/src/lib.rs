//! Test harness: every test gets its own MariaDB database, LDAP subtree, Redis key prefix and
//! mailbox on the real local services, and can start the real binaries against them.
// Test support: a panic here is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod browser;
pub mod chrome;
pub mod database;
pub mod directory;
pub mod env;
pub mod mailbox;
pub mod oidc;
pub mod process;
pub mod tcp_proxy;

use std::path::PathBuf;

use bitu_core::{Services, Settings};
use rand::Rng;

pub use browser::Browser;
pub use env::{ServiceEnv, services};
pub use mailbox::{Mail, Mailbox};
pub use process::WebProcess;
pub use tcp_proxy::TcpProxy;

/// Everything one test owns; dropped at the end of the test, which removes it all.
pub struct TestContext {
    /// Short random id used in every name the test owns.
    pub id: String,
    /// Settings pointing at this test's database, subtree and prefix.
    pub settings: Settings,
    /// The services' addresses.
    pub env: &'static ServiceEnv,
    /// Mail received for this test.
    pub mailbox: Mailbox,
    /// Folder for this test's files (config, logs); removed on drop.
    pub dir: tempfile::TempDir,
    database: String,
    ldap_subtrees: Vec<String>,
}

impl TestContext {
    /// Creates the test's database (migrated), LDAP subtrees and settings.
    pub async fn new() -> TestContext {
        let env = services();
        let id: String = format!("{:010x}", rand::rng().random::<u64>() & 0xff_ffff_ffff);
        let database = format!("bitu_t_{id}");
        database::create_database(&env.database_url, &database).await;

        let people = format!("ou=t-{id},ou=people,{}", env.ldap_base);
        let groups = format!("ou=t-{id},ou=groups,{}", env.ldap_base);
        let ldap_subtrees = vec![people.clone(), groups.clone()];
        let mut admin = directory::admin(env).await;
        directory::create_subtrees(&mut admin, &ldap_subtrees).await;
        let _ = admin.unbind().await;

        let mut settings = Settings::default();
        settings.database.url = format!("{}/{database}", env.database_url.trim_end_matches('/'));
        settings.redis.url = env.redis_url.clone();
        settings.redis.key_prefix = format!("bitu-test-{id}:");
        settings.ldap.servers = vec![env.ldap_url.clone()];
        settings.ldap.bind_dn = env.ldap_bind_dn.clone();
        settings.ldap.password = env.ldap_bind_password.clone();
        settings.ldap.users_dn = people;
        settings.ldap.groups_dn = groups;
        settings.ldap.ppolicy_dn = format!("cn=disabled,ou=ppolicies,{}", env.ldap_base);
        settings.site.base_url = "http://localhost:8000".into();
        settings.site.secret_key = format!("{:032x}", rand::rng().random::<u128>());

        TestContext {
            mailbox: Mailbox::new(env.maildir.clone(), format!("t{id}")),
            dir: tempfile::tempdir().expect("temp dir"),
            id,
            settings,
            env,
            database,
            ldap_subtrees,
        }
    }

    /// Pools for this test's settings (not connected yet).
    pub fn services(&self) -> Services {
        Services::new(&self.settings).expect("build pools")
    }

    /// A connection bound as the LDAP rootDN.
    pub async fn ldap_admin(&self) -> ldap3::Ldap {
        directory::admin(self.env).await
    }

    /// Creates a user entry under this test's people OU with the given `userPassword` value
    /// (a hash such as `{SSHA}...`, or clear text); returns its DN.
    pub async fn create_user(&self, uid: &str, cn: &str, user_password: &str) -> String {
        let dn = format!("uid={uid},{}", self.settings.ldap.users_dn);
        let mail = self.mailbox.address(uid);
        let mut admin = self.ldap_admin().await;
        directory::add(
            &mut admin,
            &dn,
            &[
                (
                    "objectClass",
                    &[
                        "inetOrgPerson",
                        "posixAccount",
                        "wikimediaPerson",
                        "ldapPublicKey",
                    ],
                ),
                ("uid", &[uid]),
                ("cn", &[cn]),
                ("sn", &[cn]),
                ("mail", &[mail.as_str()]),
                ("uidNumber", &["40000"]),
                ("gidNumber", &["500"]),
                ("homeDirectory", &[format!("/home/{uid}").as_str()]),
                ("loginShell", &["/bin/bash"]),
                ("userPassword", &[user_password]),
            ],
        )
        .await;
        let _ = admin.unbind().await;
        dn
    }

    /// Writes the settings as a TOML file for a binary and returns its path.
    pub fn write_config(&self) -> PathBuf {
        self.write_config_with(&self.settings)
    }

    /// Writes `settings` as a TOML file in the test folder and returns its path.
    pub fn write_config_with(&self, settings: &Settings) -> PathBuf {
        let text = toml::to_string(settings).expect("settings serialise to TOML");
        let path = self
            .dir
            .path()
            .join(format!("bitu-{:08x}.toml", rand::rng().random::<u32>()));
        std::fs::write(&path, text).expect("write config");
        path
    }

    /// Starts `bitu-web` with this test's settings.
    pub async fn start_web(&self) -> WebProcess {
        WebProcess::start(&self.write_config()).await
    }
}

impl Drop for TestContext {
    fn drop(&mut self) {
        let env = self.env;
        let database = self.database.clone();
        let subtrees = self.ldap_subtrees.clone();
        let prefix = self.settings.redis.key_prefix.clone();
        // Drop runs inside the test's runtime; clean up on a thread with a runtime of its own.
        let cleanup = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                database::drop_database(&env.database_url, &database).await;
                let mut admin = directory::admin(env).await;
                directory::delete_subtrees(&mut admin, &subtrees).await;
                let _ = admin.unbind().await;
                delete_redis_prefix(&env.redis_url, &prefix).await;
            });
        });
        let _ = cleanup.join();
    }
}

async fn delete_redis_prefix(url: &str, prefix: &str) {
    use deadpool_redis::redis::{self, AsyncCommands};
    let Ok(client) = redis::Client::open(url) else {
        return;
    };
    let Ok(mut conn) = client.get_multiplexed_async_connection().await else {
        return;
    };
    let keys: Vec<String> = match conn.keys(format!("{prefix}*")).await {
        Ok(keys) => keys,
        Err(_) => return,
    };
    if !keys.is_empty() {
        let _: redis::RedisResult<()> = conn.del(keys).await;
    }
}
