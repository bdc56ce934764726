//! GitHub App authentication: a short-lived RS256 JWT signed with the app's private
//! key, exchanged for an installation access token, which is cached per installation
//! until shortly before it expires. Tokens and keys are held in [`Secret`], which
//! never prints its value.

use chrono::{DateTime, Duration, Utc};
pub use hallmark_checks::secret::Secret;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;

/// A token is renewed when it has less than this left.
pub const RENEW_BEFORE: Duration = Duration::minutes(5);

/// Why authentication failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The private key is not an RSA PEM key.
    #[error("the GitHub App private key is not a usable RSA PEM key: {0}")]
    Key(String),
    /// Signing the JWT failed.
    #[error("cannot sign the app JWT: {0}")]
    Sign(String),
    /// GitHub could not be reached.
    #[error("cannot reach GitHub for an installation token: {0}")]
    Http(String),
    /// GitHub refused.
    #[error("GitHub refused an installation token for installation {installation}: HTTP {status}: {message}")]
    Refused {
        /// The installation.
        installation: u64,
        /// The status code.
        status: u16,
        /// GitHub's message.
        message: String,
    },
}

#[derive(Serialize)]
struct Claims {
    iat: i64,
    exp: i64,
    iss: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    token: String,
    /// RFC 3339, e.g. `2016-07-11T22:14:10Z`.
    expires_at: String,
}

/// The REST API version Hallmark is written against, sent with every request.
pub const API_VERSION: &str = "2022-11-28";

/// A GitHub App's identity and its cache of installation tokens.
pub struct AppAuth {
    app_id: u64,
    key: EncodingKey,
    api: String,
    http: reqwest::Client,
    cache: Mutex<HashMap<u64, (Secret, DateTime<Utc>)>>,
}

impl std::fmt::Debug for AppAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppAuth")
            .field("app_id", &self.app_id)
            .field("api", &self.api)
            .finish_non_exhaustive()
    }
}

impl AppAuth {
    /// The app `app_id` with its PEM private key, talking to the API at `api`
    /// (`https://api.github.com`, or a GitHub Enterprise or test server).
    pub fn new(app_id: u64, private_key_pem: &Secret, api: &str, http: reqwest::Client) -> Result<Self, AuthError> {
        let key = EncodingKey::from_rsa_pem(private_key_pem.expose().as_bytes())
            .map_err(|e| AuthError::Key(e.to_string()))?;
        Ok(Self {
            app_id,
            key,
            api: api.trim_end_matches('/').to_string(),
            http,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// A JWT for the app itself, valid for nine minutes (GitHub allows ten), issued a
    /// minute in the past to allow for clock drift.
    pub fn jwt(&self, now: DateTime<Utc>) -> Result<Secret, AuthError> {
        let claims = Claims {
            iat: (now - Duration::seconds(60)).timestamp(),
            exp: (now + Duration::minutes(9)).timestamp(),
            iss: self.app_id.to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.key)
            .map(Secret::new)
            .map_err(|e| AuthError::Sign(e.to_string()))
    }

    /// The app's id, which GitHub puts on everything the app writes.
    pub fn app_id(&self) -> u64 {
        self.app_id
    }

    /// Drops the cached token of `installation`, after GitHub refused it (revoked, or
    /// the installation's permissions changed), so the next call fetches a new one.
    pub fn forget(&self, installation: u64) {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&installation);
    }

    /// An installation token: the cached one while it has more than
    /// [`RENEW_BEFORE`] left, else a new one from GitHub.
    pub async fn installation_token(&self, installation: u64) -> Result<Secret, AuthError> {
        let now = Utc::now();
        if let Some((token, expires)) = self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(&installation) {
            if *expires - now > RENEW_BEFORE {
                return Ok(token.clone());
            }
        }
        let jwt = self.jwt(now)?;
        let response = self
            .http
            .post(format!("{}/app/installations/{installation}/access_tokens", self.api))
            .bearer_auth(jwt.expose())
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", API_VERSION)
            .header("user-agent", "hallmark")
            .send()
            .await
            .map_err(|e| AuthError::Http(e.without_url().to_string()))?;
        let status = response.status();
        if !status.is_success() {
            let message = response.text().await.unwrap_or_default().chars().take(300).collect();
            return Err(AuthError::Refused {
                installation,
                status: status.as_u16(),
                message,
            });
        }
        let body: TokenResponse = response.json().await.map_err(|e| AuthError::Http(e.to_string()))?;
        let expires_at = DateTime::parse_from_rfc3339(&body.expires_at)
            .map_err(|e| {
                AuthError::Http(format!(
                    "the token's expires_at `{}` is not RFC 3339: {e}",
                    body.expires_at
                ))
            })?
            .with_timezone(&Utc);
        let token = Secret::new(body.token);
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(installation, (token.clone(), expires_at));
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_that_is_not_rsa_is_named() {
        let err = AppAuth::new(1, &Secret::new("not a key"), "http://x", reqwest::Client::new()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the GitHub App private key is not a usable RSA PEM key"),
            "{err}"
        );
    }
}
