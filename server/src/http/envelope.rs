//! What every request passes through around its handler, as one tower
//! layer with one future and nothing boxed: the public read limit, a caught
//! panic, errors made JSON, the security headers, and the access log with
//! the request metrics.
//!
//! The layers outside it (request id, trace span, compression) are
//! tower-http's. The router takes the whole stack at once, so a request
//! clones one boxed route, not one for each layer, and no `from_fn` boxes a
//! future or clones a service of its own.

use std::{
    any::Any,
    convert::Infallible,
    future::Future,
    panic::AssertUnwindSafe,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use axum::{
    extract::Request,
    response::{IntoResponse as _, Response},
};
use tower::{Layer, Service};

use super::{ApiError, AppState, access, error, limit, security};

/// Puts an [`Envelope`] around a route.
#[derive(Clone)]
pub struct EnvelopeLayer {
    state: AppState,
    headers: Arc<security::Headers>,
}

impl EnvelopeLayer {
    pub fn new(state: AppState) -> EnvelopeLayer {
        EnvelopeLayer {
            headers: Arc::new(security::Headers::new(&state)),
            state,
        }
    }
}

impl<S> Layer<S> for EnvelopeLayer {
    type Service = Envelope<S>;

    fn layer(&self, inner: S) -> Envelope<S> {
        Envelope {
            inner,
            state: self.state.clone(),
            headers: self.headers.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Envelope<S> {
    inner: S,
    state: AppState,
    headers: Arc<security::Headers>,
}

impl<S> Service<Request> for Envelope<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = EnvelopeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let entry = access::Entry::start(&request);
        let stamp = self.headers.stamp(request.uri().path());
        let answer = match limit::check(&self.state, &request) {
            Some(refused) => Answer::Done {
                response: Some(refused),
            },
            None => match std::panic::catch_unwind(AssertUnwindSafe(|| self.inner.call(request))) {
                Ok(future) => Answer::Pending { future },
                Err(panic) => Answer::Done {
                    response: Some(panicked(panic)),
                },
            },
        };
        EnvelopeFuture {
            answer,
            entry,
            stamp,
        }
    }
}

pin_project_lite::pin_project! {
    #[project = AnswerProjection]
    enum Answer<F> {
        Pending { #[pin] future: F },
        Done { response: Option<Response> },
    }
}

pin_project_lite::pin_project! {
    pub struct EnvelopeFuture<F> {
        #[pin]
        answer: Answer<F>,
        entry: access::Entry,
        stamp: security::Stamp,
    }
}

impl<F> Future for EnvelopeFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = match this.answer.project() {
            AnswerProjection::Pending { future } => {
                match std::panic::catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
                    Ok(Poll::Pending) => return Poll::Pending,
                    Ok(Poll::Ready(Ok(response))) => response,
                    Ok(Poll::Ready(Err(never))) => match never {},
                    Err(panic) => panicked(panic),
                }
            }
            AnswerProjection::Done { response } => response
                .take()
                .expect("an envelope is not polled once ready"),
        };
        let mut response = error::ensure_json(response);
        this.stamp.apply(response.headers_mut());
        this.entry.finish(&response);
        Poll::Ready(Ok(response))
    }
}

/// The answer to a request whose handler panicked: logged in full, told
/// to the client in brief, as any fault of ours.
fn panicked(panic: Box<dyn Any + Send>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    ApiError::internal(anyhow::anyhow!("a handler panicked: {message}")).into_response()
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::StatusCode};

    use super::*;

    async fn state() -> (AppState, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("a folder");
        let url = format!("sqlite:{}", dir.path().join("gongce.sqlite").display());
        let store = crate::store::Store::open(&url).await.expect("a store");
        (AppState::new(Arc::default(), store), dir)
    }

    /// Whatever panics, in the handler's call or in its future, the client
    /// gets our JSON 500 with the security headers, and the server goes on.
    #[tokio::test]
    async fn a_panic_is_answered_in_json_with_the_security_headers() {
        let (state, _dir) = state().await;
        let layer = EnvelopeLayer::new(state);
        let in_future = layer.layer(tower::service_fn(|_: Request| async {
            if true {
                panic!("in the future");
            }
            Ok::<Response, Infallible>(Response::new(Body::empty()))
        }));
        let in_call = layer.layer(tower::service_fn(
            |_: Request| -> std::future::Ready<Result<Response, Infallible>> {
                panic!("in the call")
            },
        ));
        for response in [
            tower::ServiceExt::oneshot(in_future, Request::new(Body::empty())).await,
            tower::ServiceExt::oneshot(in_call, Request::new(Body::empty())).await,
        ] {
            let response = response.expect("infallible");
            assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(response.headers()["content-type"], "application/json");
            assert!(
                response.headers()["content-security-policy"]
                    .to_str()
                    .unwrap()
                    .starts_with("default-src 'none'")
            );
            assert_eq!(response.headers()["x-content-type-options"], "nosniff");
            let body = axum::body::to_bytes(response.into_body(), 4096)
                .await
                .unwrap();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(body["error"]["code"], "internal");
        }
    }
}
