//! The GitHub client against the stateful fake over real HTTP: comments found again
//! by their hidden marker across pages and updated in place, permissions, reactions,
//! and GitHub's bad moments (502, a spent rate limit) survived without losing the call.

use hallmark::github::auth::Secret;
use hallmark::github::client::{marker, GitHubClient};
use hallmark::github::limits::RetryPolicy;
use hallmark::github::permission::Permission;
use hallmark_tests::diff_comment::DiffComment;
use hallmark_tests::fake_github::comments::StoredComment;
use hallmark_tests::fake_github::{test_app_private_key, Failure, FakeGitHub, Reaction, TEST_APP_ID};
use std::time::Duration;

const INSTALLATION: u64 = 7;
const REPO: &str = "acme/data";

fn setup() -> (FakeGitHub, GitHubClient, tokio::runtime::Runtime) {
    let fake = FakeGitHub::for_test_app();
    let retry = RetryPolicy {
        attempts: 4,
        backoff: Duration::from_millis(20),
        max_rate_limit_wait: Duration::from_secs(10),
        secondary_wait: Duration::from_millis(30),
    };
    let client = GitHubClient::new(&fake.url(), TEST_APP_ID, &Secret::new(test_app_private_key()), retry).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    (fake, client, rt)
}

fn human_comment(id: u64, body: &str) -> StoredComment {
    StoredComment {
        id,
        number: 12,
        body: body.into(),
        login: "ana".into(),
        user_type: "User".into(),
        app_id: None,
    }
}

#[test]
fn the_checklist_comment_is_found_again_across_pages_and_updated_in_place() {
    let (fake, client, rt) = setup();
    fake.with_state(|s| {
        s.max_per_page = 5;
        // Twelve comments by people first, one of them quoting the marker.
        for i in 1..=12 {
            let body = if i == 3 {
                format!("> {}\nwhy did this fail?", marker("checklist"))
            } else {
                format!("comment {i}")
            };
            s.repo(REPO).comments.push(human_comment(i, &body));
        }
        s.next_id = 100;
    });
    let first = rt
        .block_on(client.upsert_comment(INSTALLATION, REPO, 12, "checklist", "3 passed"))
        .unwrap();
    // More discussion pushes Hallmark's comment onto page 3 of 5-per-page.
    fake.with_state(|s| {
        for i in 13..=20 {
            s.repo(REPO).comments.push(human_comment(200 + i, "more"));
        }
    });
    let second = rt
        .block_on(client.upsert_comment(INSTALLATION, REPO, 12, "checklist", "4 passed"))
        .unwrap();
    assert_eq!(first, second, "the same comment, updated");
    let ours: Vec<StoredComment> = fake.with_state(|s| {
        s.repo(REPO)
            .comments
            .iter()
            .filter(|c| c.user_type == "Bot")
            .cloned()
            .collect()
    });
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].body, format!("{}\n4 passed", marker("checklist")));
    assert_eq!(fake.with_state(|s| s.edits), 1);
    assert!(
        fake.with_state(|s| s
            .repo(REPO)
            .comments
            .iter()
            .any(|c| c.id == 3 && c.body.contains("why did this fail"))),
        "the quoting person's comment is untouched"
    );
    // Unchanged text: no edit at all.
    rt.block_on(client.upsert_comment(INSTALLATION, REPO, 12, "checklist", "4 passed"))
        .unwrap();
    assert_eq!(fake.with_state(|s| s.edits), 1);
}

#[test]
fn permissions_and_reactions() {
    let (fake, client, rt) = setup();
    fake.with_state(|s| {
        for (user, role) in [
            ("ana", "admin"),
            ("ben", "maintain"),
            ("cy", "write"),
            ("dee", "triage"),
            ("eve", "read"),
            ("fay", "deployer:write"),
            ("gus", "auditor:read"),
        ] {
            s.repo(REPO).permissions.insert(user.into(), role.into());
        }
        s.repo(REPO).comments.push(human_comment(5, "/hallmark recheck"));
    });
    let p = |u: &str| rt.block_on(client.permission(INSTALLATION, REPO, u)).unwrap();
    assert_eq!(p("ana"), Permission::Admin);
    assert_eq!(p("ben"), Permission::Maintain);
    assert_eq!(p("cy"), Permission::Write);
    assert_eq!(p("dee"), Permission::Triage);
    assert_eq!(p("eve"), Permission::Read);
    assert_eq!(p("fay"), Permission::Write, "a custom role whose base is write");
    assert_eq!(p("gus"), Permission::Read, "a custom role whose base is read");
    assert_eq!(
        p("mallory"),
        Permission::None,
        "not a collaborator: 404 means no access"
    );
    rt.block_on(client.react_to_comment(INSTALLATION, REPO, 5, "eyes"))
        .unwrap();
    // GitHub answers the same reaction again with 200 and keeps one: no error.
    rt.block_on(client.react_to_comment(INSTALLATION, REPO, 5, "eyes"))
        .unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(client.react_to_issue(INSTALLATION, REPO, 5, "eyes"))
        .unwrap();
    rt.block_on(client.react_to_issue(INSTALLATION, REPO, 5, "eyes"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        fake.with_state(|s| s.repo(REPO).comment_reactions.clone()),
        vec![Reaction::new(5, "eyes")]
    );
    assert_eq!(
        fake.with_state(|s| s.repo(REPO).issue_reactions.clone()),
        vec![Reaction::new(5, "eyes")]
    );
    let err = rt
        .block_on(client.react_to_comment(INSTALLATION, REPO, 5, "thumbs"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("HTTP 422") && err.contains("Validation Failed"), "{err}");
    // An issue's reactions are validated the same way, and nothing is recorded.
    let err = rt
        .block_on(client.react_to_issue(INSTALLATION, REPO, 5, "thumbs"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("HTTP 422") && err.contains("Validation Failed"), "{err}");
    assert_eq!(
        fake.with_state(|s| s.repo(REPO).issue_reactions.len()),
        1,
        "only the eyes"
    );
}

/// GitHub's secondary rate limits (403 or 429 with quota left) are waited out —
/// `retry-after` when given, else the configured minute, doubling — and the write
/// goes through once.
#[test]
fn secondary_rate_limits_are_waited_out() {
    let (fake, client, rt) = setup();
    fake.with_state(|s| {
        s.failures.extend([
            Failure::SecondaryLimit {
                status: 403,
                retry_after: None,
            },
            Failure::SecondaryLimit {
                status: 429,
                retry_after: Some(1),
            },
            Failure::SecondaryLimit {
                status: 403,
                retry_after: None,
            },
        ]);
    });
    rt.block_on(client.comment(INSTALLATION, REPO, 1, "hello")).unwrap();
    let (log, n) = fake.with_state(|s| (s.log.clone(), s.repo(REPO).comments.len()));
    assert_eq!((log.len(), n), (4, 1), "three limits, then the comment, once");
    assert!(log[2] - log[1] >= 1000, "retry-after: 1 was honoured: {log:?}");
    assert!(
        log[3] - log[2] >= 60,
        "the wait doubled after the second bare limit: {log:?}"
    );
}

/// A token GitHub revoked is dropped and a new one fetched, once; every request,
/// the token exchange included, names the API version.
#[test]
fn a_revoked_token_is_replaced_and_every_request_names_the_api_version() {
    let (fake, client, rt) = setup();
    rt.block_on(client.comment(INSTALLATION, REPO, 1, "first")).unwrap();
    fake.with_state(|s| s.tokens.clear());
    rt.block_on(client.comment(INSTALLATION, REPO, 1, "after the revocation"))
        .unwrap();
    let (tokens, comments, versions) =
        fake.with_state(|s| (s.tokens.len(), s.repo(REPO).comments.len(), s.api_versions.clone()));
    assert_eq!((tokens, comments), (1, 2), "one new token, both comments");
    // A token that expired while cached (a clock that drifted) is replaced the same way.
    fake.with_state(|s| s.expire_tokens());
    rt.block_on(client.comment(INSTALLATION, REPO, 1, "after the expiry"))
        .unwrap();
    assert_eq!(
        fake.with_state(|s| (s.tokens.len(), s.repo(REPO).comments.len())),
        (2, 3)
    );
    assert!(versions.len() >= 5, "{versions:?}");
    assert!(
        versions.iter().all(|v| v.as_deref() == Some("2022-11-28")),
        "{versions:?}"
    );
}

/// Another app's comment carrying our marker is not ours: the checklist is posted as
/// a comment of our own and the other app's is left alone.
#[test]
fn another_apps_comment_with_our_marker_is_left_alone() {
    let (fake, client, rt) = setup();
    fake.with_state(|s| {
        s.repo(REPO).comments.push(StoredComment {
            app_id: Some(999),
            login: "copycat[bot]".into(),
            user_type: "Bot".into(),
            ..human_comment(40, &format!("{}\nnot Hallmark's", marker("checklist")))
        });
    });
    let id = rt
        .block_on(client.upsert_comment(INSTALLATION, REPO, 12, "checklist", "ours"))
        .unwrap();
    assert_ne!(id, 40);
    let bodies = fake.with_state(|s| {
        s.repo(REPO)
            .comments
            .iter()
            .map(|c| (c.id, c.body.clone()))
            .collect::<Vec<_>>()
    });
    assert_eq!(bodies[0].1, format!("{}\nnot Hallmark's", marker("checklist")));
    assert_eq!(bodies.len(), 2);
    // Run again: our own comment is found and kept, not a third one.
    let again = rt
        .block_on(client.upsert_comment(INSTALLATION, REPO, 12, "checklist", "ours, updated"))
        .unwrap();
    assert_eq!(again, id);
    assert_eq!(fake.with_state(|s| s.repo(REPO).comments.len()), 2);
}

/// GitHub may do a write and then answer 502: the comment and the pull request are
/// looked for again before they are written again, so each exists once.
#[test]
fn a_write_whose_answer_is_lost_is_not_done_twice() {
    let (fake, client, rt) = setup();
    // The comment list, then the post that is done and answered 502.
    fake.with_state(|s| s.failures.extend([Failure::Status(503), Failure::AfterWrite(502)]));
    let id = rt
        .block_on(client.upsert_comment(INSTALLATION, REPO, 3, "checklist", "the checklist"))
        .unwrap();
    let comments = fake.with_state(|s| s.repo(REPO).comments.clone());
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert_eq!(comments[0].id, id);

    // Listing first finds nothing; the create is done and answered 502; the list
    // after it finds the pull request, which is updated rather than opened again.
    fake.with_state(|s| {
        s.failures.clear();
        s.failures.extend([Failure::Status(502), Failure::AfterWrite(502)]);
    });
    let number = rt
        .block_on(client.open_or_update_pull(
            INSTALLATION,
            REPO,
            "hallmark/silver/orders",
            "main",
            "Silver orders",
            "body",
        ))
        .unwrap();
    let pulls = fake.with_state(|s| s.repo(REPO).pulls.clone());
    assert_eq!(pulls.len(), 1, "{pulls:?}");
    assert_eq!(pulls[0].number, number);
}

/// GitHub's lists lag behind its writes: a pull request another run just opened is
/// not listed yet, so the create answers 422 "A pull request already exists"; that
/// pull request is found and updated instead of failing. Any other 422 keeps GitHub's
/// `errors[]` text in the error.
#[test]
fn an_existing_pull_request_is_updated_and_a_refusal_keeps_githubs_reason() {
    let (fake, client, rt) = setup();
    fake.with_state(|s| {
        s.repo(REPO).pulls.push(hallmark_tests::fake_github::repos::StoredPull {
            number: 9,
            head: "hallmark/silver/orders".into(),
            base: "main".into(),
            title: "Old title".into(),
            body: "old".into(),
            state: "open".into(),
            fork: None,
        });
        s.stale_pull_lists = 1;
    });
    let number = rt
        .block_on(client.open_or_update_pull(
            INSTALLATION,
            REPO,
            "hallmark/silver/orders",
            "main",
            "Silver orders",
            "new body",
        ))
        .unwrap();
    let pulls = fake.with_state(|s| s.repo(REPO).pulls.clone());
    assert_eq!((number, pulls.len()), (9, 1), "{pulls:?}");
    assert_eq!(
        (pulls[0].title.as_str(), pulls[0].body.as_str()),
        ("Silver orders", "new body")
    );

    let err = rt
        .block_on(client.open_or_update_pull(INSTALLATION, REPO, "main", "main", "Nothing", "b"))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with("HTTP 422: Validation Failed: No commits between main and main"),
        "{err}"
    );
}

/// Review comments come from every page, and an installation GitHub does not know is
/// named in the error.
#[test]
fn review_comments_are_paginated_and_an_unknown_installation_is_named() {
    let (fake, client, rt) = setup();
    fake.with_state(|s| {
        s.max_per_page = 5;
        for i in 0..12 {
            s.repo(REPO)
                .review_comments
                .push(DiffComment::new(4, "ana", &format!("f{i}.sql"), &format!("note {i}")));
        }
    });
    let notes = rt.block_on(client.review_comments(INSTALLATION, REPO, 4)).unwrap();
    assert_eq!(notes.len(), 12);
    assert_eq!(notes[11], "@ana on f11.sql: note 11");

    fake.with_state(|s| s.installations = vec![INSTALLATION]);
    let err = rt
        .block_on(client.comment(404_404, REPO, 1, "hello"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("installation 404404: HTTP 404") && err.contains("Not Found"),
        "{err}"
    );
}

#[test]
fn a_502_is_retried_and_a_spent_rate_limit_waits_for_the_reset() {
    let (fake, client, rt) = setup();
    fake.with_state(|s| {
        s.failures.extend([Failure::Status(502), Failure::Status(503)]);
    });
    let id = rt.block_on(client.comment(INSTALLATION, REPO, 1, "hello")).unwrap();
    assert!(id > 0);
    assert_eq!(
        fake.with_state(|s| (s.log.len(), s.repo(REPO).comments.len())),
        (4, 1),
        "the post fails, the look for it fails and is retried, then the comment, once"
    );

    fake.with_state(|s| {
        s.log.clear();
        s.failures.push_back(Failure::RateLimited { reset_in_secs: 1 });
    });
    rt.block_on(client.comment(INSTALLATION, REPO, 1, "after the reset"))
        .unwrap();
    let (log, n) = fake.with_state(|s| (s.log.clone(), s.repo(REPO).comments.len()));
    assert_eq!(n, 2);
    assert_eq!(log.len(), 2);
    // The retry came after the reset second the 403 named, not before.
    let reset_ms = (log[0] / 1000 + 1) * 1000;
    assert!(
        log[1] >= reset_ms,
        "retried at {} before the reset at {reset_ms}",
        log[1]
    );

    // A reset beyond the client's patience is reported, not waited out.
    fake.with_state(|s| s.failures.push_back(Failure::RateLimited { reset_in_secs: 3600 }));
    let err = rt
        .block_on(client.comment(INSTALLATION, REPO, 1, "later"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("rate limited for another"), "{err}");
    assert_eq!(fake.with_state(|s| s.repo(REPO).comments.len()), 2);
}

/// GitHub takes at most 50 annotations per request: 120 go as one create and two
/// updates, all on the one check run; a re-run on the same commit adds none twice.
#[test]
fn a_check_run_with_many_annotations_is_sent_fifty_at_a_time() {
    use hallmark::github::check_runs::{Annotation, CheckRunReport};
    let (fake, client, rt) = setup();
    let report = CheckRunReport {
        name: "hallmark".into(),
        head_sha: "a".repeat(40),
        conclusion: "failure",
        title: "120 failed".into(),
        summary: "the checklist".into(),
        details_url: Some("https://ci.example/run/1".into()),
        external_id: "hallmark-app",
        annotations: (1..=120)
            .map(|i| Annotation {
                path: "data_standards.md".into(),
                start_line: i,
                end_line: i,
                annotation_level: "failure",
                title: format!("STD-{i} fail"),
                message: format!("{i} rows"),
            })
            .collect(),
    };
    let id = rt
        .block_on(client.publish_check_run(INSTALLATION, REPO, &report))
        .unwrap();
    let runs = fake.with_state(|s| s.repo(REPO).check_runs.clone());
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].id, runs[0].writes, runs[0].annotations.len()), (id, 3, 120));
    assert_eq!(runs[0].conclusion.as_deref(), Some("failure"));
    let again = rt
        .block_on(client.publish_check_run(INSTALLATION, REPO, &report))
        .unwrap();
    let runs = fake.with_state(|s| s.repo(REPO).check_runs.clone());
    assert_eq!(
        (again, runs.len(), runs[0].annotations.len()),
        (id, 1, 120),
        "nothing shown twice"
    );
}

/// GitHub refuses an annotation title over 255 characters (with the whole request):
/// a title that names every column of a wide check is cut, not refused.
#[test]
fn a_long_annotation_title_is_cut_to_githubs_limit() {
    use hallmark::github::check_runs::{Annotation, CheckRunReport};
    let (fake, client, rt) = setup();
    let columns: Vec<String> = (0..60).map(|i| format!("column_{i}")).collect();
    let report = CheckRunReport {
        name: "hallmark".into(),
        head_sha: "c".repeat(40),
        conclusion: "failure",
        title: "1 failed".into(),
        summary: "the checklist".into(),
        details_url: None,
        external_id: "hallmark-app",
        annotations: vec![Annotation {
            path: "data_standards.md".into(),
            start_line: 3,
            end_line: 3,
            annotation_level: "failure",
            title: format!("STD-1 fail on silver.wide ({})", columns.join(", ")),
            message: "2 duplicate rows".into(),
        }],
    };
    rt.block_on(client.publish_check_run(INSTALLATION, REPO, &report))
        .unwrap_or_else(|e| panic!("{e}"));
    let runs = fake.with_state(|s| s.repo(REPO).check_runs.clone());
    let title = runs[0].annotations[0]["title"].as_str().unwrap().to_string();
    assert_eq!(title.chars().count(), 255, "{title}");
    assert!(title.starts_with("STD-1 fail on silver.wide (column_0, ") && title.ends_with('…'));
}

/// GitHub Actions makes a check run for every workflow job, named after the job, and
/// GitHub lets only the app that made a run change it. The App finds its own run by
/// its app and mark, creates one beside a job's run of the same name, and updates
/// only its own on a re-run.
#[test]
fn the_app_never_edits_a_check_run_another_app_made() {
    use hallmark::github::check_runs::CheckRunReport;
    use hallmark_tests::fake_github::checks::workflow_job_started;
    let (fake, client, rt) = setup();
    let sha = "b".repeat(40);
    let job = fake.with_state(|s| workflow_job_started(s, REPO, &sha, "hallmark"));
    let report = CheckRunReport {
        name: "hallmark".into(),
        head_sha: sha.clone(),
        conclusion: "success",
        title: "all passed".into(),
        summary: "the checklist".into(),
        details_url: None,
        external_id: "hallmark-app",
        annotations: Vec::new(),
    };
    let ours = rt
        .block_on(client.publish_check_run(INSTALLATION, REPO, &report))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(ours, job);
    let again = rt
        .block_on(client.publish_check_run(INSTALLATION, REPO, &report))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, ours, "a re-run updates the App's own run");
    let runs = fake.with_state(|s| s.repo(REPO).check_runs.clone());
    assert_eq!(runs.len(), 2, "{runs:?}");
    let job_run = runs.iter().find(|r| r.id == job).unwrap();
    assert_eq!(
        (job_run.status.as_str(), job_run.writes, job_run.summary.as_str()),
        ("in_progress", 0, ""),
        "the job's own run is untouched"
    );
    let own = runs.iter().find(|r| r.id == ours).unwrap();
    assert_eq!((own.writes, own.external_id.as_str()), (2, "hallmark-app"));
}

/// GitHub refuses a comment, an issue or a pull request body over 65,536 characters
/// (422, the whole request): every body the bot writes is cut to fit on a line, with a
/// line saying how many were cut.
#[test]
fn every_body_the_bot_writes_fits_githubs_limit() {
    let (fake, client, rt) = setup();
    let long: String = (0..4_000).map(|i| format!("| row {i} | a figure |\n")).collect();
    assert!(long.chars().count() > 65_536);
    let fits = |body: &str| {
        assert!(body.chars().count() <= 65_536, "{}", body.chars().count());
        assert!(
            body.contains("more lines are cut to fit"),
            "{}",
            &body[body.len() - 200..]
        );
    };
    rt.block_on(client.comment(INSTALLATION, REPO, 12, &long))
        .unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(client.upsert_comment(INSTALLATION, REPO, 12, "impact", &long))
        .unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(client.upsert_comment(INSTALLATION, REPO, 12, "impact", &format!("{long}more\n")))
        .unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(client.upsert_issue(INSTALLATION, REPO, "tracking", "Tracking", &long))
        .unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(client.open_or_update_pull(INSTALLATION, REPO, "hallmark/silver/wide", "main", "Wide", &long))
        .unwrap_or_else(|e| panic!("{e}"));
    let (comments, issues, pulls) = fake.with_state(|s| {
        (
            s.repo(REPO).comments.clone(),
            s.repo(REPO).opened_issues.clone(),
            s.repo(REPO).pulls.clone(),
        )
    });
    assert_eq!(comments.len(), 2);
    comments.iter().for_each(|c| fits(&c.body));
    assert!(comments[1].body.starts_with(&marker("impact")));
    fits(&issues[0].body);
    fits(&pulls[0].body);
}
