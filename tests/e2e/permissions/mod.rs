//! Group access requests against real slapd (rfc2307bis groups), MariaDB, Redis, bitu-rq and
//! the SMTP sink: the workflow services, the membership jobs and the mails; the pages in
//! Chromium; the JSON API and votes during an LDAP outage through bitu-web.

mod pages;
pub mod support;
mod web_api;
mod workflow;
