//! Whether a client may submit a sign-up at all, before any field is looked at: at most
//! `[signup] attempts_per_ip_per_hour` attempts per address, and none from an address a
//! global block covers (when `[blocklist] ip_check` is on).

use std::net::IpAddr;
use std::time::Duration;

use tracing::warn;

use crate::account::rate_limit::AttemptLimiter;
use crate::blocklist::ip::{IpBlockLookup, refusal_message};
use crate::clock::Clock;
use crate::config::Settings;
use crate::error::Result;

/// Limiter bucket of sign-up attempts per client address.
pub const IP_BUCKET: &str = "signup-ip";
const HOUR: Duration = Duration::from_secs(3600);

/// The verdict on a client about to sign up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Go on to the fields.
    Open,
    /// Too many attempts from this address this hour.
    TooManyAttempts,
    /// A global block covers the address; the message says which and why.
    Blocked(crate::i18n::Msg),
}

/// Admission over a counter, the IP blocks and a clock.
pub struct SignupGate<'a, L, I, C> {
    /// Counts attempts per address.
    pub limiter: &'a L,
    /// The imported global IP blocks.
    pub ip_blocks: &'a I,
    /// Decides which blocks have expired.
    pub clock: &'a C,
    /// `[signup]` and `[blocklist]`.
    pub settings: &'a Settings,
}

impl<L: AttemptLimiter, I: IpBlockLookup, C: Clock> SignupGate<'_, L, I, C> {
    /// Counts this attempt of `client` (None: address unknown) and says whether it may go on.
    pub async fn admit(&self, client: Option<IpAddr>) -> Result<Admission> {
        let ip = client.map(|ip| ip.to_string()).unwrap_or_default();
        let limit = self.settings.signup.attempts_per_ip_per_hour;
        if self.limiter.hit(IP_BUCKET, &ip, limit, HOUR).await {
            warn!(client_ip = %ip, "sign-up refused: too many attempts");
            return Ok(Admission::TooManyAttempts);
        }
        let Some(address) = client.filter(|_| self.settings.blocklist.ip_check) else {
            return Ok(Admission::Open);
        };
        let blocks = self
            .ip_blocks
            .blocks_covering(address, self.clock.now_naive())
            .await?;
        Ok(match blocks.first() {
            Some(block) => {
                warn!(client_ip = %ip, "sign-up refused: address globally blocked");
                Admission::Blocked(refusal_message(address, block))
            }
            None => Admission::Open,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{TimeDelta, TimeZone, Utc};

    use super::*;
    use crate::clock::FixedClock;
    use crate::memory::{MemoryIpBlocks, MemoryLimiter};

    struct World {
        clock: Arc<FixedClock>,
        limiter: MemoryLimiter,
        blocks: MemoryIpBlocks,
        settings: Settings,
    }

    impl World {
        fn new() -> World {
            let clock = Arc::new(FixedClock::at(
                Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap(),
            ));
            let mut settings = Settings::default();
            settings.blocklist.ip_check = true;
            World {
                limiter: MemoryLimiter::new(clock.clone()),
                clock,
                blocks: MemoryIpBlocks::default(),
                settings,
            }
        }

        async fn admit(&self, ip: &str) -> Admission {
            SignupGate {
                limiter: &self.limiter,
                ip_blocks: &self.blocks,
                clock: self.clock.as_ref(),
                settings: &self.settings,
            }
            .admit(ip.parse().ok())
            .await
            .unwrap()
        }
    }

    #[tokio::test]
    async fn a_blocked_range_is_refused_with_its_reason_until_the_block_expires() {
        let world = World::new();
        let expiry = world.clock.now_naive() + TimeDelta::days(1);
        world
            .blocks
            .block("192.0.2.0/24", "metawiki", "open proxy", Some(expiry));
        let Admission::Blocked(message) = world.admit("192.0.2.77").await else {
            panic!("not blocked");
        };
        let message = message.to_string();
        assert!(message.contains("192.0.2.0/24 on metawiki"), "{message}");
        assert!(message.contains("open proxy"), "{message}");
        assert_eq!(world.admit("192.0.3.1").await, Admission::Open);
        world.clock.advance(TimeDelta::days(1));
        assert_eq!(world.admit("192.0.2.77").await, Admission::Open);
    }

    #[tokio::test]
    async fn blocks_are_ignored_when_the_ip_check_is_off() {
        let mut world = World::new();
        world.settings.blocklist.ip_check = false;
        world
            .blocks
            .block("2001:db8::/32", "metawiki", "range", None);
        assert_eq!(world.admit("2001:db8::5").await, Admission::Open);
    }

    #[tokio::test]
    async fn attempts_per_address_are_limited_per_hour() {
        let mut world = World::new();
        world.settings.signup.attempts_per_ip_per_hour = 3;
        for _ in 0..3 {
            assert_eq!(world.admit("198.51.100.1").await, Admission::Open);
        }
        assert_eq!(
            world.admit("198.51.100.1").await,
            Admission::TooManyAttempts
        );
        assert_eq!(world.admit("198.51.100.2").await, Admission::Open);
        world.clock.advance(TimeDelta::hours(1));
        assert_eq!(world.admit("198.51.100.1").await, Admission::Open);
    }
}
