//! Retry delays: exponential with jitter, so a burst of failures does not come back at once.

use std::time::Duration;

use rand::Rng;

/// Delay before run `attempt + 1` after run `attempt` (1-based) failed: `base · 2^(attempt-1)`
/// capped at `max`, then a random point in its upper half ("equal jitter").
pub fn delay(attempt: u32, base: Duration, max: Duration) -> Duration {
    let exponent = attempt.saturating_sub(1).min(30);
    let full = base.saturating_mul(1 << exponent).min(max);
    let half = full / 2;
    let jitter = rand::rng().random_range(0..=u64::try_from(half.as_millis()).unwrap_or(u64::MAX));
    half + Duration::from_millis(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stay_within_bounds() {
        let base = Duration::from_secs(10);
        let max = Duration::from_secs(3600);
        for _ in 0..100 {
            let first = delay(1, base, max);
            assert!(
                first >= Duration::from_secs(5) && first <= base,
                "{first:?}"
            );
            let fourth = delay(4, base, max);
            assert!(fourth >= Duration::from_secs(40) && fourth <= Duration::from_secs(80));
            let late = delay(40, base, max);
            assert!(late >= max / 2 && late <= max, "{late:?}");
        }
    }
}
