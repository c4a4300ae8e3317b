//! The signed-in side of Bitu: sign-in, sessions, API tokens, password rules and the links
//! that reset a password or confirm an address.

pub mod attributes;
pub mod email_change;
pub mod mail_request;
pub mod password;
mod password_hints;
pub mod password_rules;
pub mod rate_limit;
pub mod recovery;
pub mod sessions;
pub mod signed_links;
pub mod signin;
pub mod tokens;
