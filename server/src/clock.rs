//! What the time is. The server asks the system; tests hand the store, the
//! HTTP layer and the webhook worker a clock they move themselves.

use std::sync::Arc;

use chrono::{DateTime, Utc};

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The system's clock.
pub fn system() -> Clock {
    Arc::new(Utc::now)
}
