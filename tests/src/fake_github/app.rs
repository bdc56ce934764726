//! `POST /app/installations/{id}/access_tokens`: the JWT must be RS256, signed by the
//! app's key, name the app as `iss`, and live at most ten minutes, as GitHub demands.

use super::Shared;
use axum::extract::{Path, State as AxumState};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
struct Claims {
    iat: i64,
    exp: i64,
    /// The app id as a number (octocrab) or a string (GitHub's examples): GitHub
    /// takes either, or the app's client id.
    iss: Value,
}

fn unauthorized(message: &str) -> (StatusCode, Json<Value>) {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"message": message, "documentation_url": "https://docs.github.com/rest"})),
    )
}

/// Checks the request's app JWT as GitHub does: RS256, signed by the app's key,
/// naming the app as `iss`, living at most ten minutes.
fn app_jwt(s: &super::State, headers: &HeaderMap) -> Result<(), (StatusCode, Json<Value>)> {
    let Some(jwt) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return Err(unauthorized("Requires authentication"));
    };
    let Ok(key) = DecodingKey::from_rsa_pem(s.public_key.as_bytes()) else {
        return Err(unauthorized("the fake has no usable public key"));
    };
    let mut validation = Validation::new(Algorithm::RS256);
    // `iss` is checked below: jsonwebtoken reads only a string there.
    validation.set_required_spec_claims(&["exp", "iat"]);
    let claims = match jsonwebtoken::decode::<Claims>(jwt, &key, &validation) {
        Ok(d) => d.claims,
        Err(_) => return Err(unauthorized("A JSON web token could not be decoded")),
    };
    let issuer = match &claims.iss {
        Value::Number(n) => n.to_string(),
        Value::String(text) => text.clone(),
        _ => String::new(),
    };
    if issuer != s.app_id.to_string() {
        return Err(unauthorized("'Issuer' claim ('iss') must be the app id"));
    }
    if claims.exp - claims.iat > 600 {
        return Err(unauthorized("'Expiration time' claim ('exp') is too far in the future"));
    }
    Ok(())
}

/// `GET /app`: the app its JWT names.
pub async fn get_app(AxumState(state): AxumState<Shared>, headers: HeaderMap) -> (StatusCode, Json<Value>) {
    let s = state.lock().unwrap_or_else(|p| p.into_inner());
    if let Err(refused) = app_jwt(&s, &headers) {
        return refused;
    }
    (
        StatusCode::OK,
        Json(
            json!({"id": s.app_id, "slug": "hallmark-test", "name": "Hallmark test", "node_id": "A_test",
        "owner": super::shapes::user(&s.api(), "acme", "Organization"), "html_url": format!("{}/web/apps/hallmark-test", s.api()),
        "permissions": {"issues": "write"}, "events": ["issues"]}),
        ),
    )
}

/// `GET /app/installations`: where the app is installed, 30 a page unless
/// `per_page` asks for up to 100, as GitHub pages it.
pub async fn list_installations(
    AxumState(state): AxumState<Shared>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let s = state.lock().unwrap_or_else(|p| p.into_inner());
    if let Err(refused) = app_jwt(&s, &headers) {
        return refused.into_response();
    }
    let items: Vec<Value> = s
        .installations
        .iter()
        .map(|id| json!({"id": id, "account": {"login": "acme"}, "app_id": s.app_id}))
        .collect();
    super::paginated(&s, items, &q, "/app/installations")
}

/// Issues an installation token for a valid app JWT.
pub async fn create_installation_token(
    AxumState(state): AxumState<Shared>,
    Path(id): Path<u64>,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    super::record_api_version(&mut s, &headers);
    if let Err(refused) = app_jwt(&s, &headers) {
        return refused;
    }
    if !s.installations.is_empty() && !s.installations.contains(&id) {
        return (
            StatusCode::NOT_FOUND,
            Json(
                json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app", "status": "404"}),
            ),
        );
    }
    let token = format!("ghs_fake{}_{}", id, s.tokens.len() + 1);
    let expires_at = chrono::Utc::now() + chrono::Duration::seconds(s.token_lifetime_secs);
    s.tokens.push(super::IssuedToken {
        installation: id,
        token: token.clone(),
        expires_at: expires_at.timestamp(),
    });
    (
        StatusCode::CREATED,
        Json(json!({
            "token": token,
            "expires_at": expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "permissions": {"issues": "write", "pull_requests": "write", "contents": "write", "checks": "write", "metadata": "read"},
            "repository_selection": "all"
        })),
    )
}

/// `GET /user`: an app's installation token and a workflow's token are no user, and
/// GitHub answers them 403.
pub async fn current_user() -> (StatusCode, Json<Value>) {
    (
        StatusCode::FORBIDDEN,
        Json(
            json!({"message": "Resource not accessible by integration", "documentation_url": "https://docs.github.com/rest/users/users#get-the-authenticated-user", "status": "403"}),
        ),
    )
}

/// `POST /app-manifests/{code}/conversions`: a code the fake accepts, once, becomes the
/// test app, with its private key and a webhook secret.
pub async fn convert_manifest(
    AxumState(state): AxumState<Shared>,
    Path(code): Path<String>,
) -> (StatusCode, Json<Value>) {
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    let Some(at) = s.manifest_codes.iter().position(|c| *c == code) else {
        return (
            StatusCode::NOT_FOUND,
            Json(
                json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest/apps/apps#create-a-github-app-from-a-manifest", "status": "404"}),
            ),
        );
    };
    s.manifest_codes.remove(at);
    let api = s.api();
    (
        StatusCode::CREATED,
        Json(json!({
            "id": s.app_id, "slug": "hallmark-test", "node_id": "A_test", "name": "Hallmark test",
            "owner": super::shapes::user(&api, "acme", "Organization"), "description": "",
            "external_url": "https://github.com/hallmark-data/hallmark", "html_url": format!("{api}/web/apps/hallmark-test"),
            "created_at": "2026-11-02T09:30:00Z", "updated_at": "2026-11-02T09:30:00Z",
            "permissions": {"checks": "write", "contents": "write", "issues": "write", "metadata": "read", "pull_requests": "write"},
            "events": ["issue_comment", "issues", "pull_request", "push"],
            "client_id": "Iv1.test", "client_secret": "client-secret-test", "webhook_secret": "webhook-secret-from-github",
            "pem": crate::fake_github::test_app_private_key()
        })),
    )
}
