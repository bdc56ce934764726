//! The bot end to end over real HTTP and real git: a signed `issues.labeled` delivery
//! reaches the webhook server, the worker promotes the request on a fresh clone of a
//! bare remote, pushes the branch, opens a pull request that closes the issue and
//! posts the checklist; running the job again opens no second pull request or
//! checklist; commands from people
//! without write access are refused politely.

use hallmark::commands::Syntax;
use hallmark::github::auth::Secret;
use hallmark::github::client::{marker, GitHubClient};
use hallmark::github::limits::RetryPolicy;
use hallmark::github::permission::Permission;
use hallmark::queue::Queue;
use hallmark::server::{router, AppState, Metrics, ServerConfig};
use hallmark::webhook::signature::sign_github;
use hallmark::worker::{Forges, Worker};
use hallmark_tests::deliveries::{self, IssueSpec, Sender};
use hallmark_tests::fake_github::{test_app_private_key, Failure, FakeGitHub, TEST_APP_ID};
use hallmark_tests::http::request;
use hallmark_tests::llm_server::{Reply, ScriptedLlm};
use hallmark_tests::remote::retail_remote_with;
use hallmark_tests::serve::Background;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const SECRET: &[u8] = b"bot-test-secret";
const REPO: &str = "acme/retail";

struct Bot {
    _dir: tempfile::TempDir,
    remote: PathBuf,
    fake: FakeGitHub,
    queue: Arc<Queue>,
    server: Background,
    worker: Worker,
}

fn start() -> Bot {
    start_with(&[])
}

/// The bot, with `extra` files committed to the team's repository.
fn start_with(extra: &[(&str, &str)]) -> Bot {
    let dir = tempfile::tempdir().unwrap();
    let remote = retail_remote_with(dir.path(), extra);

    let fake = FakeGitHub::for_test_app();
    fake.with_state(|s| {
        s.permissions
            .insert((REPO.into(), "maintainer".into()), "maintain".into());
        s.permissions.insert((REPO.into(), "visitor".into()), "read".into());
        s.permissions.insert((REPO.into(), "consumer".into()), "write".into());
    });
    let github = GitHubClient::new(
        &fake.url(),
        TEST_APP_ID,
        &Secret::new(test_app_private_key()),
        RetryPolicy {
            attempts: 3,
            backoff: Duration::from_millis(10),
            max_rate_limit_wait: Duration::from_secs(5),
            secondary_wait: Duration::from_millis(20),
        },
    )
    .unwrap();
    let queue = Arc::new(Queue::open(&dir.path().join("queue.sqlite")).unwrap());
    let state = Arc::new(AppState {
        config: ServerConfig {
            github_secret: Some(SECRET.to_vec()),
            gitlab_secret: None,
            label: "promote".into(),
            syntax: Syntax::default(),
            max_body_bytes: 1 << 20,
        },
        queue: queue.clone(),
        metrics: Metrics::default(),
    });
    let server = Background::spawn(move |_| router(state));
    let remote_url = remote.to_str().unwrap().to_string();
    let worker = Worker {
        forges: Forges {
            github: Some(github),
            gitlab: None,
        },
        queue: queue.clone(),
        remote: Box::new(move |_, _| remote_url.clone()),
        work_dir: dir.path().join("work"),
        write_permission: Permission::Write,
        runtime: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
        llm_key: Some(Secret::new("bot-llm-key")),
        concurrency: 1,
    };
    Bot {
        _dir: dir,
        remote,
        fake,
        queue,
        server,
        worker,
    }
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

#[test]
fn a_labeled_issue_becomes_a_pull_request_with_a_checklist_and_a_rerun_opens_no_second_one() {
    let bot = start();
    assert_eq!(deliver(&bot, "issues", "d-1", labeled_issue(12, FORM)), 202);
    assert!(bot.worker.run_one());

    let (pulls, comments, reactions) = bot
        .fake
        .with_state(|s| (s.pulls.clone(), s.comments.clone(), s.issue_reactions.clone()));
    assert_eq!(pulls.len(), 1, "{pulls:?} {comments:?}");
    let pr = &pulls[0];
    assert_eq!((pr.head.as_str(), pr.base.as_str()), ("hallmark/silver/orders", "main"));
    assert_eq!(pr.title, "Promote bronze.orders to silver.orders");
    assert!(pr.body.starts_with("Closes #12"), "{}", pr.body);
    assert!(pr.body.contains("```diff"), "{}", pr.body);
    assert_eq!(reactions, vec![(12, "eyes".to_string())]);

    let checklist: Vec<_> = comments.iter().filter(|c| c.number == pr.number).collect();
    assert_eq!(checklist.len(), 1);
    assert!(checklist[0].body.starts_with(&marker("checklist")));
    assert!(checklist[0].body.contains("**✅ passed**"), "{}", checklist[0].body);
    let tracking: Vec<_> = comments.iter().filter(|c| c.number == 12).collect();
    assert_eq!(tracking.len(), 1, "one tracking comment, updated in place");
    assert!(
        tracking[0]
            .body
            .contains(&format!("Pull request #{} proposes `silver.orders`", pr.number)),
        "{}",
        tracking[0].body
    );

    // The branch is on the remote with the product's files.
    let remote = git2::Repository::open_bare(&bot.remote).unwrap();
    let tree = remote
        .find_reference("refs/heads/hallmark/silver/orders")
        .unwrap()
        .peel_to_tree()
        .unwrap();
    for f in ["silver.yml", "silver.sql", "bronze.yml", "PROMOTION.md"] {
        assert!(tree.get_path(Path::new(&format!("products/orders/{f}"))).is_ok(), "{f}");
    }
    let tip = remote.refname_to_id("refs/heads/hallmark/silver/orders").unwrap();

    // The same request delivered again with a new id: the same job, nothing queued.
    assert_eq!(deliver(&bot, "issues", "d-2", labeled_issue(12, FORM)), 200);
    assert_eq!(bot.queue.claim(1).unwrap(), None);
    // The job run again (after a crash): still one pull request and one checklist;
    // the branch only moves forward (the new checklist has a new reference time),
    // never by force.
    let first = bot.queue.job(1).unwrap().expect("the first job");
    bot.queue.enqueue(&first.key, &first.kind, &first.payload).unwrap();
    assert!(bot.worker.run_one());
    let (pulls, comments) = bot.fake.with_state(|s| (s.pulls.clone(), s.comments.clone()));
    assert_eq!(pulls.len(), 1);
    assert_eq!(comments.iter().filter(|c| c.number == pulls[0].number).count(), 1);
    let new_tip = remote.refname_to_id("refs/heads/hallmark/silver/orders").unwrap();
    assert!(new_tip == tip || remote.graph_descendant_of(new_tip, tip).unwrap());
    assert_eq!(bot.queue.claim(1).unwrap(), None);
}

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
    let (pulls, comments) = bot.fake.with_state(|s| (s.pulls.clone(), s.comments.clone()));
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
    let comments = bot.fake.with_state(|s| s.comments.clone());
    assert_eq!(comments.len(), 1);
    assert!(
        comments[0].body.contains("the **source**") && comments[0].body.contains("the **target level**"),
        "{}",
        comments[0].body
    );
    assert!(bot.fake.with_state(|s| s.pulls.is_empty()));
}

#[test]
fn commands_are_answered_by_permission_with_help_explain_and_cancel() {
    let bot = start();
    let comment = |login: &str, id: u64, body: &str| comment_on(12, false, login, id, body);
    assert_eq!(
        deliver(
            &bot,
            "issue_comment",
            "c-1",
            comment("visitor", 501, "/hallmark cancel")
        ),
        202
    );
    assert!(bot.worker.run_one());
    assert_eq!(
        deliver(&bot, "issue_comment", "c-2", comment("visitor", 502, "/hallmark help")),
        202
    );
    assert!(bot.worker.run_one());
    assert_eq!(
        deliver(
            &bot,
            "issue_comment",
            "c-3",
            comment("maintainer", 503, "/hallmark promot")
        ),
        202
    );
    assert!(bot.worker.run_one());
    let comments = bot.fake.with_state(|s| s.comments.clone());
    assert_eq!(comments.len(), 3, "{comments:?}");
    assert!(
        comments[0].body.contains(
            "@visitor thanks for the suggestion! `/hallmark cancel` changes the repository, so it needs write access"
        ),
        "{}",
        comments[0].body
    );
    assert!(
        comments[1].body.contains("| `/hallmark help` |"),
        "help is open to everyone"
    );
    assert!(
        comments[2]
            .body
            .starts_with("@maintainer `promot` is not a Hallmark command; did you mean `promote`?"),
        "{}",
        comments[2].body
    );
    let reactions = bot.fake.with_state(|s| s.reactions.clone());
    assert!(reactions.contains(&(501, "confused".to_string())));
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
fn promote_from_a_comment_then_recheck_updates_the_same_checklist() {
    let bot = start();
    bot.fake.with_state(|s| {
        s.issues.insert(
            (REPO.into(), 40),
            FORM.replace("bronze/orders.csv", "bronze/customers.csv"),
        );
    });
    assert_eq!(
        deliver(
            &bot,
            "issue_comment",
            "c-1",
            comment_on(40, false, "maintainer", 601, "/hallmark promote")
        ),
        202
    );
    assert!(bot.worker.run_one());
    let pull = bot.fake.with_state(|s| s.pulls.clone()).pop().expect("a pull request");
    assert_eq!(pull.head, "hallmark/silver/customers");
    assert!(pull.body.starts_with("Closes #40"));
    // Someone changed the data since: the posted checklist is stale.
    bot.fake.with_state(|s| {
        let c = s.comments.iter_mut().find(|c| c.number == pull.number).unwrap();
        c.body = format!("{}\nstale", marker("checklist"));
    });

    assert_eq!(
        deliver(
            &bot,
            "issue_comment",
            "c-2",
            comment_on(pull.number, true, "maintainer", 602, "/hallmark recheck")
        ),
        202
    );
    assert!(bot.worker.run_one());
    let comments = bot.fake.with_state(|s| s.comments.clone());
    let checklists: Vec<_> = comments.iter().filter(|c| c.number == pull.number).collect();
    assert_eq!(checklists.len(), 1, "recheck updates the checklist, never a second one");
    assert!(
        checklists[0].body.contains("`silver.customers`") && !checklists[0].body.contains("stale"),
        "{}",
        checklists[0].body
    );
    assert!(bot
        .fake
        .with_state(|s| s.reactions.contains(&(602, "eyes".to_string()))));
}

#[test]
fn revise_commits_on_the_pull_request_branch_and_updates_the_same_checklist() {
    let bot = start();
    assert_eq!(deliver(&bot, "issues", "d-1", labeled_issue(12, FORM)), 202);
    assert!(bot.worker.run_one());
    let pull = bot.fake.with_state(|s| s.pulls[0].clone());
    let remote = git2::Repository::open_bare(&bot.remote).unwrap();
    let before = remote.refname_to_id("refs/heads/hallmark/silver/orders").unwrap();

    bot.fake.with_state(|s| {
        s.review_comments.push((
            REPO.into(),
            pull.number,
            "reviewer".into(),
            "products/orders/silver.yml".into(),
            "Say that amounts are in the order's currency.".into(),
        ))
    });
    let revise = comment_on(
        pull.number,
        true,
        "maintainer",
        701,
        "/hallmark revise\nname the finance team as the audience",
    );
    assert_eq!(deliver(&bot, "issue_comment", "r-1", revise), 202);
    assert!(bot.worker.run_one());

    let after = remote.refname_to_id("refs/heads/hallmark/silver/orders").unwrap();
    assert_ne!(after, before, "a new commit");
    assert!(
        remote.graph_descendant_of(after, before).unwrap(),
        "on top of the old one, no force push"
    );
    let plan = file_on_branch(&remote, "hallmark/silver/orders", "products/orders/PROMOTION.md");
    assert!(
        plan.contains("Reviewer feedback from @maintainer:\nname the finance team as the audience"),
        "{plan}"
    );
    assert!(
        plan.contains("- @reviewer on products/orders/silver.yml: Say that amounts are in the order's currency."),
        "the reviewers' comments are context too: {plan}"
    );

    let comments = bot.fake.with_state(|s| s.comments.clone());
    let on_pull: Vec<_> = comments.iter().filter(|c| c.number == pull.number).collect();
    assert_eq!(
        on_pull
            .iter()
            .filter(|c| c.body.starts_with(&marker("checklist")))
            .count(),
        1,
        "the same checklist comment"
    );
    assert!(
        on_pull
            .iter()
            .any(|c| c.body.starts_with("@maintainer revised with your feedback in commit")),
        "{on_pull:?}"
    );
    assert_eq!(bot.fake.with_state(|s| s.pulls.len()), 1);
}

/// Anyone who can open an issue can file the form with the label; starting a
/// promotion asks the permission `/hallmark promote` does (write by default), and a
/// repository can lower it with `bot.promote_permission`.
#[test]
fn a_form_from_someone_without_write_access_is_answered_not_promoted() {
    let bot = start();
    let opened = |number: u64| {
        let issue = IssueSpec {
            repo: REPO,
            number,
            body: FORM,
            labels: &["promote"],
            pull_request: false,
        };
        deliveries::issues("opened", &issue, None, Some(99), Sender::user("visitor"))
    };
    assert_eq!(deliver(&bot, "issues", "v-1", opened(21)), 202);
    assert!(bot.worker.run_one());
    let (pulls, comments) = bot.fake.with_state(|s| (s.pulls.len(), s.comments.clone()));
    assert_eq!(pulls, 0, "no promotion for a reader");
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert!(
        comments[0]
            .body
            .starts_with("@visitor thanks for the request! Starting a promotion here needs write access"),
        "{}",
        comments[0].body
    );

    // The repository lets readers start promotions: the same request now promotes.
    bot.fake.with_state(|s| {
        s.files.insert(
            (REPO.into(), ".hallmark.yml".into()),
            "bot:\n  promote_permission: read\n".into(),
        );
    });
    assert_eq!(deliver(&bot, "issues", "v-2", opened(22)), 202);
    assert!(bot.worker.run_one());
    assert_eq!(bot.fake.with_state(|s| s.pulls.len()), 1);
}

#[test]
fn a_repository_can_turn_bare_commands_off() {
    let bot = start();
    bot.fake.with_state(|s| {
        s.files.insert(
            (REPO.into(), ".hallmark.yml".into()),
            "bot:\n  bare_commands: false\n".into(),
        );
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
        bot.fake.with_state(|s| s.comments.is_empty()),
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
        bot.fake.with_state(|s| s.comments.len()),
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
    let (pulls, failures_left) = bot.fake.with_state(|s| (s.pulls.clone(), s.failures.len()));
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
    let bot = start_with(&[(".hallmark.yml", &config)]);
    let form = FORM.replace("bronze/orders.csv", "bronze/customers.csv");
    assert_eq!(deliver(&bot, "issues", "l-1", labeled_issue(50, &form)), 202);
    assert!(bot.worker.run_one());

    let pull = bot.fake.with_state(|s| s.pulls.clone()).pop().expect("a pull request");
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
