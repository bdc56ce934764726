//! The webhook endpoint over real HTTP on loopback: every GitHub fixture payload (copied
//! from `../shared/fixtures/webhooks/github`, MIT, see its LICENSE) gets a 2xx and
//! nothing panics; a bad signature is refused before parsing and queues nothing; a
//! repeated delivery runs once; an oversized body is refused; the label and a slash
//! command queue work; `/healthz` and `/metrics` answer.

mod harness;

use hallmark::server::route::{Action, Trigger};
use hallmark::webhook::signature::sign_github;
use hallmark_tests::deliveries::{self, IssueSpec, Sender};
use hallmark_tests::http::{request, Response};
use std::path::Path;

const SECRET: &[u8] = b"webhook-test-secret";
const GITLAB_SECRET: &[u8] = b"gitlab-hook-token";

/// The webhook server and its queue; no job is run here.
type Server = harness::Bot<()>;

fn start() -> Server {
    let config = harness::server_config(Some(SECRET), Some(GITLAB_SECRET));
    Server::start((), harness::Options::new(Default::default(), config))
}

fn deliver(s: &Server, event: &str, delivery: &str, body: &[u8], signature: Option<&str>) -> Response {
    let sig = signature
        .map(str::to_string)
        .unwrap_or_else(|| sign_github(SECRET, body));
    request(
        s.server.addr(),
        "POST",
        "/webhooks/github",
        &[
            ("X-GitHub-Event", event),
            ("X-GitHub-Delivery", delivery),
            ("X-Hub-Signature-256", &sig),
            ("Content-Type", "application/json"),
        ],
        body,
    )
    .unwrap()
}

fn queued(s: &Server) -> i64 {
    s.queue.counts().unwrap().iter().map(|(_, n)| *n).sum()
}

/// A request form with `labels: [promote]` makes GitHub send `issues.opened` carrying
/// the label and then `issues.labeled`: the real fixture pair, given our label and an
/// installation, queues exactly one job.
#[test]
fn a_form_filed_issue_opened_and_labeled_is_one_job() {
    let s = start();
    let issue = IssueSpec {
        repo: "Codertocat/Hello-World",
        number: 1,
        body: "### Source\n\nbronze/orders.csv\n\n### Target level\n\nsilver\n",
        labels: &["promote"],
        pull_request: false,
    };
    let opened = deliveries::issues("opened", &issue, None, Some(5), Sender::user("Codertocat"));
    let labeled = deliveries::issues("labeled", &issue, Some("promote"), Some(5), Sender::user("Codertocat"));
    let first = deliver(&s, "issues", "form-1", opened.to_string().as_bytes(), None);
    assert_eq!(first.status, 202, "{}", first.body);
    let second = deliver(&s, "issues", "form-2", labeled.to_string().as_bytes(), None);
    assert_eq!(
        (second.status, second.body.as_str()),
        (200, "the same request as job 1\n")
    );
    assert_eq!(queued(&s), 1);
}

#[test]
fn every_fixture_payload_gets_a_2xx() {
    let s = start();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/webhooks/github");
    let mut n = 0;
    for event in std::fs::read_dir(&dir).unwrap().flatten().filter(|e| e.path().is_dir()) {
        let name = event.file_name().to_string_lossy().to_string();
        for file in std::fs::read_dir(event.path()).unwrap().flatten() {
            let body = std::fs::read(file.path()).unwrap();
            let r = deliver(&s, &name, &format!("fixture-{n}"), &body, None);
            assert!(
                (200..300).contains(&r.status),
                "{} → {} {}",
                file.path().display(),
                r.status,
                r.body
            );
            n += 1;
        }
    }
    assert!(n >= 250, "{n} fixtures");
    let r = request(s.server.addr(), "GET", "/healthz", &[], b"").unwrap();
    assert_eq!((r.status, r.body.as_str()), (200, "ok\n"));
}

#[test]
fn a_bad_signature_is_refused_and_queues_nothing() {
    let s = start();
    let issue = IssueSpec {
        repo: "a/b",
        number: 1,
        body: "",
        labels: &["promote"],
        pull_request: false,
    };
    let body = deliveries::issues("labeled", &issue, Some("promote"), Some(1), Sender::user("x")).to_string();
    for sig in [
        Some(sign_github(b"wrong-secret", body.as_bytes())),
        Some("sha256=00".to_string()),
        Some(String::new()),
    ] {
        let r = deliver(&s, "issues", "d-1", body.as_bytes(), sig.as_deref());
        assert_eq!(r.status, 401, "{}", r.body);
    }
    let r = request(
        s.server.addr(),
        "POST",
        "/webhooks/github",
        &[("X-GitHub-Event", "issues"), ("X-GitHub-Delivery", "d-2")],
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(
        (r.status, r.body.as_str()),
        (401, "the delivery carries no signature header\n")
    );
    // Not even the delivery id was recorded: the genuine delivery still goes through.
    assert_eq!(queued(&s), 0);
    assert_eq!(deliver(&s, "issues", "d-1", body.as_bytes(), None).status, 202);
    let metrics = request(s.server.addr(), "GET", "/metrics", &[], b"").unwrap().body;
    assert!(
        metrics.contains("hallmark_webhook_deliveries_total{forge=\"github\",outcome=\"bad_signature\"} 4"),
        "{metrics}"
    );
    assert!(metrics.contains("hallmark_jobs{state=\"queued\"} 1"), "{metrics}");
}

#[test]
fn a_repeated_delivery_queues_one_job_and_an_oversized_body_is_refused() {
    let s = start();
    let issue = IssueSpec {
        repo: "acme/data",
        number: 12,
        body: "### Source\n\nbronze/orders.csv\n\n### Target level\n\nsilver\n",
        labels: &["promote"],
        pull_request: false,
    };
    let body = deliveries::issues("labeled", &issue, Some("promote"), Some(99), Sender::user("ana")).to_string();
    assert_eq!(deliver(&s, "issues", "same-id", body.as_bytes(), None).status, 202);
    let again = deliver(&s, "issues", "same-id", body.as_bytes(), None);
    assert_eq!((again.status, again.body.as_str()), (200, "already received\n"));
    let job = s.queue.claim(1).unwrap().unwrap();
    let trigger: Trigger = serde_json::from_str(&job.payload).unwrap();
    assert_eq!(job.key, "acme/data#12");
    assert_eq!(trigger.installation, 99);
    assert!(
        matches!(trigger.action, Action::PromoteIssue { ref source, .. } if source.as_deref() == Some("bronze/orders.csv"))
    );
    assert_eq!(s.queue.claim(1).unwrap(), None, "one job for two deliveries");

    let big = vec![b' '; 2 * 1024 * 1024];
    assert_eq!(deliver(&s, "issues", "big", &big, None).status, 413);
    let bad = deliver(&s, "issues", "not-json", b"{not json", None);
    assert_eq!(bad.status, 400);
    assert!(bad.body.starts_with("the payload is not JSON"), "{}", bad.body);
}

#[test]
fn a_slash_command_in_a_comment_is_queued_with_its_author() {
    let s = start();
    let issue = IssueSpec {
        repo: "acme/data",
        number: 5,
        body: "",
        labels: &[],
        pull_request: true,
    };
    let comment = |body: &str, kind: &str| {
        let author = Sender {
            login: "reviewer",
            kind,
        };
        deliveries::comment_created(&issue, 777, body, Some(1), author).to_string()
    };
    let r = deliver(
        &s,
        "issue_comment",
        "c-1",
        comment("/hallmark revise keep refunds", "User").as_bytes(),
        None,
    );
    assert_eq!(r.status, 202, "{}", r.body);
    let r = deliver(
        &s,
        "issue_comment",
        "c-2",
        comment("Looks good to me", "User").as_bytes(),
        None,
    );
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, "ignored: no command in the comment\n")
    );
    let r = deliver(
        &s,
        "issue_comment",
        "c-3",
        comment("/hallmark recheck", "Bot").as_bytes(),
        None,
    );
    assert_eq!((r.status, r.body.as_str()), (200, "ignored: comment by a bot\n"));
    let r = deliver(
        &s,
        "issue_comment",
        "c-4",
        comment("/hallmark promot", "User").as_bytes(),
        None,
    );
    assert_eq!(r.status, 202, "a mistake is queued too, to be answered in a comment");

    let first: Trigger = serde_json::from_str(&s.queue.claim(2).unwrap().unwrap().payload).unwrap();
    assert!(first.pull_request);
    assert_eq!(first.actor, "reviewer");
    assert_eq!(
        first.action,
        Action::Command {
            comment_id: 777,
            command: Ok(hallmark::commands::Command::Revise {
                feedback: "keep refunds".into()
            }),
            bare: false,
        }
    );
}

fn deliver_gitlab(s: &Server, event: &str, uuid: &str, body: &[u8], token: Option<&str>) -> Response {
    deliver_gitlab_keyed(s, event, uuid, None, body, token)
}

/// A delivery as GitLab 17.4+ sends it: a fresh `X-Gitlab-Event-UUID` on every
/// attempt, and an `Idempotency-Key` that stays the same across retries.
fn deliver_gitlab_keyed(
    s: &Server,
    event: &str,
    uuid: &str,
    idempotency_key: Option<&str>,
    body: &[u8],
    token: Option<&str>,
) -> Response {
    let mut headers = vec![
        ("X-Gitlab-Event", event),
        ("X-Gitlab-Event-UUID", uuid),
        ("Content-Type", "application/json"),
    ];
    if let Some(key) = idempotency_key {
        headers.push(("Idempotency-Key", key));
    }
    if let Some(t) = token {
        headers.push(("X-Gitlab-Token", t));
    }
    request(s.server.addr(), "POST", "/webhooks/gitlab", &headers, body).unwrap()
}

fn gitlab_fixture(name: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/webhooks/gitlab")
        .join(name);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The `X-Gitlab-Event` GitLab sends with a payload of `object_kind`.
fn gitlab_event(payload: &serde_json::Value) -> &'static str {
    match payload["object_kind"].as_str().unwrap_or_default() {
        "issue" => "Issue Hook",
        "note" => "Note Hook",
        "merge_request" => "Merge Request Hook",
        "push" => "Push Hook",
        "tag_push" => "Tag Push Hook",
        "pipeline" => "Pipeline Hook",
        "build" => "Job Hook",
        "wiki_page" => "Wiki Page Hook",
        "deployment" => "Deployment Hook",
        "release" => "Release Hook",
        "feature_flag" => "Feature Flag Hook",
        _ => "System Hook",
    }
}

#[test]
fn every_gitlab_fixture_gets_a_2xx_and_a_wrong_token_queues_nothing() {
    let s = start();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/webhooks/gitlab");
    let token = std::str::from_utf8(GITLAB_SECRET).unwrap();
    let mut n = 0;
    for file in std::fs::read_dir(&dir).unwrap().flatten() {
        if file.path().extension().is_none_or(|e| e != "json") {
            continue;
        }
        let body = std::fs::read(file.path()).unwrap();
        let payload: serde_json::Value = serde_json::from_slice(&body).unwrap();
        for bad in [None, Some("wrong"), Some("")] {
            let r = deliver_gitlab(&s, gitlab_event(&payload), &format!("bad-{n}"), &body, bad);
            assert_eq!(r.status, 401, "{} with {bad:?}: {}", file.path().display(), r.body);
        }
        let r = deliver_gitlab(&s, gitlab_event(&payload), &format!("gl-{n}"), &body, Some(token));
        assert!(
            (200..300).contains(&r.status),
            "{} → {} {}",
            file.path().display(),
            r.status,
            r.body
        );
        n += 1;
    }
    assert_eq!(n, 21, "every GitLab fixture");
    // The only work in GitLab's examples: merge requests opened with commits, whose
    // standards the bot checks, and the push to the default branch that lists 2 of its
    // 4 commits (`total_commits_count`), whose diff the job reads. Nothing came of a
    // bad token.
    let (mut requests, mut pushes) = (0, 0);
    while let Some(job) = s.queue.claim(100).unwrap() {
        let trigger: Trigger = serde_json::from_str(&job.payload).unwrap();
        match trigger.action {
            Action::StandardsChange { .. } => requests += 1,
            Action::StandardsPush { .. } => pushes += 1,
            _ => panic!("{trigger:?}"),
        }
        s.queue.finish(job.id, None).unwrap();
    }
    assert!(requests <= 3, "{requests} merge request jobs");
    assert_eq!(pushes, 1, "the push with unlisted commits");
    let metrics = request(s.server.addr(), "GET", "/metrics", &[], b"").unwrap().body;
    assert!(
        metrics.contains(&format!(
            "hallmark_webhook_deliveries_total{{forge=\"gitlab\",outcome=\"bad_signature\"}} {}",
            3 * n
        )),
        "{metrics}"
    );
}

#[test]
fn a_gitlab_label_queues_one_job_however_often_gitlab_retries() {
    let s = start();
    let token = std::str::from_utf8(GITLAB_SECRET).unwrap();
    let mut issue = gitlab_fixture("issue.json");
    issue["object_attributes"]["action"] = serde_json::json!("update");
    issue["object_attributes"]["description"] =
        serde_json::json!("### Source\n\nbronze/orders.csv\n\n### Target level\n\nsilver\n");
    let label =
        |t: &str| serde_json::json!({"id": 7, "title": t, "color": "#fff", "project_id": 14, "type": "ProjectLabel"});
    issue["changes"]["labels"] =
        serde_json::json!({"previous": [label("API")], "current": [label("API"), label("promote")]});
    let body = issue.to_string();
    let first = deliver_gitlab(&s, "Issue Hook", "uuid-1", body.as_bytes(), Some(token));
    assert_eq!(first.status, 202, "{}", first.body);
    let again = deliver_gitlab(&s, "Issue Hook", "uuid-1", body.as_bytes(), Some(token));
    assert_eq!((again.status, again.body.as_str()), (200, "already received\n"));
    // GitLab 17.4+ retries with a fresh UUID and the same Idempotency-Key.
    let keyed = deliver_gitlab_keyed(&s, "Issue Hook", "uuid-2", Some("idem-1"), body.as_bytes(), Some(token));
    assert_eq!(keyed.status, 200, "{}", keyed.body);
    let retried = deliver_gitlab_keyed(&s, "Issue Hook", "uuid-3", Some("idem-1"), body.as_bytes(), Some(token));
    assert_eq!((retried.status, retried.body.as_str()), (200, "already received\n"));
    let job = s.queue.claim(1).unwrap().unwrap();
    let trigger: Trigger = serde_json::from_str(&job.payload).unwrap();
    assert_eq!(
        (job.key.as_str(), job.kind.as_str()),
        ("gitlabhq/gitlab-test#23", "gitlab")
    );
    assert_eq!(trigger.forge, hallmark::events::ForgeKind::GitLab);
    // A GitHub delivery with the same id is another delivery.
    let github = deliver(&s, "ping", "uuid-1", b"{}", None);
    assert_eq!(github.status, 200, "{}", github.body);
    assert_eq!(s.queue.claim(1).unwrap(), None);
}
