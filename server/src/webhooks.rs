//! Delivering new reports to organisations' webhooks (a city's 12345
//! hotline system, a group-chat bot): a queue in the store, drained by a
//! background task, so a resident's report never waits on someone else's
//! server.
//!
//! - **Only outside.** A webhook may reach public unicast addresses only
//!   (or networks the operator allows with `--webhook-allow`). Its host is
//!   resolved and checked when it is set, again before each delivery, and
//!   the client connects only to addresses its guarded resolver passed;
//!   no redirect is followed.
//! - **Signed as Standard Webhooks do**: `webhook-id`, `webhook-timestamp`
//!   and `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`.
//! - **Retried, then given up**: [`MAX_ATTEMPTS`] attempts over about 22
//!   hours, then the delivery is marked failed.
//! - **Apart**: each organisation's deliveries go one after another, and
//!   different organisations' at once (at most [`CONCURRENT_DELIVERIES`]),
//!   so a dead receiver delays no one else.
//! - Logs name the host only: a URL's path and query can hold a key.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    net::{IpAddr, SocketAddr},
    pin::Pin,
    sync::{Arc, Mutex},
    time::Duration,
};

use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{KeyInit as _, Mac as _};
use reqwest::Url;

use crate::{
    http::Clock,
    net::{Cidrs, canonical, forbidden},
    store::{Delivery, Store},
};

/// Attempts before a delivery is given up on.
pub const MAX_ATTEMPTS: i64 = 12;
/// Deliveries in flight at once, across organisations.
pub const CONCURRENT_DELIVERIES: usize = 8;
/// How long one delivery may take.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long to wait after failed attempt `attempts + 1` (counting from 0),
/// or None when that was the last: 5 s, 30 s, 2 min, 5 min, 15 min,
/// 30 min, 1 h, 2 h, 4 h, 6 h, 8 h — twelve attempts over about 22 hours.
pub fn retry_after(attempts: i64) -> Option<chrono::Duration> {
    const WAITS: [i64; 11] = [
        5, 30, 120, 300, 900, 1800, 3600, 7200, 14_400, 21_600, 28_800,
    ];
    if attempts + 1 >= MAX_ATTEMPTS {
        return None;
    }
    let i = attempts.clamp(0, WAITS.len() as i64 - 1) as usize;
    Some(chrono::Duration::seconds(WAITS[i]))
}

/// The HMAC key of a secret: a `whsec_<base64>` secret (as Standard
/// Webhooks libraries make them) is its decoded bytes, any other its UTF-8.
fn key(secret: &str) -> Vec<u8> {
    secret
        .strip_prefix("whsec_")
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec())
}

/// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key(secret))
        .expect("HMAC takes a key of any length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

type Lookup<'a> = Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send + 'a>>;

/// Turns host names into addresses.
pub trait Resolver: Send + Sync {
    fn lookup<'a>(&'a self, host: &'a str, port: u16) -> Lookup<'a>;
}

/// The system's resolver.
pub struct SystemResolver;

impl Resolver for SystemResolver {
    fn lookup<'a>(&'a self, host: &'a str, port: u16) -> Lookup<'a> {
        Box::pin(async move {
            Ok(tokio::net::lookup_host((host, port))
                .await?
                .map(|a| a.ip())
                .collect())
        })
    }
}

/// Fixed answers, for tests: names that resolve to addresses on this
/// machine, so no test sends anything elsewhere.
pub struct StaticResolver(pub HashMap<String, Vec<IpAddr>>);

impl Resolver for StaticResolver {
    fn lookup<'a>(&'a self, host: &'a str, _port: u16) -> Lookup<'a> {
        let found = self.0.get(&host.to_ascii_lowercase()).cloned();
        Box::pin(async move {
            found.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such host"))
        })
    }
}

/// Where webhooks may go.
pub struct Guard {
    /// Networks allowed although not public (`--webhook-allow`).
    pub allow: Cidrs,
    pub resolver: Arc<dyn Resolver>,
}

impl Default for Guard {
    fn default() -> Self {
        Guard {
            allow: Cidrs::default(),
            resolver: Arc::new(SystemResolver),
        }
    }
}

/// The host of a webhook URL, for logs and for admins; never its path or query.
pub fn host_of(url: &str) -> String {
    Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "(invalid)".to_owned())
}

impl Guard {
    /// Why `ip` may not be reached, if it may not.
    pub fn refuses(&self, ip: IpAddr) -> Option<String> {
        let ip = canonical(ip);
        if self.allow.contains(ip) {
            return None;
        }
        forbidden(ip).map(|why| format!("{ip} is {why}"))
    }

    /// What a URL says before any lookup: http(s), no credentials in it,
    /// not this machine, and — when the host is an address — one that may
    /// be reached. Numeric spellings of addresses (`0x7f000001`,
    /// `2130706433`, `0177.0.0.1`) are read as the address they spell, as
    /// browsers and HTTP clients do. Answers the URL and, when the host is
    /// a name, the name still to be resolved.
    fn precheck(&self, raw: &str) -> Result<(Url, Option<String>), String> {
        let url = Url::parse(raw.trim()).map_err(|e| format!("not a URL ({e})"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "the scheme {:?} is not http or https",
                url.scheme()
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(
                "a user name or password in the URL is not allowed; the secret signs each delivery"
                    .to_owned(),
            );
        }
        let literal = match url.host() {
            Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
            Some(url::Host::Domain(name)) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                if name == "localhost" || name.ends_with(".localhost") {
                    return Err(format!("{name} is this machine"));
                }
                return Ok((url, Some(name)));
            }
            None => return Err("the URL has no host".to_owned()),
        };
        match self.refuses(literal) {
            Some(why) => Err(why),
            None => Ok((url, None)),
        }
    }

    /// Checks a webhook URL when it is set: [`Guard::precheck`], and a
    /// host name must resolve, every address to one that may be reached.
    /// (Deliveries resolve once more, through the same guard, as they
    /// connect: DNS can change.)
    pub async fn check(&self, raw: &str) -> Result<Url, String> {
        let (url, name) = self.precheck(raw)?;
        let Some(name) = name else {
            return Ok(url);
        };
        let port = url.port_or_known_default().unwrap_or(80);
        let addrs = self
            .resolver
            .lookup(&name, port)
            .await
            .map_err(|e| format!("{name} does not resolve ({e})"))?;
        if addrs.is_empty() {
            return Err(format!("{name} does not resolve"));
        }
        if let Some(why) = addrs.iter().find_map(|ip| self.refuses(*ip)) {
            return Err(format!("{name} resolves to {why}"));
        }
        Ok(url)
    }
}

/// reqwest's resolver: the guard's, so the client connects only to
/// addresses that passed, whatever DNS says between the check and the
/// connection.
struct Guarded(Arc<Guard>);

impl reqwest::dns::Resolve for Guarded {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = Arc::clone(&self.0);
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs = guard.resolver.lookup(&host, 0).await?;
            if let Some(why) = addrs.iter().find_map(|ip| guard.refuses(*ip)) {
                return Err(format!("{host} resolves to {why}").into());
            }
            let addrs: reqwest::dns::Addrs =
                Box::new(addrs.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

/// Sends deliveries.
pub struct Sender {
    client: reqwest::Client,
    guard: Arc<Guard>,
}

impl Sender {
    pub fn new(guard: Arc<Guard>) -> Self {
        let client = reqwest::Client::builder()
            .timeout(DELIVERY_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(Guarded(Arc::clone(&guard))))
            .no_proxy()
            .user_agent(concat!("gongce/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client");
        Sender { client, guard }
    }

    /// POSTs one delivery, signed at `now`.
    pub async fn deliver(&self, d: &Delivery, now: DateTime<Utc>) -> Result<(), String> {
        // A host name is resolved (and its addresses checked) once, by the
        // client's guarded resolver as it connects.
        let (url, _) = self
            .guard
            .precheck(&d.url)
            .map_err(|e| format!("refused: {e}"))?;
        let id = format!("msg_{}", d.id);
        let timestamp = now.timestamp();
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header(
                "webhook-signature",
                signature(&d.secret, &id, timestamp, d.payload.as_bytes()),
            )
            .body(d.payload.clone())
            .send()
            .await
            .map_err(describe)?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else if status.is_redirection() {
            Err(format!("HTTP {status}: redirects are not followed"))
        } else {
            Err(format!("HTTP {status}"))
        }
    }
}

/// A client error without its URL, with its causes.
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Sends one organisation's deliveries in order and records each outcome.
async fn drain(
    store: &Store,
    sender: &Sender,
    clock: &Clock,
    permits: &tokio::sync::Semaphore,
    deliveries: Vec<Delivery>,
) {
    for d in deliveries {
        let Ok(_permit) = permits.acquire().await else {
            return;
        };
        let host = host_of(&d.url);
        let attempt = d.attempts + 1;
        let outcome = match sender.deliver(&d, clock()).await {
            Ok(()) => {
                tracing::info!(delivery = d.id, org = d.org_id, %host, attempt, "webhook delivered");
                Ok(())
            }
            Err(error) => {
                let retry = retry_after(d.attempts);
                match retry {
                    Some(wait) => tracing::warn!(delivery = d.id, org = d.org_id, %host, attempt,
                        %error, retry_s = wait.num_seconds(), "webhook delivery failed; will retry"),
                    None => tracing::warn!(delivery = d.id, org = d.org_id, %host, attempt,
                        %error, "webhook delivery failed; giving up"),
                }
                Err((error, retry))
            }
        };
        if let Err(e) = store.delivery_done(d.id, outcome, clock()).await {
            tracing::error!("cannot record a webhook delivery: {e:#}");
        }
    }
}

/// One pass: sends every delivery due now, each organisation's in order
/// and organisations at once, and waits for them. Answers how many were
/// tried.
pub async fn deliver_due(store: &Store, sender: &Sender, clock: &Clock) -> anyhow::Result<usize> {
    let due = store.due_deliveries(50, &[], clock()).await?;
    let tried = due.len();
    let mut by_org: BTreeMap<i64, Vec<Delivery>> = BTreeMap::new();
    for d in due {
        by_org.entry(d.org_id).or_default().push(d);
    }
    let permits = tokio::sync::Semaphore::new(CONCURRENT_DELIVERIES);
    futures_util::future::join_all(
        by_org
            .into_values()
            .map(|deliveries| drain(store, sender, clock, &permits, deliveries)),
    )
    .await;
    Ok(tried)
}

/// Drains the queue every `interval`, for as long as the server runs.
pub async fn run(store: Store, guard: Arc<Guard>, clock: Clock, interval: Duration) {
    let sender = Arc::new(Sender::new(guard));
    let permits = Arc::new(tokio::sync::Semaphore::new(CONCURRENT_DELIVERIES));
    // Organisations whose deliveries are being sent: not handed out again.
    let busy: Arc<Mutex<HashSet<i64>>> = Arc::default();
    loop {
        let skip: Vec<i64> = busy.lock().expect("busy").iter().copied().collect();
        match store.due_deliveries(50, &skip, clock()).await {
            Ok(due) => {
                let mut by_org: BTreeMap<i64, Vec<Delivery>> = BTreeMap::new();
                for d in due {
                    by_org.entry(d.org_id).or_default().push(d);
                }
                for (org, deliveries) in by_org {
                    busy.lock().expect("busy").insert(org);
                    let (store, sender, clock, permits, busy) = (
                        store.clone(),
                        Arc::clone(&sender),
                        Arc::clone(&clock),
                        Arc::clone(&permits),
                        Arc::clone(&busy),
                    );
                    tokio::spawn(async move {
                        drain(&store, &sender, &clock, &permits, deliveries).await;
                        busy.lock().expect("busy").remove(&org);
                    });
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

    /// The Standard Webhooks reference vector.
    #[test]
    fn signatures_follow_standard_webhooks() {
        assert_eq!(
            signature(
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        // Any other secret is its UTF-8 bytes.
        assert_ne!(
            signature("a plain secret!!", "msg_1", 1, b"{}"),
            signature("a plain secret!?", "msg_1", 1, b"{}")
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
    fn twelve_attempts_over_about_a_day() {
        assert_eq!(retry_after(0).unwrap().num_seconds(), 5);
        let total: i64 = (0..MAX_ATTEMPTS)
            .map_while(retry_after)
            .map(|d| d.num_seconds())
            .sum();
        assert_eq!((0..MAX_ATTEMPTS).map_while(retry_after).count(), 11);
        assert!((20 * 3600..=24 * 3600).contains(&total), "{total}");
        assert_eq!(retry_after(MAX_ATTEMPTS - 1), None);
    }

    fn guard(names: &[(&str, &str)], allow: &str) -> Guard {
        Guard {
            allow: allow.parse().unwrap(),
            resolver: Arc::new(StaticResolver(
                names
                    .iter()
                    .map(|(n, ip)| (n.to_string(), vec![ip.parse().unwrap()]))
                    .collect(),
            )),
        }
    }

    #[tokio::test]
    async fn inside_targets_are_refused_in_every_spelling() {
        let g = guard(
            &[
                ("hotline.test", "203.0.113.10"),
                ("rebind.test", "10.0.0.5"),
                ("metadata.test", "169.254.169.254"),
                ("public.test", "8.8.8.8"),
            ],
            "",
        );
        for url in [
            "http://127.0.0.1:8080/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.5/",
            "http://[::1]:80/",
            "http://0x7f000001/",
            "http://2130706433/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://[fd00::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://localhost:8080/",
            "http://api.localhost/",
            "http://rebind.test/hook",
            "http://metadata.test/",
            "http://hotline.test/hook",
            "ftp://public.test/",
            "file:///etc/passwd",
            "gopher://public.test/",
            "http://user:pass@public.test/",
            "http://unknown.test/",
        ] {
            assert!(g.check(url).await.is_err(), "{url} should be refused");
        }
        let ok = g.check("https://public.test/hook?key=abc").await.unwrap();
        assert_eq!(ok.host_str(), Some("public.test"));
        // A city's own receiver, when the operator allows its network.
        let allowed = guard(&[("intranet.test", "10.0.0.5")], "10.0.0.0/24");
        assert!(allowed.check("http://intranet.test/hook").await.is_ok());
        assert!(allowed.check("http://10.0.1.5/hook").await.is_err());
    }

    /// A name that passed when it was set but now resolves inside (DNS
    /// rebinding) is refused as the delivery connects.
    #[tokio::test]
    async fn deliveries_connect_only_to_addresses_that_pass() {
        let sender = Sender::new(Arc::new(guard(&[("rebind.test", "127.0.0.1")], "")));
        let delivery = Delivery {
            id: 1,
            org_id: 1,
            url: "http://rebind.test:9/hook".into(),
            secret: "a secret of 16+ chars".into(),
            payload: "{}".into(),
            attempts: 0,
        };
        let error = sender.deliver(&delivery, Utc::now()).await.unwrap_err();
        assert!(
            error.contains("rebind.test resolves to 127.0.0.1 is a loopback"),
            "{error}"
        );
        // An address written in the URL is refused before anything is sent.
        let literal = Delivery {
            url: "http://[::ffff:127.0.0.1]:9/hook".into(),
            ..delivery
        };
        let error = sender.deliver(&literal, Utc::now()).await.unwrap_err();
        assert!(
            error.starts_with("refused: 127.0.0.1 is a loopback"),
            "{error}"
        );
    }

    #[test]
    fn hosts_only() {
        assert_eq!(
            host_of("https://oapi.dingtalk.com/robot/send?access_token=SECRET"),
            "oapi.dingtalk.com"
        );
    }
}
