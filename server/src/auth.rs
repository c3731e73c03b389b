//! Passwords, session tokens and sign-in throttling: the parts of signing
//! in that are not HTTP.
//!
//! Passwords are hashed with argon2id (the crate's defaults: 19 MiB, two
//! passes). A session token is 32 random bytes; the store keeps only its
//! SHA-256, so a copy of the database signs nobody in.

use std::sync::LazyLock;

use argon2::{
    Argon2,
    password_hash::{PasswordHasher as _, PasswordVerifier as _, phc::PasswordHash},
};
use base64::Engine as _;
use chrono::Duration;

use crate::store::throttle::Rule;
use rand::RngCore as _;
use sha2::Digest as _;

/// How long a session lasts from sign-in.
pub const SESSION_LIFETIME: Duration = Duration::days(14);
/// Password checks for one username from one client: five per 15
/// minutes, then refused until the window ends. Counted before the check,
/// so a burst cannot race past it; forgotten after a correct password.
pub const PAIR_THROTTLE: Rule = Rule {
    limit: 5,
    window: Duration::minutes(15),
    backoff: None,
};
/// Password checks from one client, whatever the username: generous, as
/// many people share an address behind carrier NAT, but it stops one
/// client from trying a password on every account.
pub const CLIENT_THROTTLE: Rule = Rule {
    limit: 50,
    window: Duration::minutes(15),
    backoff: None,
};
/// Password checks for one username from anywhere: five, then each one
/// more after a delay that doubles from 1 s up to a minute. A stranger
/// slows the account down but never locks its owner out.
pub const USER_THROTTLE: Rule = Rule {
    limit: 5,
    window: Duration::minutes(15),
    backoff: Some(Duration::minutes(1)),
};

/// Argon2 checks that may run at once: twice the cores (19 MiB each).
pub fn password_check_permits() -> usize {
    2 * std::thread::available_parallelism().map_or(1, |n| n.get())
}
/// The cookie the web app's session rides in.
pub const COOKIE: &str = "gongce_session";

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

/// Whether `password` matches `hash`. An unreadable hash matches nothing.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Checked against when the username does not exist, so that a wrong
/// username takes as long as a wrong password.
pub static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password(&new_token()).expect("argon2 hashes"));

/// 32 random bytes, URL-safe base64.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the store keeps of a token.
pub fn token_hash(token: &str) -> String {
    let digest = sha2::Sha256::digest(token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// Compares secrets without stopping at the first difference.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_hashes_are_argon2id() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &b));
    }
}
