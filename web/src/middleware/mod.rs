//! Middleware run around every request.

pub mod host_check;
