//! Keeping the index in step with the store: follow the change log.
//!
//! The change log is the truth; being told of a change only says when to
//! read it. On SQLite the log is polled every sync interval. On PostgreSQL
//! a listening connection is woken by the trigger's NOTIFY (so another
//! replica's write is applied within milliseconds), and the log is also read
//! after the listening connection comes back (notifications sent while it
//! was down are lost, the log rows are not) and on the same interval as a
//! safety net. A replica restarted with `kill -9` loads a snapshot and
//! follows from its position, like any new replica.

use std::{
    collections::HashSet,
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use gongce_shared::ToiletId;
use tokio::sync::Notify;

use crate::{
    index::{
        Index,
        image::{Image, Mark},
    },
    store::{Changes, Store},
};

/// How far this server has followed the log, for `/readyz`.
pub struct SyncStatus {
    /// The last log position applied.
    pub seq: AtomicI64,
    /// When the log was last read without error.
    last_ok: Mutex<chrono::DateTime<chrono::Utc>>,
    /// How often the log is read at the least.
    pub every: Duration,
    clock: crate::clock::Clock,
    /// Held while the log is read and applied, so that two readers (the
    /// follower and a handler that wants its write served at once) apply
    /// in turn and the position only moves forward.
    applying: tokio::sync::Mutex<()>,
}

impl SyncStatus {
    /// At log position `seq`, read every `every`, timed by `clock`.
    pub fn new(seq: i64, every: Duration, clock: crate::clock::Clock) -> Self {
        SyncStatus {
            seq: AtomicI64::new(seq),
            last_ok: Mutex::new(clock()),
            every,
            clock,
            applying: tokio::sync::Mutex::new(()),
        }
    }

    fn caught_up(&self, seq: i64) {
        self.seq.store(seq, Ordering::Relaxed);
        *self.last_ok.lock().unwrap_or_else(|e| e.into_inner()) = (self.clock)();
    }

    /// How long since the log was last read without error.
    pub fn since_ok(&self) -> Duration {
        let last = *self.last_ok.lock().unwrap_or_else(|e| e.into_inner());
        ((self.clock)() - last).to_std().unwrap_or_default()
    }
}

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
                    seq,
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

/// How many log entries an index image names: enough that another
/// history (another store, a restored backup written on since) does not
/// name the same toilets at the same numbers.
const IMAGE_TAIL: i64 = 16;

/// The index from the image at `path`, caught up with the log, and its log
/// position; `None` (logged, with why) when there is no image this store
/// can start from, so the caller reads every toilet instead.
pub async fn from_image(store: &Store, path: &std::path::Path) -> Option<(Index, i64)> {
    let started = std::time::Instant::now();
    let reading = path.to_owned();
    let unusable = |e: anyhow::Error| -> Option<(Index, i64)> {
        tracing::warn!(path = %path.display(), "cannot use the index image, reading every toilet: {e:#}");
        None
    };
    let image = match joined(tokio::task::spawn_blocking(move || Image::read(&reading)).await) {
        Ok(Some(image)) => image,
        Ok(None) => {
            tracing::info!(path = %path.display(), "no index image yet: reading every toilet");
            return None;
        }
        Err(e) => return unusable(e),
    };
    let mark = image.mark().clone();
    let history = async {
        Ok::<_, crate::store::Error>((
            store.identity().await?,
            store.log_tail(mark.seq, IMAGE_TAIL).await?,
        ))
    };
    match history.await {
        Ok((identity, tail)) if identity == mark.store && tail == mark.tail => {}
        Ok(_) => {
            tracing::info!(
                path = %path.display(),
                seq = mark.seq,
                "the index image was made from another store, or another history of it: reading every toilet"
            );
            return None;
        }
        Err(e) => return unusable(e.into()),
    }
    let index = match joined(tokio::task::spawn_blocking(move || image.index()).await) {
        Ok(index) => RwLock::new(index),
        Err(e) => return unusable(e),
    };
    let read_ms = started.elapsed().as_millis() as u64;
    let seq = match catch_up(store, &index, mark.seq).await {
        Ok(seq) => seq,
        Err(e) => return unusable(e.context("following the change log from it")),
    };
    let index = index.into_inner().unwrap_or_else(|e| e.into_inner());
    tracing::info!(
        toilets = index.len(),
        image_seq = mark.seq,
        seq,
        read_ms,
        "started from the index image"
    );
    Some((index, seq))
}

/// A blocking task's answer, its panic as an error.
fn joined<T>(answer: Result<anyhow::Result<T>, tokio::task::JoinError>) -> anyhow::Result<T> {
    answer?
}

/// Writes the index as an image at `path`, at the log position it has
/// followed to (the follower stopped or waiting its turn meanwhile): when
/// the server stops.
pub async fn save_image(
    store: &Store,
    index: &Arc<RwLock<Index>>,
    status: &SyncStatus,
    path: std::path::PathBuf,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let _turn = status.applying.lock().await;
    let seq = status.seq.load(Ordering::Relaxed);
    let mark = Mark {
        store: store.identity().await?,
        seq,
        tail: store.log_tail(seq, IMAGE_TAIL).await?,
    };
    let index = Arc::clone(index);
    let writing = path.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        crate::index::image::write(&index.read().expect("index lock"), &mark, &writing)
    })
    .await??;
    tracing::info!(
        path = %path.display(),
        seq,
        bytes,
        ms = started.elapsed().as_millis() as u64,
        "wrote the index image"
    );
    Ok(())
}

/// Applies what the log holds beyond `status.seq` now, and moves it on.
pub async fn sync_now(
    store: &Store,
    index: &RwLock<Index>,
    status: &SyncStatus,
) -> anyhow::Result<()> {
    let _turn = status.applying.lock().await;
    let next = catch_up(store, index, status.seq.load(Ordering::Relaxed)).await?;
    status.caught_up(next);
    Ok(())
}

/// Follows the change log forever from `status.seq`; errors are logged
/// and retried.
pub async fn follow(store: Store, index: Arc<RwLock<Index>>, status: Arc<SyncStatus>) {
    let wake = Arc::new(Notify::new());
    // Stopped when this task is.
    let _listening = match &store {
        Store::Postgres(pg) => Some(AbortOnDrop(tokio::spawn(listen(
            pg.clone(),
            Arc::clone(&wake),
        )))),
        Store::Sqlite(_) => None,
    };
    loop {
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(status.every) => {}
        }
        if let Err(e) = sync_now(&store, &index, &status).await {
            tracing::warn!("cannot follow the change log: {e:#}");
        }
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Wakes the follower on each notification, and whenever the listening
/// connection was lost and is back (what was sent meanwhile is lost).
async fn listen(pg: crate::store::postgres::Postgres, wake: Arc<Notify>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let mut listener = match pg.listen().await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!("cannot listen for changes: {e:#}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        backoff = Duration::from_millis(100);
        // Anything committed before LISTEN took effect is read now.
        wake.notify_one();
        loop {
            match listener.try_recv().await {
                Ok(Some(_)) => wake.notify_one(),
                Ok(None) => {
                    tracing::warn!("lost the listening connection; reconnecting and catching up");
                    wake.notify_one();
                }
                Err(sqlx::Error::PoolClosed) => return,
                Err(e) => {
                    tracing::warn!("listening for changes failed: {e:#}");
                    wake.notify_one();
                    tokio::time::sleep(backoff).await;
                    break;
                }
            }
        }
    }
}
