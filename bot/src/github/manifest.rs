//! Creating the GitHub App from its manifest (GitHub's manifest flow): the manifest
//! names exactly the permissions and events the bot uses; GitHub turns the one-time
//! code it redirects with into the app's id, private key and webhook secret.

use super::auth::Secret;
use super::errors::GitHubError;
use octocrab::Octocrab;
use serde_json::Value;

/// The app's manifest as shipped (`deploy/github/app-manifest.json`).
pub const APP_MANIFEST: &str = include_str!("../../../deploy/github/app-manifest.json");

/// The manifest with this server's webhook URL, the setup's redirect and the app's
/// name filled in.
pub fn manifest_for(webhook_url: &str, redirect_url: &str, name: &str) -> Value {
    let mut manifest: Value = serde_json::from_str(APP_MANIFEST).expect("the shipped manifest is JSON");
    manifest["hook_attributes"]["url"] = Value::String(webhook_url.into());
    manifest["redirect_url"] = Value::String(redirect_url.into());
    manifest["name"] = Value::String(name.into());
    manifest
}

/// What GitHub hands back for a new app.
#[derive(Debug)]
pub struct CreatedApp {
    /// The app's id (`--app-id`).
    pub id: u64,
    /// Its URL name.
    pub slug: String,
    /// Its page, where it is installed.
    pub html_url: String,
    /// Its private key (PEM).
    pub pem: Secret,
    /// Its webhook secret.
    pub webhook_secret: Secret,
}

/// Exchanges the manifest flow's `code` for the new app, unauthenticated as GitHub
/// asks. octocrab 0.54's `create_from_manifest` cannot be used: its `App` model types
/// `permissions` as a repository's `{push, pull…}` flags, while GitHub answers the
/// app's `{"issues": "write"…}` map, so a real answer does not parse; the call goes
/// through octocrab's raw `_post` and the answer is read here.
pub async fn convert(api: &str, code: &str) -> Result<CreatedApp, GitHubError> {
    let path = format!("/app-manifests/{}/conversions", super::paging::percent_encode(code));
    let failed = |message: String| GitHubError::Http {
        method: "POST".into(),
        path: "/app-manifests/{code}/conversions".into(),
        message,
    };
    let crab = Octocrab::builder()
        .base_uri(api)
        .map_err(|e| failed(e.to_string()))?
        .build_with_reqwest(octocrab::ReqwestClientConfig::Default)
        .map_err(|e| failed(e.to_string()))?;
    let response = crab
        ._post(path.as_str(), None::<&()>)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let status = response.status();
    let text = crab.body_to_string(response).await.map_err(|e| failed(e.to_string()))?;
    let json: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    if !status.is_success() {
        return Err(GitHubError::Status {
            method: "POST".into(),
            path: "/app-manifests/{code}/conversions".into(),
            status: status.as_u16(),
            message: super::errors::error_message(&json),
        });
    }
    let text_of = |key: &str| {
        json[key]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| failed(format!("GitHub's answer has no {key}")))
    };
    Ok(CreatedApp {
        id: json["id"]
            .as_u64()
            .ok_or_else(|| failed("GitHub's answer has no id".into()))?,
        slug: text_of("slug")?,
        html_url: text_of("html_url")?,
        pem: Secret::new(text_of("pem")?),
        webhook_secret: Secret::new(text_of("webhook_secret")?),
    })
}
