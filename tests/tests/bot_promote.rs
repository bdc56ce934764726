//! The GitHub bot end to end over real HTTP and real git, for the stories only GitHub
//! tells (the stories both forges share are in `bot_stories.rs`): the request form's
//! opened+labeled pair, a request missing its source, bare commands turned off,
//! GitHub failing mid-job, and a repository that drafts with a language model.

mod harness;

use hallmark::github::client::marker;
use hallmark::webhook::signature::sign_github;
use hallmark_tests::deliveries::{self, IssueSpec, Sender};
use hallmark_tests::fake_github::{Failure, FakeGitHub};
use hallmark_tests::http::request;
use hallmark_tests::llm_server::{Reply, ScriptedLlm};
use harness::REPO;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

const SECRET: &[u8] = b"bot-test-secret";

type Bot = harness::Bot<FakeGitHub>;

fn start() -> Bot {
    start_with(&[], &[])
}

/// The bot, with `extra` files committed to the team's repository, whose operator
/// allows the endpoints `allowed`.
fn start_with(extra: &[(&str, &str)], allowed: &[&str]) -> Bot {
    let (fake, forges) = harness::github();
    fake.with_state(|s| {
        s.repo(REPO).permissions.insert("maintainer".into(), "maintain".into());
        s.repo(REPO).permissions.insert("visitor".into(), "read".into());
        s.repo(REPO).permissions.insert("consumer".into(), "write".into());
    });
    let options = harness::Options {
        extra_files: extra,
        allowed,
        llm_key: Some("bot-llm-key"),
        ..harness::Options::new(forges, harness::server_config(Some(SECRET), None))
    };
    Bot::start(fake, options)
}

fn deliver(bot: &Bot, event: &str, delivery: &str, payload: serde_json::Value) -> u16 {
    let body = payload.to_string();
    let sig = sign_github(SECRET, body.as_bytes());
    request(
        bot.server.addr(),
        "POST",
        "/webhooks/github",
        &[
            ("X-GitHub-Event", event),
            ("X-GitHub-Delivery", delivery),
            ("X-Hub-Signature-256", &sig),
        ],
        body.as_bytes(),
    )
    .unwrap()
    .status
}

fn labeled_issue(number: u64, body: &str) -> serde_json::Value {
    let issue = IssueSpec {
        repo: REPO,
        number,
        body,
        labels: &["promote"],
        pull_request: false,
    };
    deliveries::issues("labeled", &issue, Some("promote"), Some(99), Sender::user("consumer"))
}

const FORM: &str = "### Source\n\nbronze/orders.csv\n\n### Target level\n\nsilver\n\n### Product name\n\n_No response_\n\n### Owner\n\nfinance-data@acme.example\n\n### What do you need, and why?\n\nOne row per order for the finance dashboards.\n";

/// GitHub's request form with `labels: [promote]` sends `issues.opened` carrying the
/// label and then `issues.labeled`: replayed from the real fixture pair, the request
/// is one job, one pull request and one checklist.
#[test]
fn a_form_filed_with_the_label_is_promoted_once() {
    let bot = start();
    let issue = IssueSpec {
        repo: REPO,
        number: 31,
        body: FORM,
        labels: &["promote"],
        pull_request: false,
    };
    let opened = deliveries::issues("opened", &issue, None, Some(99), Sender::user("consumer"));
    let labeled = deliveries::issues("labeled", &issue, Some("promote"), Some(99), Sender::user("consumer"));
    assert_eq!(deliver(&bot, "issues", "form-opened", opened), 202);
    assert_eq!(deliver(&bot, "issues", "form-labeled", labeled), 200);
    assert!(bot.worker.run_one());
    assert!(!bot.worker.run_one(), "no second job");
    let (pulls, comments) = bot
        .fake
        .with_state(|s| (s.repo(REPO).pulls.clone(), s.repo(REPO).comments.clone()));
    assert_eq!(pulls.len(), 1, "{pulls:?}");
    assert!(pulls[0].body.starts_with("Closes #31"), "{}", pulls[0].body);
    let checklists = comments
        .iter()
        .filter(|c| c.number == pulls[0].number && c.body.starts_with(&marker("checklist")))
        .count();
    assert_eq!(checklists, 1);
}

#[test]
fn a_request_missing_its_source_is_answered_with_what_is_needed() {
    let bot = start();
    assert_eq!(
        deliver(&bot, "issues", "d-1", labeled_issue(3, "Please make orders nice.")),
        202
    );
    assert!(bot.worker.run_one());
    let comments = bot.fake.with_state(|s| s.repo(REPO).comments.clone());
    assert_eq!(comments.len(), 1);
    assert!(
        comments[0].body.contains("the **source**") && comments[0].body.contains("the **target level**"),
        "{}",
        comments[0].body
    );
    assert!(bot.fake.with_state(|s| s.repo(REPO).pulls.is_empty()));
}

fn comment_on(number: u64, pull_request: bool, login: &str, id: u64, body: &str) -> serde_json::Value {
    let issue = IssueSpec {
        repo: REPO,
        number,
        body: "",
        labels: &[],
        pull_request,
    };
    deliveries::comment_created(&issue, id, body, Some(99), Sender::user(login))
}

#[test]
fn a_repository_can_turn_bare_commands_off() {
    let bot = start();
    bot.fake.with_state(|s| {
        s.repo(REPO)
            .files
            .insert(".hallmark.yml".into(), "bot:\n  bare_commands: false\n".into());
    });
    assert_eq!(
        deliver(
            &bot,
            "issue_comment",
            "b-1",
            comment_on(12, false, "visitor", 801, "/help")
        ),
        202
    );
    assert!(bot.worker.run_one());
    assert!(
        bot.fake.with_state(|s| s.repo(REPO).comments.is_empty()),
        "a bare command is ignored here"
    );
    assert_eq!(
        deliver(
            &bot,
            "issue_comment",
            "b-2",
            comment_on(12, false, "visitor", 802, "/hallmark help")
        ),
        202
    );
    assert!(bot.worker.run_one());
    assert_eq!(
        bot.fake.with_state(|s| s.repo(REPO).comments.len()),
        1,
        "the full form still works"
    );
}

#[test]
fn github_failing_during_a_job_is_retried_and_the_job_still_completes() {
    let bot = start();
    // GitHub's front end falls over, then the installation's rate limit is spent for a
    // second, in the middle of the job's API calls.
    bot.fake.with_state(|s| {
        s.failures.extend([
            Failure::Status(502),
            Failure::Status(503),
            Failure::RateLimited { reset_in_secs: 1 },
        ])
    });
    assert_eq!(deliver(&bot, "issues", "f-1", labeled_issue(12, FORM)), 202);
    assert!(bot.worker.run_one());
    let (pulls, failures_left) = bot.fake.with_state(|s| (s.repo(REPO).pulls.clone(), s.failures.len()));
    assert_eq!(failures_left, 0, "every failure was met");
    assert_eq!(pulls.len(), 1, "the job completed: no job lost");
    let job = bot.queue.job(1).unwrap().unwrap();
    assert_eq!((job.state, job.error), (hallmark::queue::JobState::Done, None));
}

#[test]
fn a_repository_with_a_language_model_is_promoted_by_it() {
    let llm = ScriptedLlm::start(vec![
        Reply::Tools(vec![
            (
                "write_file".into(),
                json!({"path": "products/customers/silver.yml", "content": "name: customers\nlevel: silver\ndescription: One row per customer.\nowner: crm@acme.example\nsources:\n  - name: bronze.customers\n    file: bronze/customers.csv\n    key: [\"Customer ID\"]\nprimary_key: [customer_id]\ncolumns:\n  - { name: customer_id, type: varchar, description: The customer's id. }\n"}).to_string(),
            ),
            (
                "write_file".into(),
                json!({"path": "products/customers/silver.sql", "content": "SELECT DISTINCT trim(\"Customer ID\") AS customer_id FROM bronze.customers WHERE \"Customer ID\" IS NOT NULL"}).to_string(),
            ),
        ]),
        Reply::tool("finish", json!({"summary": "Only the key, as a first step."})),
    ]);
    let config = format!(
        "llm:\n  base_url: {}\n  model: scripted\n  max_turns: 6\n",
        llm.base_url()
    );
    let base_url = llm.base_url();
    let bot = start_with(&[(".hallmark.yml", &config)], &[&base_url]);
    let form = FORM.replace("bronze/orders.csv", "bronze/customers.csv");
    assert_eq!(deliver(&bot, "issues", "l-1", labeled_issue(50, &form)), 202);
    assert!(bot.worker.run_one());

    let pull = bot
        .fake
        .with_state(|s| s.repo(REPO).pulls.clone())
        .pop()
        .expect("a pull request");
    assert_eq!(pull.head, "hallmark/silver/customers");
    let requests = llm.requests();
    assert!(!requests.is_empty());
    assert_eq!(requests[0].authorization.as_deref(), Some("Bearer bot-llm-key"));
    let remote = git2::Repository::open_bare(&bot.remote).unwrap();
    let sql = file_on_branch(&remote, "hallmark/silver/customers", "products/customers/silver.sql");
    assert!(
        sql.starts_with("SELECT DISTINCT trim("),
        "the model's SQL was committed"
    );
    let plan = file_on_branch(&remote, "hallmark/silver/customers", "products/customers/PROMOTION.md");
    assert!(
        plan.contains("Drafted by Hallmark's `llm` drafter") && plan.contains("Only the key, as a first step."),
        "{plan}"
    );
}

/// A repository that points the model (or the warehouse) at an address of its own
/// choosing gets a refusal that names the setting, and the operator's key is sent
/// nowhere: the job fails before any request is made.
#[test]
fn a_repository_cannot_send_the_operators_keys_to_its_own_endpoints() {
    let llm = ScriptedLlm::start(vec![Reply::tool("finish", json!({"summary": "never asked"}))]);
    for (config, setting) in [
        (
            format!("llm:\n  base_url: {}\n  model: scripted\n", llm.base_url()),
            "llm.base_url",
        ),
        (
            format!(
                "warehouse:\n  kind: clickhouse\n  url: {}\n",
                llm.base_url().trim_end_matches("/v1")
            ),
            "warehouse.url",
        ),
    ] {
        let bot = start_with(&[(".hallmark.yml", &config)], &["http://127.0.0.1:1/v1"]);
        assert_eq!(deliver(&bot, "issues", "x-1", labeled_issue(60, FORM)), 202);
        assert!(bot.worker.run_one());
        let job = bot.queue.job(1).unwrap().unwrap();
        let error = job.error.unwrap_or_default();
        assert!(
            error.contains(&format!("`{setting}: http://127.0.0.1:")) && error.contains("not an endpoint the operator"),
            "{error}"
        );
        let comments = bot.fake.with_state(|s| s.repo(REPO).comments.clone());
        assert!(
            comments.iter().any(|c| c.body.contains("not an endpoint the operator")),
            "the tracking comment says why: {comments:?}"
        );
        assert!(bot.fake.with_state(|s| s.repo(REPO).pulls.is_empty()));
    }
    assert!(llm.requests().is_empty(), "nothing reached the repository's endpoint");
}

/// A job that outlives the operator's `--job-timeout` fails saying so, and stops at its
/// next step instead of pushing.
#[test]
fn a_job_past_its_time_limit_fails_before_it_pushes() {
    let mut bot = start();
    bot.worker.job_timeout = Some(Duration::from_nanos(1));
    assert_eq!(deliver(&bot, "issues", "t-1", labeled_issue(70, FORM)), 202);
    assert!(bot.worker.run_one());
    let job = bot.queue.job(1).unwrap().unwrap();
    assert_eq!(job.state, hallmark::queue::JobState::Failed);
    assert!(job.error.unwrap_or_default().contains("--job-timeout"));
    assert!(
        bot.fake.with_state(|s| s.repo(REPO).pulls.is_empty()),
        "nothing was proposed"
    );
}

/// A file's text at the tip of `branch` in a bare repository.
fn file_on_branch(repo: &git2::Repository, branch: &str, path: &str) -> String {
    let blob = repo
        .find_reference(&format!("refs/heads/{branch}"))
        .unwrap()
        .peel_to_tree()
        .unwrap()
        .get_path(Path::new(path))
        .unwrap()
        .to_object(repo)
        .unwrap()
        .peel_to_blob()
        .unwrap();
    String::from_utf8_lossy(blob.content()).into_owned()
}
