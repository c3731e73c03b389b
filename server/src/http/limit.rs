//! The public read limiter: each client (its address behind trusted
//! proxies, an IPv6 client by its /64) may send so many API reads a second,
//! with a burst on top. Beyond it: 429 with `Retry-After`. Counted in
//! memory (governor's GCRA, one cell per client), per server.
//!
//! `GONGCE_READ_LIMIT=off` turns it off (benchmarks do); the default is
//! generous: a resident panning the map sends a few reads a second.

use std::{fmt, num::NonZeroU32, str::FromStr, time::Duration};

use axum::{
    extract::Request,
    http::Method,
    response::{IntoResponse as _, Response},
};
use governor::{
    Quota, RateLimiter, clock::Clock as _, middleware::NoOpMiddleware, nanos::Nanos,
    state::keyed::DashMapStateStore,
};

use super::{ApiError, AppState, auth::client_addr};

/// `off`, or reads per client a second: `20/s` (or `600/min`). The burst
/// on top is a setting of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadLimit {
    Off,
    PerSecond(u32),
}

impl FromStr for ReadLimit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if matches!(s, "off" | "false" | "0" | "no") {
            return Ok(ReadLimit::Off);
        }
        let bad = || format!("{s:?}: expected off, or requests per client as 20/s or 600/min");
        let (n, unit) = s.split_once('/').ok_or_else(bad)?;
        let n: u32 = n.trim().parse().map_err(|_| bad())?;
        let per_second = match unit.trim() {
            "s" | "sec" | "second" => n,
            "min" | "minute" => n.div_ceil(60),
            _ => return Err(bad()),
        };
        if per_second == 0 {
            return Err(bad());
        }
        Ok(ReadLimit::PerSecond(per_second))
    }
}

impl fmt::Display for ReadLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadLimit::Off => f.write_str("off"),
            ReadLimit::PerSecond(n) => write!(f, "{n}/s per client"),
        }
    }
}

/// governor's clock, read from the app's (tests move it by hand).
#[derive(Clone)]
struct AppClock(crate::clock::Clock);

impl governor::clock::Clock for AppClock {
    type Instant = Nanos;
    fn now(&self) -> Nanos {
        let t = (self.0)();
        Nanos::from(t.timestamp_nanos_opt().unwrap_or_default().max(0) as u64)
    }
}

/// The limiter itself, shared by every request of a server.
pub struct Limiter {
    limiter: RateLimiter<String, DashMapStateStore<String>, AppClock, NoOpMiddleware<Nanos>>,
    clock: AppClock,
}

impl Limiter {
    /// `None` when `limit` is off; `burst` reads at once above the rate.
    pub fn new(limit: ReadLimit, burst: u32, clock: crate::clock::Clock) -> Option<Limiter> {
        let ReadLimit::PerSecond(per_second) = limit else {
            return None;
        };
        let quota = Quota::per_second(NonZeroU32::new(per_second)?)
            .allow_burst(NonZeroU32::new(burst.max(1)).expect("at least 1"));
        let clock = AppClock(clock);
        Some(Limiter {
            limiter: RateLimiter::new(quota, DashMapStateStore::default(), clock.clone()),
            clock,
        })
    }

    /// How long `client` must wait, if it must.
    fn check(&self, client: String) -> Option<Duration> {
        self.limiter
            .check_key(&client)
            .err()
            .map(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Forgets clients whose allowance is full again (called every minute).
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    pub fn clients(&self) -> usize {
        self.limiter.len()
    }
}

/// Counts GET and HEAD requests to the API against the client's
/// allowance: the 429 answer when it is spent.
pub fn check(state: &AppState, request: &Request) -> Option<Response> {
    let limiter = state.read_limit.as_deref()?;
    if !matches!(*request.method(), Method::GET | Method::HEAD)
        || !request.uri().path().starts_with("/api/")
    {
        return None;
    }
    let client = client_addr(state, request.extensions(), request.headers());
    if let Some(wait) = limiter.check(client) {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        return Some(
            ApiError::too_many(
                "read",
                seconds,
                format!(
                    "too many requests from here; try again in {} s",
                    seconds.max(1)
                ),
            )
            .into_response(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_as_rates() {
        assert_eq!("off".parse(), Ok(ReadLimit::Off));
        assert_eq!("20/s".parse(), Ok(ReadLimit::PerSecond(20)));
        assert_eq!("600/min".parse(), Ok(ReadLimit::PerSecond(10)));
        for bad in ["", "20", "x/s", "0/s", "20/h"] {
            assert!(bad.parse::<ReadLimit>().is_err(), "{bad}");
        }
    }
}
