//! Regression tests for the findings of the security review: each failed before its fix.

mod access_log;
mod ended_sessions;
mod signin_race;
