//! Group access requests against real slapd (rfc2307bis groups), MariaDB, Redis, bitu-rq and
//! the SMTP sink: the workflow services, the membership jobs and the mails.

mod support;
mod workflow;
