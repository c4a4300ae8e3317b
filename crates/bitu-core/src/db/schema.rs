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
