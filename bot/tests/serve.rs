//! `hallmark serve` as an operator runs it: the binary with its secrets in the
//! environment, a signed webhook over HTTP, a worker that clones from and pushes to a
//! bare remote, and the stateful fake GitHub receiving the pull request.

use hallmark_tests::deliveries::{self, IssueSpec, Sender};
use hallmark_tests::fake_github::{test_app_private_key_file, FakeGitHub, TEST_APP_ID};
use hallmark_tests::fake_gitlab::FakeGitLab;
use hallmark_tests::http::request;
use hallmark_tests::load::post_github;
use hallmark_tests::remote::retail_remote;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `hallmark serve` process, killed when dropped; when the test is failing, the
/// log it wrote (if it wrote one) is printed, so a timed-out story says what the
/// server was doing.
struct Killed(Child, Option<PathBuf>);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        if let Some(log) = self.1.as_ref().filter(|_| std::thread::panicking()) {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(200).collect();
            eprintln!("--- the last lines of {} ---", log.display());
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

/// The fake GitHub where `consumer` has write access to `acme/retail`.
fn fake_with_consumer() -> FakeGitHub {
    let fake = FakeGitHub::for_test_app();
    fake.with_state(|s| {
        s.repo("acme/retail")
            .permissions
            .insert("consumer".into(), "write".into())
    });
    fake
}

/// A signed `issues.labeled` delivery with the `promote` label and a request form
/// asking for `source` in silver, labelled by `consumer`, who may promote (see
/// [`fake_with_consumer`]).
fn labeled_issue(number: u64, source: &str) -> String {
    let body = format!("### Source\n\n{source}\n\n### Target level\n\nsilver\n\n### Owner\n\ndata@acme.example\n");
    let issue = IssueSpec {
        repo: "acme/retail",
        number,
        body: &body,
        labels: &["promote"],
        pull_request: false,
    };
    deliveries::issues("labeled", &issue, Some("promote"), Some(5), Sender::user("consumer")).to_string()
}

/// Posts `body` as GitHub would, signed with `secret`.
fn deliver(addr: SocketAddr, secret: &[u8], delivery: &str, body: &str) -> hallmark_tests::http::Response {
    post_github(addr, secret, "issues", delivery, body).unwrap()
}

/// The promotion of issue `issue` ended once: one pull request with one checklist, and
/// one tracking comment on the issue.
fn assert_one_pull_request_checklist_and_tracking_comment(fake: &FakeGitHub, issue: u64) {
    let (pulls, comments) = fake.with_state(|s| {
        (
            s.repo("acme/retail").pulls.clone(),
            s.repo("acme/retail").comments.clone(),
        )
    });
    assert_eq!(pulls.len(), 1, "{pulls:?}");
    assert_eq!(
        comments.iter().filter(|c| c.number == pulls[0].number).count(),
        1,
        "one checklist"
    );
    assert_eq!(
        comments.iter().filter(|c| c.number == issue).count(),
        1,
        "one tracking comment"
    );
}

fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_binary_turns_a_labeled_issue_into_a_pull_request() {
    let dir = tempfile::tempdir().unwrap();
    let remote = retail_remote(dir.path());
    let fake = fake_with_consumer();
    let addr = free_port();
    let secret = "serve-test-secret";
    let _server = serve(addr, &fake, &remote, &dir.path().join("data"), secret);

    let body = labeled_issue(21, "bronze/customers.csv");
    let r = deliver(addr, secret.as_bytes(), "serve-1", &body);
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(deliver(addr, b"nope", "serve-2", &body).status, 401);

    wait_until("the pull request", || {
        fake.with_state(|s| !s.repo("acme/retail").pulls.is_empty())
    });
    let pull = fake.with_state(|s| s.repo("acme/retail").pulls[0].clone());
    assert_eq!(pull.head, "hallmark/silver/customers");
    assert!(pull.body.starts_with("Closes #21"), "{}", pull.body);
    wait_until("the checklist", || {
        fake.with_state(|s| s.repo("acme/retail").comments.iter().any(|c| c.number == pull.number))
    });
    wait_until("the job done", || {
        request(addr, "GET", "/metrics", &[], b"").is_ok_and(|r| r.body.contains("hallmark_jobs{state=\"done\"} 1"))
    });
    let metrics = request(addr, "GET", "/metrics", &[], b"").unwrap().body;
    assert!(
        metrics.contains("hallmark_webhook_deliveries_total{forge=\"github\",outcome=\"queued\"} 1"),
        "{metrics}"
    );
    // The job's duration, the calls it made and the limit GitHub says is left.
    assert!(
        metrics.contains("hallmark_job_duration_seconds_count{forge=\"github\",action=\"promote\",outcome=\"done\"} 1"),
        "{metrics}"
    );
    let value = |prefix: &str| -> f64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("{prefix} in\n{metrics}"))
    };
    let posts = value("hallmark_forge_api_calls_total{forge=\"github\",method=\"POST\",status=\"2xx\"}");
    let comments = fake.with_state(|s| s.repo("acme/retail").comments.len()) as f64;
    assert!(posts >= comments + 1.0, "the pull request and every comment: {posts}");
    let left = value("hallmark_forge_rate_limit_remaining{forge=\"github\",scope=\"5\"}");
    assert!(left > 0.0 && left < 5000.0, "{left}");
    assert!(metrics.contains("hallmark_queue_up 1"), "{metrics}");
    assert!(metrics.trim_end().ends_with("# EOF"), "OpenMetrics text");
    assert!(
        metrics.contains("hallmark_webhook_deliveries_total{forge=\"github\",outcome=\"bad_signature\"} 1"),
        "{metrics}"
    );
}

fn serve(addr: SocketAddr, fake: &FakeGitHub, remote: &Path, data: &Path, secret: &str) -> Killed {
    serve_with(addr, fake, remote, data, secret, &[], &[])
}

/// `hallmark serve` for GitHub with `args` and `envs` added.
fn serve_with(
    addr: SocketAddr,
    fake: &FakeGitHub,
    remote: &Path,
    data: &Path,
    secret: &str,
    args: &[&str],
    envs: &[(&str, &str)],
) -> Killed {
    // Beside the data dir: a restart on the same data dir starts a new log.
    let log = data.with_extension(format!("{}.log", addr.port()));
    let child = Command::new(env!("CARGO_BIN_EXE_hallmark"))
        .args([
            "serve",
            "--listen",
            &addr.to_string(),
            "--app-id",
            &TEST_APP_ID.to_string(),
            "--api-url",
            &fake.url(),
        ])
        .args([
            "--git-url",
            remote.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
            "--workers",
            "1",
        ])
        .args(args)
        .env("HALLMARK_LOG", "info")
        .envs(envs.iter().copied())
        .env("HALLMARK_GITHUB_WEBHOOK_SECRET", secret)
        .env("HALLMARK_GITHUB_PRIVATE_KEY_FILE", test_app_private_key_file())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    wait_until("the server", || {
        request(addr, "GET", "/healthz", &[], b"").is_ok_and(|r| r.status == 200)
    });
    Killed(child, Some(log))
}

#[test]
fn a_bot_killed_mid_job_resumes_after_a_restart_and_opens_exactly_one_pull_request() {
    let dir = tempfile::tempdir().unwrap();
    let remote = retail_remote(dir.path());
    let fake = fake_with_consumer();
    // Opening the pull request hangs long enough to kill the bot in the middle of it.
    fake.with_state(|s| s.create_pull_delay_ms = 4_000);
    let data = dir.path().join("data");
    let secret = "restart-secret";
    let addr = free_port();
    let first = serve(addr, &fake, &remote, &data, secret);

    let body = labeled_issue(30, "bronze/orders.csv");
    assert_eq!(deliver(addr, secret.as_bytes(), "restart-1", &body).status, 202);

    // The branch is pushed just before the pull request is opened: kill the bot then.
    let bare = git2::Repository::open_bare(&remote).unwrap();
    wait_until("the pushed branch", || {
        bare.find_reference("refs/heads/hallmark/silver/orders").is_ok()
    });
    drop(first);
    assert!(
        fake.with_state(|s| s.repo("acme/retail").pulls.is_empty()),
        "the bot died before the pull request was opened"
    );

    fake.with_state(|s| s.create_pull_delay_ms = 0);
    let second = serve(addr, &fake, &remote, &data, secret);
    // GitHub retries the delivery after the outage: acknowledged, not run twice.
    let again = deliver(addr, secret.as_bytes(), "restart-1", &body);
    assert_eq!((again.status, again.body.as_str()), (200, "already received\n"));
    wait_until("the pull request", || {
        fake.with_state(|s| !s.repo("acme/retail").pulls.is_empty())
    });
    wait_until("the tracking comment's last word", || {
        fake.with_state(|s| {
            s.repo("acme/retail")
                .comments
                .iter()
                .any(|c| c.number == 30 && c.body.contains("Pull request #"))
        })
    });
    // The job is done only once the worker has recorded it: the tracking comment is
    // its last call to GitHub, not its last step.
    wait_until("the job done", || {
        request(addr, "GET", "/metrics", &[], b"").is_ok_and(|r| r.body.contains("hallmark_jobs{state=\"done\"} 1"))
    });
    drop(second);

    assert_one_pull_request_checklist_and_tracking_comment(&fake, 30);
    use hallmark::queue::Queue;
    let queue = hallmark::queue::SqliteQueue::open(&data.join("queue.sqlite"), Default::default()).unwrap();
    let job = queue.job(1).unwrap().unwrap();
    assert_eq!(
        (job.state, job.attempts),
        (hallmark::queue::JobState::Done, 2),
        "the interrupted job ran again"
    );
}

/// Two replicas of `hallmark serve` on one PostgreSQL queue, as a load balancer would
/// run them: one delivery sent to both (GitHub retrying through the balancer) is one
/// job; the replica running it is killed in the middle, and the other takes the job
/// over once its lease has run out and finishes it — one pull request, one checklist,
/// one tracking comment.
#[test]
fn two_replicas_share_a_postgres_queue_and_take_over_a_killed_ones_job() {
    let Some(db) = hallmark_tests::postgres::TestDatabase::create("serve") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let remote = retail_remote(dir.path());
    let fake = fake_with_consumer();
    fake.with_state(|s| s.create_pull_delay_ms = 6_000);
    let secret = "replica-secret";
    let envs = [("HALLMARK_QUEUE_URL", db.url())];
    let args = ["--lease-secs", "3"];
    let addrs = [free_port(), free_port()];
    let mut replicas: Vec<Option<Killed>> = addrs
        .iter()
        .enumerate()
        .map(|(i, addr)| {
            let data = dir.path().join(format!("data-{i}"));
            Some(serve_with(*addr, &fake, &remote, &data, secret, &args, &envs))
        })
        .collect();

    let body = labeled_issue(40, "bronze/orders.csv");
    let answers: Vec<_> = addrs
        .iter()
        .map(|a| {
            let r = deliver(*a, secret.as_bytes(), "replica-1", &body);
            (r.status, r.body)
        })
        .collect();
    assert_eq!(
        answers.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        [202, 200],
        "{answers:?}"
    );
    assert_eq!(answers[1].1, "already received\n");

    // The branch is pushed just before the pull request is opened: kill the replica
    // that runs the job then.
    let bare = git2::Repository::open_bare(&remote).unwrap();
    wait_until("the pushed branch", || {
        bare.find_reference("refs/heads/hallmark/silver/orders").is_ok()
    });
    let owner = db.query("SELECT owner FROM hallmark_jobs WHERE id = 1").remove(0);
    let running = replicas
        .iter()
        .position(|r| {
            let pid = r.as_ref().unwrap().0.id();
            owner.contains(&format!("-{pid}-"))
        })
        .unwrap_or_else(|| panic!("no replica owns the job: {owner}"));
    drop(replicas[running].take());
    assert!(
        fake.with_state(|s| s.repo("acme/retail").pulls.is_empty()),
        "killed before the pull request"
    );
    fake.with_state(|s| s.create_pull_delay_ms = 0);

    wait_until("the pull request from the other replica", || {
        fake.with_state(|s| !s.repo("acme/retail").pulls.is_empty())
    });
    wait_until("the job done", || {
        db.query("SELECT state || ' ' || attempts FROM hallmark_jobs WHERE id = 1") == ["done 2"]
    });
    assert_one_pull_request_checklist_and_tracking_comment(&fake, 40);
    assert_eq!(db.query("SELECT count(*) FROM hallmark_jobs"), ["1"]);
}

/// `hallmark serve` with only GitLab's secrets set: no GitHub App, no `--app-id`.
fn serve_gitlab(addr: SocketAddr, gitlab: &FakeGitLab, remote: &Path, data: &Path) -> Killed {
    let child = Command::new(env!("CARGO_BIN_EXE_hallmark"))
        .args(["serve", "--listen", &addr.to_string(), "--gitlab-url", &gitlab.url()])
        .args([
            "--gitlab-git-url",
            remote.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
            "--workers",
            "1",
        ])
        .env_remove("HALLMARK_GITHUB_WEBHOOK_SECRET")
        .env("HALLMARK_GITLAB_WEBHOOK_SECRET", GITLAB_SECRET)
        .env("HALLMARK_GITLAB_TOKEN", GITLAB_TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until("the server", || {
        request(addr, "GET", "/healthz", &[], b"").is_ok_and(|r| r.status == 200)
    });
    Killed(child, None)
}

const GITLAB_SECRET: &str = "serve-gitlab-secret";
const GITLAB_TOKEN: &str = "glpat-serve-bot";

fn gitlab_with_consumer() -> FakeGitLab {
    let gitlab = FakeGitLab::start();
    gitlab.with_state(|s| {
        s.tokens.insert(GITLAB_TOKEN.into(), "hallmark-bot".into());
        s.project("acme/retail").members.insert("consumer".into(), 30);
    });
    gitlab
}

fn deliver_gitlab(addr: SocketAddr, uuid: &str, body: &str) -> hallmark_tests::http::Response {
    request(
        addr,
        "POST",
        "/webhooks/gitlab",
        &[
            ("X-Gitlab-Event", "Issue Hook"),
            ("X-Gitlab-Event-UUID", uuid),
            ("X-Gitlab-Token", GITLAB_SECRET),
        ],
        body.as_bytes(),
    )
    .unwrap()
}

fn gitlab_request(iid: u64) -> String {
    let form = "### Source\n\nbronze/orders.csv\n\n### Target level\n\nsilver\n\n### Owner\n\ndata@acme.example\n";
    deliveries::gitlab_issue_labeled("acme/retail", iid, form, "promote", "consumer").to_string()
}

#[test]
fn the_binary_with_only_gitlab_secrets_promotes_a_labeled_gitlab_issue() {
    let dir = tempfile::tempdir().unwrap();
    let remote = retail_remote(dir.path());
    let gitlab = gitlab_with_consumer();
    let addr = free_port();
    let _server = serve_gitlab(addr, &gitlab, &remote, &dir.path().join("data"));
    let r = deliver_gitlab(addr, "uuid-serve-1", &gitlab_request(8));
    assert_eq!(r.status, 202, "{}", r.body);
    let github = request(addr, "POST", "/webhooks/github", &[("X-GitHub-Event", "ping")], b"{}").unwrap();
    assert_eq!(github.status, 404, "GitHub is off: {}", github.body);
    wait_until("the merge request", || {
        gitlab.with_state(|s| !s.project("acme/retail").merge_requests.is_empty())
    });
    let mr = gitlab.with_state(|s| s.project("acme/retail").merge_requests[0].clone());
    assert_eq!(
        (mr.source.as_str(), mr.target.as_str()),
        ("hallmark/silver/orders", "main")
    );
    assert!(mr.description.starts_with("Closes #8"), "{}", mr.description);
    wait_until("the checklist note", || {
        gitlab.with_state(|s| {
            s.project("acme/retail")
                .notes
                .iter()
                .any(|n| n.merge_request && n.iid == mr.iid && n.author == "hallmark-bot")
        })
    });
    let metrics = request(addr, "GET", "/metrics", &[], b"").unwrap().body;
    assert!(
        metrics.contains("hallmark_webhook_deliveries_total{forge=\"gitlab\",outcome=\"queued\"} 1"),
        "{metrics}"
    );
}

#[test]
fn a_gitlab_bot_killed_mid_job_resumes_and_opens_exactly_one_merge_request() {
    let dir = tempfile::tempdir().unwrap();
    let remote = retail_remote(dir.path());
    let gitlab = gitlab_with_consumer();
    gitlab.with_state(|s| s.create_merge_request_delay_ms = 4_000);
    let data = dir.path().join("data");
    let addr = free_port();
    let first = serve_gitlab(addr, &gitlab, &remote, &data);
    assert_eq!(deliver_gitlab(addr, "uuid-restart", &gitlab_request(9)).status, 202);
    let bare = git2::Repository::open_bare(&remote).unwrap();
    wait_until("the pushed branch", || {
        bare.find_reference("refs/heads/hallmark/silver/orders").is_ok()
    });
    drop(first);
    gitlab.with_state(|s| s.create_merge_request_delay_ms = 0);
    let _second = serve_gitlab(addr, &gitlab, &remote, &data);
    let again = deliver_gitlab(addr, "uuid-restart", &gitlab_request(9));
    assert_eq!((again.status, again.body.as_str()), (200, "already received\n"));
    wait_until("the job done", || {
        request(addr, "GET", "/metrics", &[], b"").is_ok_and(|r| r.body.contains("hallmark_jobs{state=\"done\"} 1"))
    });
    let (mrs, notes) = gitlab.with_state(|s| {
        (
            s.project("acme/retail").merge_requests.clone(),
            s.project("acme/retail").notes.clone(),
        )
    });
    assert_eq!(mrs.len(), 1, "{mrs:?}");
    let checklists = notes.iter().filter(|n| n.merge_request && n.iid == mrs[0].iid).count();
    assert_eq!(checklists, 1, "{notes:?}");
    let tracking = notes.iter().filter(|n| !n.merge_request && n.iid == 9).count();
    assert_eq!(tracking, 1, "one tracking note: {notes:?}");
}

/// SIGTERM (what an orchestrator sends): the server stops taking deliveries, the job
/// already running finishes within the grace period, and the process exits cleanly.
#[test]
fn sigterm_lets_the_running_job_finish_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let remote = retail_remote(dir.path());
    let fake = fake_with_consumer();
    fake.with_state(|s| s.create_pull_delay_ms = 2_000);
    let addr = free_port();
    let secret = "term-secret";
    let mut server = serve(addr, &fake, &remote, &dir.path().join("data"), secret);
    assert_eq!(
        deliver(
            addr,
            secret.as_bytes(),
            "term-1",
            &labeled_issue(40, "bronze/orders.csv")
        )
        .status,
        202
    );
    let bare = git2::Repository::open_bare(&remote).unwrap();
    wait_until("the pushed branch", || {
        bare.find_reference("refs/heads/hallmark/silver/orders").is_ok()
    });
    // The pull request is being opened (it takes two seconds): now the signal.
    let pid = server.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "the server did not stop");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status:?}");
    assert_eq!(
        fake.with_state(|s| s.repo("acme/retail").pulls.len()),
        1,
        "the running job finished first"
    );
}

#[test]
fn logs_can_be_json_lines_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let remote = retail_remote(dir.path());
    let fake = fake_with_consumer();
    let addr = free_port();
    let secret = "json-log-secret";
    let child = Command::new(env!("CARGO_BIN_EXE_hallmark"))
        .args([
            "serve",
            "--log-format",
            "json",
            "--listen",
            &addr.to_string(),
            "--app-id",
            &TEST_APP_ID.to_string(),
        ])
        .args([
            "--api-url",
            &fake.url(),
            "--git-url",
            remote.to_str().unwrap(),
            "--workers",
            "0",
        ])
        .args(["--data-dir", dir.path().join("data").to_str().unwrap()])
        .env("HALLMARK_LOG", "info")
        .env("HALLMARK_GITHUB_WEBHOOK_SECRET", secret)
        .env("HALLMARK_GITHUB_PRIVATE_KEY_FILE", test_app_private_key_file())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Killed(child, None);
    wait_until("the server", || {
        request(addr, "GET", "/healthz", &[], b"").is_ok_and(|r| r.status == 200)
    });
    assert_eq!(
        deliver(
            addr,
            secret.as_bytes(),
            "json-1",
            &labeled_issue(50, "bronze/orders.csv")
        )
        .status,
        202
    );
    let pid = server.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let mut stderr = String::new();
    std::io::Read::read_to_string(server.0.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "queued" && l["delivery"] == "json-1"),
        "{stderr}"
    );
    assert!(
        lines
            .iter()
            .all(|l| l["level"].is_string() && l["timestamp"].is_string()),
        "{stderr}"
    );
    assert!(!stderr.contains(secret), "the webhook secret never prints");
}

/// `hallmark serve` configured by its environment alone, as compose's env file and the
/// Helm chart's Secret configure it: every flag has a variable, and a variable left
/// blank in the file (`HALLMARK_LLM_API_KEY=`) is unset. A blank app id with GitHub on
/// is the clear error, not a parse failure of an empty number.
#[test]
fn the_server_takes_its_settings_from_the_environment_and_blank_ones_are_unset() {
    let dir = tempfile::tempdir().unwrap();
    let remote = retail_remote(dir.path());
    let fake = fake_with_consumer();
    let addr = free_port();
    let secret = "env-secret";
    let data = dir.path().join("data");
    let base = |app_id: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hallmark"));
        command
            .arg("serve")
            .env("HALLMARK_LISTEN", addr.to_string())
            .env("HALLMARK_GITHUB_APP_ID", app_id)
            .env("HALLMARK_GITHUB_API_URL", fake.url())
            .env("HALLMARK_GITHUB_GIT_URL", remote.to_str().unwrap())
            .env("HALLMARK_DATA_DIR", &data)
            .env("HALLMARK_WORKERS", "1")
            .env("HALLMARK_NO_BARE_COMMANDS", "")
            .env("HALLMARK_LLM_API_KEY", "")
            .env("HALLMARK_GITLAB_TOKEN", "")
            .env("HALLMARK_GITLAB_WEBHOOK_SECRET", "")
            .env("HALLMARK_GITHUB_WEBHOOK_SECRET", secret)
            .env("HALLMARK_GITHUB_PRIVATE_KEY_FILE", test_app_private_key_file());
        command
    };
    let blank = base("").output().unwrap();
    let err = String::from_utf8_lossy(&blank.stderr);
    assert_eq!(blank.status.code(), Some(2), "{err}");
    assert!(
        err.contains("HALLMARK_GITHUB_APP_ID") && !err.contains("cannot parse"),
        "{err}"
    );

    let child = base(&TEST_APP_ID.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _server = Killed(child, None);
    wait_until("the server on HALLMARK_LISTEN", || {
        request(addr, "GET", "/healthz", &[], b"").is_ok_and(|r| r.status == 200)
    });
    let body = labeled_issue(31, "bronze/orders.csv");
    assert_eq!(deliver(addr, secret.as_bytes(), "env-1", &body).status, 202);
    wait_until(
        "the pull request, through the app and remote the environment named",
        || fake.with_state(|s| !s.repo("acme/retail").pulls.is_empty()),
    );
    assert!(data.join("queue.sqlite").exists(), "the queue is in HALLMARK_DATA_DIR");
}
