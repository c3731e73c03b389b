//! Delivering new reports to organisations' webhooks (a city's 12345
//! hotline system, a group-chat bot): a queue in the store, drained by a
//! background task, so a resident's report never waits on someone else's
//! server. Each delivery is POSTed as JSON, signed with the organisation's
//! secret, and retried with exponential backoff until it is accepted.

use std::time::Duration;

use hmac::{KeyInit as _, Mac as _};

use crate::store::{Delivery, Store};

/// `sha256=<hex>`: HMAC-SHA256 of the body with the organisation's secret.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// How long to wait before attempt `attempts + 1`: 1 s, 2 s, 4 s … an hour at most.
pub fn backoff(attempts: i64) -> chrono::Duration {
    chrono::Duration::seconds(1i64 << attempts.clamp(0, 12)).min(chrono::Duration::hours(1))
}

async fn deliver(client: &reqwest::Client, d: &Delivery) -> Result<(), String> {
    let response = client
        .post(&d.url)
        .header("content-type", "application/json")
        .header(
            "x-gongce-signature",
            signature(&d.secret, d.payload.as_bytes()),
        )
        .header("x-gongce-delivery", d.id.to_string())
        .body(d.payload.clone())
        .send()
        .await
        .map_err(|e| format!("{e}"))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", response.status()))
    }
}

/// Drains the queue every `interval`, for as long as the server runs.
pub async fn run(store: Store, interval: Duration) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("an HTTP client");
    loop {
        match store.due_deliveries(20).await {
            Ok(due) => {
                for d in due {
                    let outcome = deliver(&client, &d).await.map_err(|e| {
                        tracing::warn!(delivery = d.id, attempts = d.attempts + 1, error = %e, "webhook delivery failed; will retry");
                        (e, backoff(d.attempts))
                    });
                    if outcome.is_ok() {
                        tracing::info!(delivery = d.id, "webhook delivered");
                    }
                    if let Err(e) = store.delivery_done(d.id, outcome).await {
                        tracing::error!("cannot record a webhook delivery: {e:#}");
                    }
                }
            }
            Err(e) => tracing::error!("cannot read the webhook queue: {e:#}"),
        }
        tokio::time::sleep(interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    /// A city's hotline system is on HTTPS: the client speaks it. Here the
    /// connection is refused by TCP; a client without TLS would refuse the
    /// scheme before connecting.
    #[tokio::test]
    async fn https_receivers_are_supported() {
        let err = reqwest::Client::new()
            .post("https://127.0.0.1:9/hook")
            .send()
            .await
            .unwrap_err();
        // Without TLS the cause reads "invalid URL, scheme is not http".
        let cause = format!("{err:?}");
        assert!(
            err.is_connect() && cause.contains("tcp connect error"),
            "{cause}"
        );
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(0).num_seconds(), 1);
        assert_eq!(backoff(3).num_seconds(), 8);
        assert_eq!(backoff(40).num_seconds(), 3600);
    }
}
