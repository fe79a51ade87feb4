//! The one retry and deadline policy for the whole exchange.
//!
//! One attempt is "fetch a fresh JWT, then call STS". Only transient failures are retried, with
//! exponential backoff and full jitter (<https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/>),
//! and attempts are counted once for both calls, so retries never multiply. There is no sleep after the
//! last attempt, and one overall deadline bounds everything, sleeps included.

use std::time::Duration;

use tokio::time::Instant;

/// Whether a failure is worth another attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Transient: try again after a backoff.
    Transient,
    /// Transient, but worth only one more attempt (an expired JWT: a fresh one fixes it or nothing does).
    Once,
    /// Permanent: fail at once.
    Permanent,
}

/// Backoff parameters.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Upper bound of the first delay.
    pub base: Duration,
    /// Largest delay.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(20),
        }
    }
}

impl Backoff {
    /// The delay before retry number `retry` (0 for the first retry): uniform in
    /// `0..=min(cap, base * 2^retry)`.
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(1u32 << retry.min(16))
            .min(self.cap);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(fastrand::u64(0..=millis))
    }
}

/// One instant by which the whole exchange must end.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    at: Instant,
    total: Duration,
}

impl Deadline {
    /// A deadline `total` from now.
    pub fn after(total: Duration) -> Self {
        Self {
            at: Instant::now() + total,
            total,
        }
    }

    /// Time left, zero once passed.
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// The instant itself.
    pub fn instant(&self) -> Instant {
        self.at
    }

    /// The whole allowance, for messages.
    pub fn total(&self) -> Duration {
        self.total
    }
}

/// Counts attempts and decides whether and how long to wait before the next one.
#[derive(Debug)]
pub struct Attempts {
    max: u32,
    made: u32,
    once_used: bool,
    backoff: Backoff,
}

impl Attempts {
    /// At most `max` attempts (at least one).
    pub fn new(max: u32, backoff: Backoff) -> Self {
        Self {
            max: max.max(1),
            made: 0,
            once_used: false,
            backoff,
        }
    }

    /// Records the start of an attempt and returns its number, from 1.
    pub fn start(&mut self) -> u32 {
        self.made += 1;
        self.made
    }

    /// The configured maximum.
    pub fn max(&self) -> u32 {
        self.max
    }

    /// After a failure: the delay before the next attempt, or `None` to stop now (permanent
    /// failure, attempts used up, or the delay would run past the deadline).
    pub fn next_delay(&mut self, retry: Retry, deadline: &Deadline) -> Option<Duration> {
        match retry {
            Retry::Permanent => return None,
            Retry::Once if self.once_used => return None,
            Retry::Once => self.once_used = true,
            Retry::Transient => {}
        }
        if self.made >= self.max {
            return None;
        }
        let delay = self.backoff.delay(self.made - 1);
        (delay < deadline.remaining()).then_some(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::{Attempts, Backoff, Deadline, Retry};
    use std::time::Duration;

    #[test]
    fn delays_stay_within_the_jittered_ceiling() {
        let backoff = Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_millis(1000),
        };
        for retry in 0..20 {
            let ceiling = Duration::from_millis(100 * (1u64 << retry.min(16)))
                .min(Duration::from_millis(1000));
            for _ in 0..50 {
                assert!(backoff.delay(retry) <= ceiling);
            }
        }
    }

    #[test]
    fn delays_grow_with_each_retry_and_are_jittered() {
        let backoff = Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(10),
        };
        // 200 draws of a uniform delay in 0..=800 ms: that none passes 100 ms, or that all are
        // equal, has a probability below 1e-180.
        let draws: Vec<Duration> = (0..200).map(|_| backoff.delay(3)).collect();
        assert!(
            draws.iter().any(|d| *d > Duration::from_millis(100)),
            "{draws:?}"
        );
        assert!(draws.iter().any(|d| *d != draws[0]), "jittered: {draws:?}");
        let first: Vec<Duration> = (0..200).map(|_| backoff.delay(0)).collect();
        assert!(first.iter().any(|d| !d.is_zero()), "{first:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn attempts_are_bounded_and_permanent_errors_stop_at_once() {
        let deadline = Deadline::after(Duration::from_secs(600));
        let mut attempts = Attempts::new(3, Backoff::default());
        attempts.start();
        assert_eq!(attempts.next_delay(Retry::Permanent, &deadline), None);
        assert!(attempts.next_delay(Retry::Transient, &deadline).is_some());
        attempts.start();
        assert!(attempts.next_delay(Retry::Transient, &deadline).is_some());
        attempts.start();
        // No sleep after the last attempt.
        assert_eq!(attempts.next_delay(Retry::Transient, &deadline), None);
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_retry_waits_at_most_the_base_delay() {
        let deadline = Deadline::after(Duration::from_secs(600));
        let backoff = Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(10),
        };
        // Drawn 200 times: a ceiling of 200 ms or more would show within them (p < 1e-60).
        for _ in 0..200 {
            let mut attempts = Attempts::new(5, backoff);
            attempts.start();
            let delay = attempts
                .next_delay(Retry::Transient, &deadline)
                .expect("a retry");
            assert!(delay <= Duration::from_millis(100), "{delay:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn no_retry_once_the_deadline_has_passed_even_without_a_delay() {
        let deadline = Deadline::after(Duration::from_millis(1));
        let mut attempts = Attempts::new(
            10,
            Backoff {
                base: Duration::ZERO,
                cap: Duration::ZERO,
            },
        );
        attempts.start();
        tokio::time::advance(Duration::from_millis(2)).await;
        assert_eq!(attempts.next_delay(Retry::Transient, &deadline), None);
    }

    #[tokio::test(start_paused = true)]
    async fn once_retries_only_once() {
        let deadline = Deadline::after(Duration::from_secs(600));
        let mut attempts = Attempts::new(10, Backoff::default());
        attempts.start();
        assert!(attempts.next_delay(Retry::Once, &deadline).is_some());
        attempts.start();
        assert_eq!(attempts.next_delay(Retry::Once, &deadline), None);
    }

    #[tokio::test(start_paused = true)]
    async fn no_retry_past_the_deadline() {
        let deadline = Deadline::after(Duration::from_millis(1));
        let backoff = Backoff {
            base: Duration::from_secs(10),
            cap: Duration::from_secs(10),
        };
        let mut attempts = Attempts::new(10, backoff);
        attempts.start();
        tokio::time::advance(Duration::from_millis(2)).await;
        assert_eq!(attempts.next_delay(Retry::Transient, &deadline), None);
    }
}
