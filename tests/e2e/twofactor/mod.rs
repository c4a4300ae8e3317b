//! Two-factor sign-in (#18) against the real services: enrolment and sign-in with a code in
//! Chromium; recovery codes, replay across two bitu-web processes, rate limits, disabling,
//! a manager's reset and the half-signed-in state over HTTP; the check API.

mod api;
mod browser;
mod rotate;
mod signin;
mod support;
