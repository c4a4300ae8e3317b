//! Regression tests for the findings of the security review: each failed before its fix.

mod access_log;
mod captcha_flood;
mod ended_sessions;
mod signin_race;
