//! Keeping the index in step with the store: follow the change log.

use std::{
    collections::HashSet,
    sync::{Arc, RwLock},
    time::Duration,
};

use gongce_shared::ToiletId;

use crate::{
    index::Index,
    store::{Changes, Store},
};

/// Applies what changed after log position `seq`; returns the new position.
pub async fn catch_up(store: &Store, index: &RwLock<Index>, seq: i64) -> anyhow::Result<i64> {
    match store.changes_since(seq).await? {
        Changes::Rows { ids, toilets, seq } => {
            if !ids.is_empty() {
                let present: HashSet<ToiletId> = toilets.iter().map(|t| t.id).collect();
                let mut index = index.write().expect("index lock");
                for id in ids.iter().filter(|id| !present.contains(id)) {
                    index.remove(*id);
                }
                for toilet in toilets {
                    index.upsert(toilet);
                }
                tracing::info!(
                    changed = ids.len(),
                    toilets = index.len(),
                    "applied changes"
                );
            }
            Ok(seq)
        }
        Changes::Reload(snapshot) => {
            let rebuilt = Index::build(snapshot.toilets);
            let toilets = rebuilt.len();
            *index.write().expect("index lock") = rebuilt;
            tracing::info!(toilets, "reloaded the index");
            Ok(snapshot.seq)
        }
    }
}

/// Polls the change log every `every`, forever; errors are logged and retried.
pub async fn follow(store: Store, index: Arc<RwLock<Index>>, mut seq: i64, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match catch_up(&store, &index, seq).await {
            Ok(next) => seq = next,
            Err(e) => tracing::warn!("cannot follow the change log: {e:#}"),
        }
    }
}
