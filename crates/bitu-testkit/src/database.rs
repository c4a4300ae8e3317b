//! A fresh MariaDB database per test, cloned from a template that is migrated once and
//! rebuilt whenever the migrations change (as crates.io clones a migrated template).

use std::hash::{DefaultHasher, Hash, Hasher};

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts};

use crate::env::repo_root;

const TEMPLATE_PREFIX: &str = "bitu_test_tpl_";

/// Hash of every migration file and of the migrations compiled into this test binary, so an
/// added or edited migration rebuilds the template.
fn migrations_fingerprint() -> String {
    use bitu_core::db::migrate::MIGRATIONS;
    use diesel::migration::MigrationSource;
    let mut files: Vec<_> = walk(&repo_root().join("migrations"));
    files.sort();
    let mut hasher = DefaultHasher::new();
    let embedded = MigrationSource::<diesel::mysql::Mysql>::migrations(&MIGRATIONS)
        .map(|list| {
            list.iter()
                .map(|m| m.name().to_string())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    embedded.hash(&mut hasher);
    for file in files {
        file.hash(&mut hasher);
        std::fs::read(&file).unwrap_or_default().hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                walk(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

async fn connect(server_url: &str, database: Option<&str>) -> Conn {
    let url = match database {
        Some(db) => format!("{}/{db}", server_url.trim_end_matches('/')),
        None => server_url.to_string(),
    };
    let opts = Opts::from_url(&url).unwrap_or_else(|e| panic!("bad database URL {url}: {e}"));
    Conn::new(opts)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to MariaDB at {url}: {e}"))
}

/// The template for this binary's migrations, created (migrated) once. Each set of
/// migrations has its own template, never changed after creation, so test runs of different
/// builds at the same time never pull one from under each other.
async fn ensure_template(server_url: &str) -> String {
    let template = format!("{TEMPLATE_PREFIX}{}", migrations_fingerprint());
    let mut conn = connect(server_url, None).await;
    let got: Option<i64> = conn
        .exec_first("SELECT GET_LOCK(?, 300)", (TEMPLATE_PREFIX,))
        .await
        .expect("GET_LOCK");
    assert_eq!(got, Some(1), "could not lock the template databases");
    let ready: Option<String> = conn
        .query_first(format!("SELECT value FROM {template}.testkit_ready"))
        .await
        .unwrap_or(None);
    if ready.is_none() {
        conn.query_drop(format!("DROP DATABASE IF EXISTS {template}"))
            .await
            .expect("drop half-made template");
        conn.query_drop(format!(
            "CREATE DATABASE {template} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        ))
        .await
        .expect("create template");
        let url = format!("{}/{template}", server_url.trim_end_matches('/'));
        bitu_core::db::migrate::run_pending(&url, std::time::Duration::from_secs(60))
            .await
            .expect("migrate the template database");
        // Written last: a template without it was interrupted and is made again.
        conn.query_drop(format!(
            "CREATE TABLE {template}.testkit_ready (value VARCHAR(8) NOT NULL)"
        ))
        .await
        .expect("create marker table");
        conn.query_drop(format!(
            "INSERT INTO {template}.testkit_ready VALUES ('yes')"
        ))
        .await
        .expect("mark template ready");
    }
    conn.exec_drop("SELECT RELEASE_LOCK(?)", (TEMPLATE_PREFIX,))
        .await
        .expect("RELEASE_LOCK");
    template
}

/// Creates database `name` as a copy of the migrated template (tables, keys and rows).
pub async fn create_database(server_url: &str, name: &str) {
    let template = ensure_template(server_url).await;
    let mut conn = connect(server_url, None).await;
    conn.query_drop(format!(
        "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
    ))
    .await
    .expect("create test database");
    let tables: Vec<String> = conn
        .exec(
            "SELECT table_name FROM information_schema.tables \
             WHERE table_schema = ? AND table_name <> 'testkit_ready'",
            (&template,),
        )
        .await
        .expect("list template tables");
    let mut target = connect(server_url, Some(name)).await;
    target
        .query_drop("SET FOREIGN_KEY_CHECKS = 0")
        .await
        .expect("disable FK checks");
    for table in tables {
        // SHOW CREATE TABLE keeps foreign keys, which CREATE TABLE ... LIKE would drop.
        let create: Option<(String, String)> = conn
            .query_first(format!("SHOW CREATE TABLE {template}.`{table}`"))
            .await
            .expect("show create table");
        let (_, statement) = create.expect("template table exists");
        target.query_drop(statement).await.expect("create table");
        target
            .query_drop(format!(
                "INSERT INTO `{table}` SELECT * FROM {template}.`{table}`"
            ))
            .await
            .expect("copy rows");
    }
}

/// Drops database `name`.
pub async fn drop_database(server_url: &str, name: &str) {
    let mut conn = connect(server_url, None).await;
    let _ = conn
        .query_drop(format!("DROP DATABASE IF EXISTS {name}"))
        .await;
}
