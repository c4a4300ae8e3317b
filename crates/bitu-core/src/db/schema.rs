//! Diesel table definitions, kept in step with migrations/ by hand.
#![allow(missing_docs)]

diesel::table! {
    web_sessions (id) {
        id -> Binary,
        state -> Text,
        user_uid -> Nullable<Varchar>,
        created_at -> Datetime,
        expires_at -> Datetime,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Unsigned<Bigint>,
        uid -> Varchar,
        name -> Varchar,
        token_hash -> Binary,
        hint -> Varchar,
        created_at -> Datetime,
        last_used_at -> Nullable<Datetime>,
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
    signups (id) {
        id -> Unsigned<Bigint>,
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
    signup_captchas (id) {
        id -> Binary,
        answer -> Varchar,
        expires_at -> Datetime,
    }
}

diesel::table! {
    uid_number_counter (name) {
        name -> Varchar,
        next_value -> Unsigned<Integer>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Unsigned<Bigint>,
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
