//! Diesel tables of the block list, kept in step with migrations/*_blocklist by hand (here
//! rather than in db/schema.rs so the feature's tables live with the feature).
#![allow(missing_docs)]

diesel::table! {
    blocklist_entries (id) {
        id -> BigInt,
        origin -> Varchar,
        line -> Nullable<Integer>,
        pattern -> Text,
        options -> Varchar,
        comment -> Text,
        created_at -> Datetime,
        last_seen -> Datetime,
        updated_at -> Datetime,
    }
}

diesel::table! {
    blocklist_versions (name) {
        name -> Varchar,
        version -> BigInt,
    }
}

diesel::table! {
    blocklist_ip_blocks (id) {
        id -> BigInt,
        origin -> Varchar,
        block_id -> BigInt,
        network -> Varchar,
        range_start -> Varbinary,
        range_end -> Varbinary,
        wiki -> Varchar,
        blocked_by -> Varchar,
        reason -> Text,
        blocked_at -> Datetime,
        expiry -> Nullable<Datetime>,
        created_at -> Datetime,
        last_seen -> Datetime,
    }
}
