//! Sign-up: the validators, the stored sign-ups and their activation, the captcha, POSIX id
//! allocation, provisioning of the LDAP entry, and the expiry of stale sign-ups.

pub mod admission;
pub mod captcha;
pub mod expire;
pub mod names;
pub mod provision;
pub mod service;
pub mod store;
pub mod uid_numbers;
pub mod validate;
