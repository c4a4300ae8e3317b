//! One module per page or endpoint; each stays thin: parse, call a service, render.

pub mod account;
pub mod assets;
pub mod blocking;
pub mod health;
pub mod home;
pub mod keys;
pub mod legacy;
pub mod not_found;
pub mod paging;
pub mod permissions;
pub mod signup;
pub mod signup_api;
pub mod sso;
pub mod twofactor;
