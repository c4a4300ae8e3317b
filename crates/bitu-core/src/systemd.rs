//! Talking to systemd when it runs us: READY once the backing services answered, STOPPING on
//! a graceful stop, and watchdog pings. Without `NOTIFY_SOCKET` every call does nothing, so
//! the daemons run the same by hand.

use std::time::Duration;

use sd_notify::NotifyState;
use tracing::{debug, warn};

fn send(states: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(states) {
        warn!(error = %e, "cannot notify systemd");
    }
}

/// Tells systemd start-up is over (`Type=notify` units count as started from here).
pub fn ready(status: &str) {
    send(&[NotifyState::Ready, NotifyState::Status(status)]);
}

/// Tells systemd a graceful stop began.
pub fn stopping() {
    send(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
}

/// How often systemd wants a watchdog ping, when the unit sets `WatchdogSec=`.
pub fn watchdog_interval() -> Option<Duration> {
    sd_notify::watchdog_enabled()
}

/// Pings the watchdog at half its interval from the current Tokio runtime, so a wedged
/// runtime gets the process restarted; `None` when no watchdog is asked for.
pub fn spawn_watchdog() -> Option<tokio::task::JoinHandle<()>> {
    let interval = watchdog_interval()?;
    let period = (interval / 2).max(Duration::from_millis(50));
    debug!(?interval, "systemd watchdog enabled");
    Some(tokio::spawn(async move {
        loop {
            send(&[NotifyState::Watchdog]);
            tokio::time::sleep(period).await;
        }
    }))
}
