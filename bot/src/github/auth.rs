//! The GitHub App's identity: its id and its private key, turned into the
//! `jsonwebtoken` key octocrab signs app JWTs with. The key is checked when the client
//! is built, so a bad key is named at start-up rather than at the first webhook.
//! Tokens and keys are held in [`Secret`], which never prints its value.

pub use hallmark_checks::secret::Secret;
use jsonwebtoken::EncodingKey;

/// The REST API version Hallmark is written against, sent with every request, the
/// token exchange included.
pub const API_VERSION: &str = "2022-11-28";

/// A token handed to git must have at least this long left: a clone and a push
/// outlast a single API call, for which octocrab renews at 30 seconds.
pub const RENEW_BEFORE: chrono::Duration = chrono::Duration::minutes(5);

/// Why the app's credentials cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The private key is not an RSA PEM key.
    #[error("the GitHub App private key is not a usable RSA PEM key: {0}")]
    Key(String),
    /// The client could not be built (a bad API URL, no TLS roots).
    #[error("cannot build the GitHub client for {api}: {message}")]
    Client {
        /// The API URL.
        api: String,
        /// What went wrong.
        message: String,
    },
}

/// The key that signs the app's JWTs (RS256), from the PEM GitHub hands out.
pub fn signing_key(private_key_pem: &Secret) -> Result<EncodingKey, AuthError> {
    EncodingKey::from_rsa_pem(private_key_pem.expose().as_bytes()).map_err(|e| AuthError::Key(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_that_is_not_rsa_is_named() {
        let err = signing_key(&Secret::new("not a key")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the GitHub App private key is not a usable RSA PEM key"),
            "{err}"
        );
    }
}
