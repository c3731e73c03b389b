//! `gongce serve` and `gongce import`: start-up and shutdown around the library.

use std::{
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use anyhow::Context as _;

use crate::{
    config::{ExportArgs, ImportArgs, OrgArgs, OrgCommand, ServeArgs, UserArgs, UserCommand},
    http::{AppState, app},
    import,
    index::Index,
    store::{ImportTarget, Store},
};

/// Settings from before this release that now mean something else: a
/// server that silently ignored them would run less safely than intended.
const REPLACED: [(&str, &str); 1] = [(
    "GONGCE_TRUST_FORWARDED_FOR",
    "list the proxies instead: GONGCE_TRUSTED_PROXIES=10.0.0.0/8 (addresses or CIDRs)",
)];

/// Checks what `serve` would run with, without opening anything: the
/// tiles, the web app folder, the store's URL, and settings that were
/// replaced. Answers the map tiles.
pub fn check_serve_args(
    args: &ServeArgs,
) -> anyhow::Result<(
    crate::http::webapp::Tiles,
    Option<crate::http::assets::Assets>,
)> {
    for (name, instead) in REPLACED {
        if std::env::var_os(name).is_some() {
            anyhow::bail!("{name} is no longer read: {instead}");
        }
    }
    let tiles = crate::http::webapp::Tiles::from_setting(
        &args.tiles,
        args.tiles_crs,
        &args.tiles_attribution,
    )
    .map_err(|e| anyhow::anyhow!(e))?;
    // `--webapp-dir` wins over the app built into the binary.
    let webapp = match &args.webapp_dir {
        Some(dir) => Some(crate::http::assets::Assets::from_dir(dir)?),
        None => crate::http::assets::Assets::embedded(),
    };
    if !crate::store::is_postgres(&args.store.database_url) {
        crate::store::sqlite_path(&args.store.database_url)?;
    }
    Ok((tiles, webapp))
}

/// `gongce check-config`: the settings, checked and printed.
pub fn check_config(args: &ServeArgs) -> anyhow::Result<()> {
    let (tiles, webapp) = check_serve_args(args)?;
    let database = crate::store::redact(&args.store.database_url);
    println!("database         {database}");
    println!("bind             {}", args.bind);
    let sqlite_file = (!crate::store::is_postgres(&args.store.database_url))
        .then(|| crate::store::sqlite_path(&args.store.database_url))
        .transpose()?;
    println!(
        "index image      {}",
        match args.index_image_of(sqlite_file.as_deref()) {
            Some(path) => path.display().to_string(),
            None if args.index_image == Some(crate::config::IndexImage::Off) => "off".to_owned(),
            None => "none".to_owned(),
        }
    );
    println!("secure cookies   {}", args.secure_cookies);
    println!(
        "trusted proxies  {}",
        or_none(&args.trusted_proxies.to_string())
    );
    println!(
        "frame ancestors  {}",
        or_none(&args.frame_ancestors.0.join(" "))
    );
    println!(
        "webhook allow    {}",
        or_none(&args.webhook_allow.to_string())
    );
    println!(
        "reported closed  {} networks within {} h",
        args.reported_closed_min, args.reported_closed_hours
    );
    match args.read_limit {
        crate::http::limit::ReadLimit::Off => println!("read limit       off"),
        limit => println!("read limit       {limit}, bursts of {}", args.read_burst),
    }
    println!(
        "keep             deliveries {} days, change log {} entries",
        args.keep_deliveries_days, args.keep_change_log
    );
    println!("tiles            {} ({})", tiles.url, tiles.crs);
    println!(
        "web app          {}",
        webapp.map_or("none (API only)".to_owned(), |w| w.origin)
    );
    println!("licence          {}", args.licence.licence);
    println!("configuration OK");
    Ok(())
}

fn or_none(s: &str) -> &str {
    if s.is_empty() { "none" } else { s }
}

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let (tiles, webapp) = check_serve_args(&args)?;
    let started = Instant::now();
    let store = Store::open(&args.store.database_url)
        .await?
        .with_crowd(args.crowd());
    let opened = started.elapsed();
    let image = args.index_image_of(store.sqlite_file());
    let from_image = match &image {
        Some(path) => crate::sync::from_image(&store, path).await,
        None => None,
    };
    let (index, seq) = match from_image {
        Some(loaded) => loaded,
        None => {
            let snapshot = store.records().await.context("cannot load the toilets")?;
            let read = started.elapsed() - opened;
            let seq = snapshot.seq;
            let index = Index::build(snapshot.toilets);
            tracing::info!(
                toilets = index.len(),
                open_ms = opened.as_millis() as u64,
                read_ms = read.as_millis() as u64,
                index_ms = (started.elapsed() - opened - read).as_millis() as u64,
                "loaded"
            );
            (index, seq)
        }
    };
    let map_center = crate::http::webapp::median_center(index.positions());
    let index = Arc::new(RwLock::new(index));
    let toilets = index.read().expect("index lock").len();

    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = listener.local_addr()?;
    let guard = Arc::new(crate::webhooks::Guard {
        allow: args.webhook_allow.clone(),
        ..Default::default()
    });
    let deliveries = tokio::spawn(crate::webhooks::run(
        store.clone(),
        Arc::clone(&guard),
        crate::clock::system(),
        Duration::from_millis(args.sync_interval_ms.clamp(100, 1000)),
    ));
    let retention = tokio::spawn(crate::retention::run(
        store.clone(),
        args.retention(),
        Duration::from_secs(3600),
        crate::http::imports::uploads_dir_of(&store),
    ));
    let sync = Arc::new(crate::sync::SyncStatus::new(
        seq,
        Duration::from_millis(args.sync_interval_ms.max(10)),
        crate::clock::system(),
    ));
    let follower = tokio::spawn(crate::sync::follow(
        store.clone(),
        Arc::clone(&index),
        Arc::clone(&sync),
    ));
    tracing::info!(
        toilets,
        ready_ms = started.elapsed().as_millis() as u64,
        "listening on http://{addr}"
    );
    // The texts for search now rather than on the first search.
    let preparing = Arc::clone(&index);
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        Index::prepare_search(&preparing);
        tracing::info!(
            ms = started.elapsed().as_millis() as u64,
            "prepared the texts for search"
        );
    });
    // Scripts and tests read the address from this line.
    println!("gongce listening on http://{addr}");

    let mut state = AppState::new(Arc::clone(&index), store.clone());
    state.licence = Arc::new(args.licence.licence());
    state.secure_cookies = args.secure_cookies;
    state.trusted_proxies = Arc::new(args.trusted_proxies.clone());
    state.frame_ancestors = Arc::new(args.frame_ancestors.clone());
    state.webhooks = guard;
    state.tiles = Arc::new(tiles);
    state.map_center = map_center;
    state.webapp = webapp.map(Arc::new);
    state.sync = Some(Arc::clone(&sync));
    state.metrics = args.metrics == crate::config::MetricsAt::Main;
    // Metrics on an address of their own: only /metrics there.
    let metrics_listener = match args.metrics {
        crate::config::MetricsAt::Address(at) => {
            let listener = tokio::net::TcpListener::bind(at)
                .await
                .with_context(|| format!("cannot listen for metrics on {at}"))?;
            tracing::info!("metrics on http://{}/metrics", listener.local_addr()?);
            let router = axum::Router::new()
                .route("/metrics", axum::routing::get(crate::http::metrics))
                .with_state(state.clone());
            Some(tokio::spawn(async move {
                let _ = axum::serve(listener, router).await;
            }))
        }
        _ => None,
    };
    state.read_limit =
        crate::http::limit::Limiter::new(args.read_limit, args.read_burst, crate::clock::system())
            .map(Arc::new);
    let forgetting = state.read_limit.clone().map(|limiter| {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                limiter.forget_idle();
            }
        })
    });
    crate::http::serve::serve(listener, app(state), shutdown_signal()).await;
    follower.abort();
    let _ = follower.await;
    if let Some(path) = image {
        // The next start reads this instead of every toilet.
        if let Err(e) = crate::sync::save_image(&store, &index, &sync, path).await {
            tracing::warn!("cannot write the index image: {e:#}");
        }
    }
    if let Some(task) = metrics_listener {
        task.abort();
    }
    deliveries.abort();
    retention.abort();
    if let Some(task) = forgetting {
        task.abort();
    }
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

/// Returns whether the import did what was asked: every row accepted (or
/// `--skip-invalid`), or a dry run.
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
        timezone: args.timezone,
        crs: args.crs,
        format: args.format,
        encoding: args.encoding,
        sheet: args.sheet,
        maps: args.maps,
        fix_swapped: args.fix_swapped,
        skip_invalid: args.skip_invalid,
        remove_missing: args.remove_missing,
        checked_on: args.checked_on,
        dry_run: args.dry_run,
        progress: true,
        ..import::Options::new(source)
    };
    // A real import brings the schema up to date first; a dry run only reads.
    let target = if args.dry_run {
        Store::open_for_reading(&args.store.database_url).await?
    } else {
        let store = Store::open(&args.store.database_url).await?;
        match store.import_target() {
            // The importer opens the file itself.
            target @ ImportTarget::Sqlite(_) => {
                store.close().await;
                target
            }
            target => target,
        }
    };
    let file = args.file.clone();
    let started = Instant::now();
    let report =
        tokio::task::spawn_blocking(move || import::run(&file, &target, &options)).await??;
    let took = format!(
        "{:.2} s{}",
        started.elapsed().as_secs_f64(),
        peak_memory_mib().map_or(String::new(), |m| format!(", peak memory {m} MiB"))
    );
    if let Some(out) = &args.report {
        let json = serde_json::to_vec_pretty(&report)?;
        std::fs::write(out, json)
            .with_context(|| format!("cannot write the report to {}", out.display()))?;
    }
    if let Some(schema) = report.schema {
        eprintln!("recognised as {} (docs/IMPORT.md)", schema.name());
    }
    let ignored: Vec<&str> = report
        .columns
        .iter()
        .filter(|c| c.field.is_none() && !c.read_by_schema)
        .map(|c| c.column.as_str())
        .collect();
    if !ignored.is_empty() {
        eprintln!("ignored columns: {}", ignored.join(", "));
    }
    if let Some(encoding) = report.encoding {
        eprintln!("read as {encoding}, coordinates in {}", report.crs);
    }
    if !report.issues.is_empty() {
        eprintln!("{}", import::report_table(&report.issues));
    }
    if !report.venues.is_empty() {
        eprintln!("{}", import::venues_list(&report.venues, VENUES_SHOWN));
    }
    eprintln!("{}", import::known_line(&report.known));
    let c = &report.counts;
    let line = import::counts_line(c);
    if report.dry_run {
        println!("dry run, nothing written: {line} ({took})");
        return Ok(true);
    }
    if !report.written {
        eprintln!(
            "nothing written: {} of {} rows rejected; fix them, or pass --skip-invalid to import the others",
            c.rejected, c.read
        );
        return Ok(false);
    }
    println!("{}: {line} ({took})", args.file.display());
    Ok(true)
}

/// Venues of several rows the terminal lists; `--report` has them all.
const VENUES_SHOWN: usize = 10;

/// The process's peak resident memory, from Linux's /proc.
fn peak_memory_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

pub async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let store = Store::open(&args.store.database_url).await?;
    let snapshot = store.snapshot().await?;
    store.close().await;
    let toilets: Vec<_> = snapshot
        .toilets
        .into_iter()
        .filter(|t| t.status != gongce_shared::Status::Removed)
        .collect();
    let licence = args.licence.licence();
    match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            import::export(&toilets, args.format, &licence, &mut out)?;
            std::io::Write::flush(&mut out)?;
            eprintln!("wrote {} toilets to {}", toilets.len(), path.display());
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            import::export(&toilets, args.format, &licence, &mut out)?;
            std::io::Write::flush(&mut out)?;
        }
    }
    Ok(())
}

/// `gongce backup --to FILE`: an online copy of a SQLite store, checked.
pub async fn backup(args: crate::config::BackupArgs) -> anyhow::Result<()> {
    let url = &args.store.database_url;
    if crate::store::is_postgres(url) {
        anyhow::bail!(
            "gongce backup copies a SQLite store; back up PostgreSQL with its own tools, \
             e.g. pg_dump --format=custom --file=gongce.dump \"$DATABASE_URL\" \
             (docs/DEPLOYMENT.md, Backups)"
        );
    }
    let s = crate::store::sqlite::backup(url, &args.to).await?;
    eprintln!(
        "backed up {} toilets and {} accounts (schema {}, {} bytes) to {}; the copy is whole",
        s.toilets,
        s.users,
        s.schema,
        s.bytes,
        args.to.display()
    );
    Ok(())
}

pub async fn org(args: OrgArgs) -> anyhow::Result<()> {
    use gongce_shared::accounts::{NewOrg, OrgPatch};
    let store = Store::open(&args.store.database_url).await?;
    match args.command {
        OrgCommand::Add {
            name,
            kind,
            street,
            district,
        } => {
            fn text<const MAX: usize>(
                field: &str,
                value: Option<String>,
            ) -> anyhow::Result<Option<gongce_shared::text::Text<MAX>>> {
                let Some(v) = value else { return Ok(None) };
                gongce_shared::text::Text::new(&v)
                    .map_err(|e| anyhow::anyhow!("invalid --{field} {:?}: {}", e.value, e.reason))
            }
            let org = store
                .create_org(&NewOrg {
                    name: text("name", Some(name))?
                        .ok_or_else(|| anyhow::anyhow!("an organisation needs a name"))?,
                    kind,
                    street: text("street", street)?,
                    district: text("district", district)?,
                })
                .await?;
            println!(
                "organisation {} {:?} ({}) added",
                org.id,
                org.name,
                org.kind.zh()
            );
        }
        OrgCommand::List => {
            for org in store.orgs().await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}{}",
                    org.id,
                    org.name,
                    org.kind.as_str(),
                    org.street.as_deref().unwrap_or("-"),
                    org.district.as_deref().unwrap_or("-"),
                    if org.disabled { "\tdisabled" } else { "" }
                );
            }
        }
        OrgCommand::Disable { name } => {
            let org = store
                .org_by_name(&name)
                .await?
                .with_context(|| format!("no organisation named {name:?}"))?;
            let patch = OrgPatch {
                disabled: Some(true),
                ..OrgPatch::default()
            };
            store.update_org(org.id, &patch).await?;
            println!("organisation {name:?} disabled; its members' sessions ended");
        }
    }
    store.close().await;
    Ok(())
}

/// One line from standard input, without its line ending.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    gongce_shared::accounts::check_password(&password).map_err(|m| anyhow::anyhow!(m))?;
    Ok(password)
}

pub async fn user(args: UserArgs) -> anyhow::Result<()> {
    use gongce_shared::accounts::check_username;
    let store = Store::open(&args.store.database_url).await?;
    match args.command {
        UserCommand::Add {
            username,
            org,
            role,
        } => {
            check_username(&username)
                .map_err(|e| anyhow::anyhow!("invalid username {:?}: {}", e.value, e.reason))?;
            let org_id = match &org {
                Some(name) => Some(
                    store
                        .org_by_name(name)
                        .await?
                        .with_context(|| format!("no organisation named {name:?}"))?
                        .id,
                ),
                None => None,
            };
            let password = read_password()?;
            let hash = tokio::task::spawn_blocking(move || crate::auth::hash_password(&password))
                .await??;
            let user = store.create_user(&username, &hash, role, org_id).await?;
            println!("user {} {:?} ({}) added", user.id, user.username, user.role);
        }
        UserCommand::List => {
            for user in store.users().await? {
                println!(
                    "{}\t{}\t{}\t{}{}",
                    user.id,
                    user.username,
                    user.role,
                    user.org_id.map_or("-".to_owned(), |o| o.to_string()),
                    if user.disabled { "\tdisabled" } else { "" }
                );
            }
        }
        UserCommand::Disable { username } => {
            let user = store
                .user_by_name(&username)
                .await?
                .with_context(|| format!("no user named {username:?}"))?;
            store
                .update_user(user.id, None, None, None, Some(true))
                .await?;
            println!("user {username:?} disabled; their sessions ended");
        }
        UserCommand::Password { username } => {
            let user = store
                .user_by_name(&username)
                .await?
                .with_context(|| format!("no user named {username:?}"))?;
            let password = read_password()?;
            let hash = tokio::task::spawn_blocking(move || crate::auth::hash_password(&password))
                .await??;
            store
                .update_user(user.id, Some(&hash), None, None, None)
                .await?;
            println!("password of {username:?} set; their sessions ended");
        }
    }
    store.close().await;
    Ok(())
}
