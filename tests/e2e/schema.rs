//! crates/bitu-core/src/db/schema.rs is generated from the migrations: this test migrates a
//! scratch database, writes the diesel `table!` definitions its information_schema implies,
//! and fails when the file differs. `BITU_WRITE_SCHEMA=1` rewrites the file instead.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use bitu_core::db::migrate;
use bitu_testkit::TestContext;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text, Unsigned};
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};

/// One column as information_schema describes it.
#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    column_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
    #[diesel(sql_type = Text)]
    column_key: String,
    #[diesel(sql_type = Unsigned<BigInt>)]
    ordinal_position: u64,
}

/// The diesel SQL type of a MariaDB column, as `diesel print-schema` names it.
fn diesel_type(column: &Column) -> String {
    let unsigned = column.column_type.contains("unsigned");
    let base = match column.data_type.as_str() {
        "bigint" => "BigInt",
        "int" | "mediumint" => "Integer",
        "smallint" => "SmallInt",
        // MariaDB's BOOLEAN is TINYINT(1).
        "tinyint" if column.column_type.starts_with("tinyint(1)") => "Bool",
        "tinyint" => "TinyInt",
        "char" => "Char",
        "varchar" => "Varchar",
        "tinytext" | "text" | "mediumtext" | "longtext" => "Text",
        "binary" => "Binary",
        "varbinary" => "Varbinary",
        "tinyblob" | "blob" | "mediumblob" | "longblob" => "Blob",
        "datetime" => "Datetime",
        "timestamp" => "Timestamp",
        "date" => "Date",
        "time" => "Time",
        "double" => "Double",
        "float" => "Float",
        "decimal" => "Numeric",
        other => panic!(
            "column {}.{} has type {other}, which this generator does not map yet",
            column.table_name, column.column_name
        ),
    };
    let typed = match unsigned && base != "Bool" {
        true => format!("Unsigned<{base}>"),
        false => base.to_string(),
    };
    match column.is_nullable.as_str() {
        "YES" => format!("Nullable<{typed}>"),
        _ => typed,
    }
}

/// The text of schema.rs for the database at `url`.
async fn generate(url: &str) -> String {
    let mut conn = AsyncMysqlConnection::establish(url).await.unwrap();
    let mut columns: Vec<Column> = diesel::sql_query(
        "SELECT CAST(table_name AS CHAR) AS table_name, CAST(column_name AS CHAR) AS column_name, \
         CAST(data_type AS CHAR) AS data_type, CAST(column_type AS CHAR) AS column_type, \
         CAST(is_nullable AS CHAR) AS is_nullable, CAST(column_key AS CHAR) AS column_key, \
         ordinal_position \
         FROM information_schema.columns \
         WHERE table_schema = DATABASE() AND table_name <> '__diesel_schema_migrations'",
    )
    .load(&mut conn)
    .await
    .unwrap();
    columns.sort_by(|a, b| {
        (&a.table_name, a.ordinal_position).cmp(&(&b.table_name, b.ordinal_position))
    });
    let mut tables: Vec<(String, Vec<&Column>)> = Vec::new();
    for column in &columns {
        match tables.last_mut() {
            Some((name, cols)) if *name == column.table_name => cols.push(column),
            _ => tables.push((column.table_name.clone(), vec![column])),
        }
    }
    let mut out = String::from(
        "// @generated from migrations/ by tests/e2e/schema.rs; do not edit by hand. After adding a\n\
         // migration: BITU_WRITE_SCHEMA=1 cargo test -p bitu-e2e --test e2e -- schema::\n\
         #![allow(missing_docs)]\n",
    );
    for (name, cols) in &tables {
        let keys: Vec<&str> = cols
            .iter()
            .filter(|c| c.column_key == "PRI")
            .map(|c| c.column_name.as_str())
            .collect();
        assert!(!keys.is_empty(), "table {name} has no primary key");
        let _ = write!(
            out,
            "\ndiesel::table! {{\n    {name} ({}) {{\n",
            keys.join(", ")
        );
        for column in cols {
            let _ = writeln!(
                out,
                "        {} -> {},",
                column.column_name,
                diesel_type(column)
            );
        }
        out.push_str("    }\n}\n");
    }
    let names: Vec<&str> = tables.iter().map(|(name, _)| name.as_str()).collect();
    let _ = write!(
        out,
        "\ndiesel::allow_tables_to_appear_in_same_query!(\n    {},\n);\n",
        names.join(",\n    ")
    );
    out
}

#[tokio::test]
async fn schema_rs_is_what_the_migrations_make() {
    let ctx = TestContext::new().await;
    let name = format!("bitu_t_{}_schema", ctx.id);
    let server = ctx.env.database_url.trim_end_matches('/').to_string();
    bitu_testkit::database::drop_database(&server, &name).await;
    let mut admin = AsyncMysqlConnection::establish(&server).await.unwrap();
    diesel_async::SimpleAsyncConnection::batch_execute(
        &mut admin,
        &format!("CREATE DATABASE {name}"),
    )
    .await
    .unwrap();
    let url = format!("{server}/{name}");
    migrate::run_pending(&url, Duration::from_secs(60))
        .await
        .unwrap();
    let generated = generate(&url).await;
    bitu_testkit::database::drop_database(&server, &name).await;

    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../crates/bitu-core/src/db/schema.rs");
    if std::env::var_os("BITU_WRITE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap();
    assert!(
        current == generated,
        "crates/bitu-core/src/db/schema.rs does not match the migrations; regenerate it with\n  \
         BITU_WRITE_SCHEMA=1 cargo test -p bitu-e2e --test e2e -- schema::\nGenerated:\n{generated}"
    );
}
