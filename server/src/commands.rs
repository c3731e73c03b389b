//! `gongce serve` and `gongce import`: start-up and shutdown around the library.

use std::{
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use anyhow::Context as _;

use crate::{
    config::{ImportArgs, ServeArgs},
    http::{AppState, app},
    import,
    index::Index,
    store::Store,
};

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let store = Store::open(&args.store.database_url).await?;
    let opened = started.elapsed();
    let snapshot = store.snapshot().await.context("cannot load the toilets")?;
    let read = started.elapsed() - opened;
    let seq = snapshot.seq;
    let index = Arc::new(RwLock::new(Index::build(snapshot.toilets)));
    let toilets = index.read().expect("index lock").len();
    tracing::info!(
        toilets,
        open_ms = opened.as_millis() as u64,
        read_ms = read.as_millis() as u64,
        index_ms = (started.elapsed() - opened - read).as_millis() as u64,
        "loaded"
    );

    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = listener.local_addr()?;
    let follower = tokio::spawn(crate::sync::follow(
        store.clone(),
        Arc::clone(&index),
        seq,
        Duration::from_millis(args.sync_interval_ms.max(10)),
    ));
    tracing::info!(
        toilets,
        ready_ms = started.elapsed().as_millis() as u64,
        "listening on http://{addr}"
    );
    // Render every toilet's JSON now rather than on first request.
    let rendering = Arc::clone(&index);
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        Index::render(&rendering);
        tracing::info!(
            ms = started.elapsed().as_millis() as u64,
            "rendered every toilet's JSON"
        );
    });
    // Scripts and tests read the address from this line.
    println!("gongce listening on http://{addr}");

    let state = AppState::new(index, store.clone());
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the server failed")?;
    follower.abort();
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Returns whether every row was accepted.
pub async fn import(args: ImportArgs) -> anyhow::Result<bool> {
    let source = match args.source {
        Some(s) => s,
        None => args
            .file
            .file_stem()
            .and_then(|s| s.to_str())
            .context("cannot name the source from the file name; pass --source")?
            .to_owned(),
    };
    let options = import::Options {
        source,
        timezone: args.timezone,
    };
    let parsed = import::parse_file(&args.file, args.format, &options)?;
    if !parsed.ignored_columns.is_empty() {
        eprintln!("ignored columns: {}", parsed.ignored_columns.join(", "));
    }
    if !parsed.rejected.is_empty() {
        eprintln!("{}", import::report_table(&parsed.rejected));
    }
    let rejected_rows = parsed.rejected_rows();
    if rejected_rows > 0 && !args.skip_invalid {
        eprintln!(
            "nothing written: {rejected_rows} of {} rows rejected; fix them, or pass --skip-invalid to import the other {}",
            parsed.total,
            parsed.rows.len()
        );
        return Ok(false);
    }
    let store = Store::open(&args.store.database_url).await?;
    let counts = store.import(&parsed.rows).await?;
    store.close().await;
    println!(
        "read {} rows from {}: {} inserted, {} updated, {} unchanged, {} rejected",
        parsed.total,
        args.file.display(),
        counts.inserted,
        counts.updated,
        counts.unchanged,
        rejected_rows
    );
    Ok(true)
}
