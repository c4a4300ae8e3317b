//! Middleware run around every request.

pub mod access_log;
pub mod csrf;
pub mod guard;
pub mod host_check;
pub mod ops;
