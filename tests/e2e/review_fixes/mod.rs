//! Regression tests for the findings of the security review: each failed before its fix.

mod access_log;
mod signin_race;
