// @generated from migrations/ by tests/e2e/schema.rs; do not edit by hand. After adding a
// migration: BITU_WRITE_SCHEMA=1 cargo test -p bitu-e2e --test e2e -- schema::
#![allow(missing_docs)]

diesel::table! {
    access_request_events (id) {
        id -> Unsigned<BigInt>,
        request_id -> Unsigned<BigInt>,
        at -> Datetime,
        actor_uid -> Nullable<Varchar>,
        kind -> Varchar,
        comment -> Text,
        rules -> Varchar,
    }
}

diesel::table! {
    access_requests (id) {
        id -> Unsigned<BigInt>,
        uid -> Varchar,
        group_dn -> Varchar,
        state -> Varchar,
        applied -> Bool,
        comment -> Text,
        created_at -> Datetime,
        decided_at -> Nullable<Datetime>,
        grant_ends_at -> Nullable<Datetime>,
        warnings_sent -> Unsigned<TinyInt>,
        renews -> Nullable<Unsigned<BigInt>>,
        open_key -> Nullable<Unsigned<TinyInt>>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Unsigned<BigInt>,
        uid -> Varchar,
        name -> Varchar,
        token_hash -> Binary,
        hint -> Varchar,
        created_at -> Datetime,
        last_used_at -> Nullable<Datetime>,
        scopes -> Varchar,
        expires_at -> Datetime,
        legacy -> Bool,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Unsigned<BigInt>,
        at -> Datetime,
        actor_uid -> Nullable<Varchar>,
        actor_kind -> Varchar,
        actor_detail -> Nullable<Varchar>,
        action -> Varchar,
        target_kind -> Varchar,
        target -> Varchar,
        subject_uid -> Nullable<Varchar>,
        client_address -> Nullable<Varchar>,
        outcome -> Varchar,
        detail -> Text,
    }
}

diesel::table! {
    block_actions (id) {
        id -> Unsigned<BigInt>,
        uid -> Varchar,
        action -> Varchar,
        manager -> Varchar,
        comment -> Text,
        unset_email -> Bool,
        move_keys -> Bool,
        old_mail -> Nullable<Varchar>,
        suspended_keys -> Nullable<Text>,
        created_at -> Datetime,
    }
}

diesel::table! {
    block_systems (id) {
        id -> Unsigned<BigInt>,
        action_id -> Unsigned<BigInt>,
        system -> Varchar,
        state -> Varchar,
        reason -> Nullable<Text>,
        retry_at -> Nullable<Datetime>,
        attempts -> Unsigned<Integer>,
        updated_at -> Datetime,
    }
}

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

diesel::table! {
    blocklist_versions (name) {
        name -> Varchar,
        version -> BigInt,
    }
}

diesel::table! {
    job_outbox (seq) {
        seq -> Unsigned<BigInt>,
        job_id -> Char,
        queue -> Varchar,
        envelope -> Text,
        created_at -> Datetime,
    }
}

diesel::table! {
    legacy_import_map (id) {
        id -> Unsigned<BigInt>,
        source_table -> Varchar,
        legacy_id -> Varchar,
        target_table -> Varchar,
        target_id -> Unsigned<BigInt>,
        imported_at -> Datetime,
    }
}

diesel::table! {
    name_skeletons (id) {
        id -> Unsigned<BigInt>,
        skeleton_hash -> Binary,
        name -> Varchar,
        signup_id -> Nullable<Unsigned<BigInt>>,
        created_at -> Datetime,
    }
}

diesel::table! {
    signup_captchas (id) {
        id -> Binary,
        answer -> Varchar,
        expires_at -> Datetime,
    }
}

diesel::table! {
    signups (id) {
        id -> Unsigned<BigInt>,
        cn -> Varchar,
        uid -> Varchar,
        mail -> Varchar,
        password_hash -> Varchar,
        token_hash -> Binary,
        created_at -> Datetime,
        link_expires_at -> Datetime,
        activated_at -> Nullable<Datetime>,
        uid_number -> Nullable<Unsigned<Integer>>,
        provisioned_at -> Nullable<Datetime>,
    }
}

diesel::table! {
    ssh_keys (id) {
        id -> Unsigned<BigInt>,
        uid -> Varchar,
        key_system -> Varchar,
        key_type -> Varchar,
        bits -> Unsigned<Integer>,
        fingerprint -> Varchar,
        public_key -> Text,
        comment -> Varchar,
        active -> Bool,
        imported -> Bool,
        created_at -> Datetime,
        updated_at -> Datetime,
    }
}

diesel::table! {
    sso_flows (id) {
        id -> Unsigned<BigInt>,
        state_hash -> Binary,
        backend -> Varchar,
        nonce -> Varchar,
        pkce_verifier -> Varchar,
        next_path -> Varchar,
        uid -> Nullable<Varchar>,
        created_at -> Datetime,
    }
}

diesel::table! {
    timer_runs (name) {
        name -> Varchar,
        last_started_at -> Nullable<Datetime>,
        last_success_at -> Nullable<Datetime>,
        last_failure_at -> Nullable<Datetime>,
        last_duration_ms -> Nullable<Unsigned<BigInt>>,
        last_error -> Nullable<Varchar>,
        last_trigger -> Nullable<Varchar>,
        last_host -> Nullable<Varchar>,
        successes -> Unsigned<BigInt>,
        failures -> Unsigned<BigInt>,
    }
}

diesel::table! {
    twofactor_recovery_codes (id) {
        id -> Unsigned<BigInt>,
        uid -> Varchar,
        code_hash -> Binary,
        created_at -> Datetime,
        used_at -> Nullable<Datetime>,
    }
}

diesel::table! {
    twofactor_secrets (uid) {
        uid -> Varchar,
        secret_encrypted -> Varbinary,
        key_id -> Varchar,
        enabled -> Bool,
        created_at -> Datetime,
        enabled_at -> Nullable<Datetime>,
    }
}

diesel::table! {
    uid_number_counter (name) {
        name -> Varchar,
        next_value -> Unsigned<Integer>,
    }
}

diesel::table! {
    web_sessions (id) {
        id -> Binary,
        state -> Text,
        user_uid -> Nullable<Varchar>,
        created_at -> Datetime,
        expires_at -> Datetime,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    access_request_events,
    access_requests,
    api_tokens,
    audit_log,
    block_actions,
    block_systems,
    blocklist_entries,
    blocklist_ip_blocks,
    blocklist_versions,
    job_outbox,
    legacy_import_map,
    name_skeletons,
    signup_captchas,
    signups,
    ssh_keys,
    sso_flows,
    timer_runs,
    twofactor_recovery_codes,
    twofactor_secrets,
    uid_number_counter,
    web_sessions,
);
