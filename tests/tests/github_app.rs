//! GitHub App authentication against the fake GitHub over real HTTP: the JWT is
//! accepted only when GitHub would accept it, installation tokens are cached until
//! shortly before they expire, and a refusal names the installation and the reason.

use hallmark::github::auth::Secret;
use hallmark::github::client::GitHubClient;
use hallmark::github::limits::RetryPolicy;
use hallmark_tests::fake_github::{test_app_private_key, FakeGitHub, TEST_APP_ID};

/// The test app's credentials presented as app `app_id` to `fake`.
fn auth_as(app_id: u64, fake: &FakeGitHub) -> GitHubClient {
    GitHubClient::new(
        &fake.url(),
        app_id,
        &Secret::new(test_app_private_key()),
        RetryPolicy::default(),
    )
    .unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn installation_tokens_are_fetched_with_a_valid_jwt_and_cached() {
    let fake = FakeGitHub::for_test_app();
    let auth = auth_as(TEST_APP_ID, &fake);
    let rt = runtime();
    let first = rt.block_on(auth.installation_token(7)).unwrap();
    let again = rt.block_on(auth.installation_token(7)).unwrap();
    assert_eq!(first, again);
    assert_eq!(first.expose(), "ghs_fake7_1");
    assert_eq!(fake.with_state(|s| s.tokens.len()), 1, "the second call used the cache");
    let other = rt.block_on(auth.installation_token(8)).unwrap();
    assert_eq!(other.expose(), "ghs_fake8_2", "each installation has its own token");
    assert!(!format!("{auth:?} {first:?}").contains("ghs_"), "tokens never print");
}

#[test]
fn a_token_close_to_expiry_is_renewed() {
    let fake = FakeGitHub::for_test_app();
    fake.with_state(|s| s.token_lifetime_secs = 120);
    let auth = auth_as(TEST_APP_ID, &fake);
    let rt = runtime();
    let first = rt.block_on(auth.installation_token(7)).unwrap();
    let second = rt.block_on(auth.installation_token(7)).unwrap();
    assert_ne!(first, second, "two minutes left is too little to use it");
    assert_eq!(fake.with_state(|s| s.tokens.len()), 2);
}

#[test]
fn github_refusing_the_jwt_is_a_clear_error() {
    let fake = FakeGitHub::for_test_app();
    let wrong_app = auth_as(1, &fake);
    let err = runtime()
        .block_on(wrong_app.installation_token(7))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("GitHub refused an installation token for installation 7: HTTP 401")
            && err.contains("'Issuer' claim"),
        "{err}"
    );
    assert_eq!(fake.with_state(|s| s.tokens.len()), 0);
}
