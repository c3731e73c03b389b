//! Serving the app on a socket: `axum::serve`, with the timeouts it does
//! not set. A client must send a request's headers within
//! [`HEADER_READ_TIMEOUT`] of starting it, and a kept-alive HTTP/1
//! connection is closed after as long without a new request (hyper's
//! header timer covers the wait for the next request too), so slow or idle
//! clients cannot hold connections open. HTTP/2 connections are pinged
//! and closed when the peer stops answering.

use std::{future::Future, net::SocketAddr, pin::pin, time::Duration};

use axum::{Router, body::Body, extract::ConnectInfo, http::Request};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto::Builder, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use tokio::net::TcpListener;
use tower::ServiceExt as _;

/// The longest a client may take to send a request's headers, or leave a
/// kept-alive connection idle.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long in-flight requests get to finish after a shutdown signal.
const DRAIN: Duration = Duration::from_secs(10);

/// Serves `app` until `shutdown` resolves, then lets open requests finish
/// (for at most [`DRAIN`]). Each request carries its peer's address as
/// `ConnectInfo<SocketAddr>`.
pub async fn serve(listener: TcpListener, app: Router, shutdown: impl Future<Output = ()>) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(e) => {
                    // Out of file descriptors, say: wait a moment, go on.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = app.clone().map_request(move |request: Request<Incoming>| {
            let mut request = request.map(Body::new);
            request
                .extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(peer));
            request
        });
        let mut builder = Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_READ_TIMEOUT);
        builder
            .http2()
            .timer(TokioTimer::new())
            .keep_alive_interval(Some(Duration::from_secs(30)))
            .keep_alive_timeout(Duration::from_secs(20));
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still open after {DRAIN:?}; stopping anyway");
    }
}

#[cfg(test)]
mod tests {
    use axum::routing::get;
    use tokio::{
        io::{AsyncReadExt as _, AsyncWriteExt as _},
        net::TcpStream,
    };

    use super::*;

    /// Reads until the peer closes; answers what came, and when.
    async fn until_closed(stream: &mut TcpStream) -> (String, tokio::time::Instant) {
        let mut got = Vec::new();
        let _ = stream.read_to_end(&mut got).await;
        (
            String::from_utf8_lossy(&got).into_owned(),
            tokio::time::Instant::now(),
        )
    }

    /// Time is tokio's paused clock: it moves on by itself only when
    /// everything waits, so the timeouts below pass without any waiting.
    #[tokio::test(start_paused = true)]
    async fn slow_and_idle_connections_are_closed() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().route(
            "/",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.ip().to_string() }),
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, app, async {
            let _ = stopped.await;
        }));

        // A request is answered, with the peer's address; the kept-alive
        // connection is then closed after the idle limit.
        let mut idle = TcpStream::connect(addr).await.unwrap();
        idle.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let sent = tokio::time::Instant::now();
        let (answer, closed) = until_closed(&mut idle).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("127.0.0.1"), "{answer}");
        assert!(closed - sent >= HEADER_READ_TIMEOUT, "{:?}", closed - sent);
        assert!(
            closed - sent < HEADER_READ_TIMEOUT * 2,
            "{:?}",
            closed - sent
        );

        // Half a request and then nothing: closed after the limit too.
        let mut slow = TcpStream::connect(addr).await.unwrap();
        slow.write_all(b"GET / HTTP/1.1\r\nhost:").await.unwrap();
        let sent = tokio::time::Instant::now();
        let (answer, closed) = until_closed(&mut slow).await;
        assert!(!answer.contains("200 OK"), "{answer}");
        assert!(closed - sent >= HEADER_READ_TIMEOUT);

        stop.send(()).unwrap();
        server.await.unwrap();
    }
}
