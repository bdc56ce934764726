//! The deliveries the load tools send: signed `issue_comment.created` deliveries of
//! `/hallmark recheck` by `reviewer`, one comment id each, over 50 issues of
//! `acme/load` — each one a job of its own.

use crate::deliveries::{comment_created, IssueSpec, Sender};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// `sha256=<hex>` of HMAC-SHA256(key, body), as GitHub signs deliveries.
pub fn sign(key: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Posts `body` to `addr`'s GitHub webhook as GitHub would: as `event`, with its
/// delivery id, signed with `secret`.
pub fn post_github(
    addr: std::net::SocketAddr,
    secret: &[u8],
    event: &str,
    delivery: &str,
    body: &str,
) -> std::io::Result<crate::http::Response> {
    let sig = sign(secret, body.as_bytes());
    crate::http::request(
        addr,
        "POST",
        "/webhooks/github",
        &[
            ("X-GitHub-Event", event),
            ("X-GitHub-Delivery", delivery),
            ("X-Hub-Signature-256", &sig),
        ],
        body.as_bytes(),
    )
}

/// Delivery `i`: its id and its body, in GitHub's full `issue_comment` shape.
pub fn comment_delivery(i: usize) -> (String, String) {
    let issue = IssueSpec {
        repo: "acme/load",
        number: 1 + (i % 50) as u64,
        body: "",
        labels: &[],
        pull_request: false,
    };
    let body = comment_created(
        &issue,
        10_000 + i as u64,
        "/hallmark recheck",
        Some(1),
        Sender::user("reviewer"),
    );
    (format!("load-{i}"), body.to_string())
}
