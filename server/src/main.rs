use std::process::ExitCode;

use clap::Parser as _;
use gongce::config::{Cli, Command, LogFormat};

/// mimalloc: start-up allocates a million records at once, and every
/// request allocates its response; both measured faster than glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Lines are handed to a thread of their own that writes them, so a
    // request does not wait on a write to stderr (at the default level,
    // one access-log line per request). When its queue is full, loggers
    // wait rather than lines being lost. The guard writes what is queued
    // when the process ends.
    let (stderr, written) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("gongce-log")
        .finish(std::io::stderr());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .with_writer(stderr)
        // A log line that cannot be written is dropped: reporting that on
        // stderr, which is what failed, would panic the request.
        .log_internal_errors(false);
    match cli.log_format {
        LogFormat::Text => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        // One object per line: the event's fields at the top, the request's
        // span (its id, method and path) beside them.
        LogFormat::Json => logs
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    let outcome = match cli.command {
        Command::Serve(args) => gongce::commands::serve(args).await.map(|()| true),
        Command::CheckConfig(args) => gongce::commands::check_config(&args).map(|()| true),
        Command::Import(args) => gongce::commands::import(args).await,
        Command::Export(args) => gongce::commands::export(args).await.map(|()| true),
        Command::Org(args) => gongce::commands::org(args).await.map(|()| true),
        Command::User(args) => gongce::commands::user(args).await.map(|()| true),
        Command::Backup(args) => gongce::commands::backup(args).await.map(|()| true),
    };
    // Every queued line is out before the last words below.
    drop(written);
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
