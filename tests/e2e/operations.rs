//! What on-call does, done by tests: restarts under load (bitu-web on its inherited socket,
//! bitu-rq mid-drain), timer jobs twice at once and from bitu-rq's scheduler, the systemd
//! units verified, metrics scraped, JSON logs, two web hosts sharing users, and a standby
//! reached by the service name.

mod hosts;
mod observability;
mod restarts;
mod support;
mod timers;
