//! Webhook authenticity: GitHub's `X-Hub-Signature-256` (HMAC-SHA256 of the raw body
//! with the app's webhook secret) and GitLab's `X-Gitlab-Token` (a shared secret).
//! Both are checked before the body is parsed, and compared in constant time so the
//! time taken reveals nothing about how much of a forged signature was right.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Why a delivery is not accepted as coming from the forge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The header is absent.
    #[error("the delivery carries no signature header")]
    Missing,
    /// The header is not `sha256=<64 hex digits>`.
    #[error("the signature header is not `sha256=<hex>`")]
    Malformed,
    /// The signature does not match the body and the secret.
    #[error("the signature does not match")]
    Mismatch,
    /// No secret is configured, so nothing can be verified (and nothing is accepted).
    #[error("no webhook secret is configured")]
    NoSecret,
}

/// Checks GitHub's `X-Hub-Signature-256` header against `body`.
pub fn verify_github(secret: &[u8], body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    if secret.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let header = header.ok_or(SignatureError::Missing)?;
    let hex_sig = header.trim().strip_prefix("sha256=").ok_or(SignatureError::Malformed)?;
    if hex_sig.len() != 64 {
        return Err(SignatureError::Malformed);
    }
    let expected = hex::decode(hex_sig).map_err(|_| SignatureError::Malformed)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| SignatureError::NoSecret)?;
    mac.update(body);
    mac.verify_slice(&expected).map_err(|_| SignatureError::Mismatch)
}

/// The `X-Hub-Signature-256` value GitHub would send for `body`: for tests and for
/// tools that replay deliveries.
pub fn sign_github(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks GitLab's `X-Gitlab-Token` header against the configured token.
pub fn verify_gitlab(expected: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    if expected.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let given = header.ok_or(SignatureError::Missing)?.as_bytes();
    // `ct_eq` on slices of different lengths is false without comparing contents.
    if bool::from(given.ct_eq(expected)) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example from GitHub's "Validating webhook deliveries" documentation.
    const SECRET: &[u8] = b"It's a Secret to Everybody";
    const BODY: &[u8] = b"Hello, World!";
    const SIGNATURE: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn githubs_documented_example_verifies() {
        assert_eq!(sign_github(SECRET, BODY), SIGNATURE);
        assert_eq!(verify_github(SECRET, BODY, Some(SIGNATURE)), Ok(()));
    }

    #[test]
    fn anything_else_is_refused_with_the_reason() {
        assert_eq!(
            verify_github(SECRET, b"Hello, World?", Some(SIGNATURE)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_github(b"other", BODY, Some(SIGNATURE)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(verify_github(SECRET, BODY, None), Err(SignatureError::Missing));
        assert_eq!(
            verify_github(SECRET, BODY, Some("sha1=abc")),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify_github(SECRET, BODY, Some(&SIGNATURE.replace('7', "z"))),
            Err(SignatureError::Malformed)
        );
        assert_eq!(verify_github(b"", BODY, Some(SIGNATURE)), Err(SignatureError::NoSecret));
    }

    #[test]
    fn gitlab_tokens_must_match_exactly() {
        assert_eq!(verify_gitlab(b"tok", Some("tok")), Ok(()));
        assert_eq!(verify_gitlab(b"tok", Some("to")), Err(SignatureError::Mismatch));
        assert_eq!(verify_gitlab(b"tok", Some("tok2")), Err(SignatureError::Mismatch));
        assert_eq!(verify_gitlab(b"tok", None), Err(SignatureError::Missing));
        assert_eq!(verify_gitlab(b"", Some("")), Err(SignatureError::NoSecret));
    }
}
