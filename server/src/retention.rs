//! The background task that keeps the store's tables bounded: once an hour
//! (and once at start), [`Store::prune`] with the configured retention, and
//! uploads older than a day are deleted.

use std::{path::PathBuf, time::Duration};

use crate::store::{Store, retention::Retention};

pub async fn run(store: Store, keep: Retention, every: Duration, uploads: PathBuf) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match store.prune(keep).await {
            Ok(pruned) if pruned == Default::default() => {}
            Ok(pruned) => tracing::info!(
                throttles = pruned.throttles,
                deliveries = pruned.deliveries,
                sessions = pruned.sessions,
                change_log = pruned.change_log,
                legacy = pruned.legacy,
                "pruned the store"
            ),
            Err(e) => tracing::warn!(error = %e, "cannot prune the store; will try again"),
        }
        crate::http::imports::forget_old_uploads(&uploads).await;
    }
}
