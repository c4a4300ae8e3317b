//! Middleware run around every request.

pub mod access_log;
pub mod csrf;
pub mod error_pages;
pub mod guard;
pub mod host_check;
pub mod ops;
