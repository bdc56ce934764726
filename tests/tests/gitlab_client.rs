//! The GitLab client against the stateful fake over real HTTP: merge requests and notes
//! written once whatever GitLab's answers, pages followed, access levels read, raw
//! files returned as they are, and a refused token named.

use hallmark::github::limits::RetryPolicy;
use hallmark::gitlab::client::{GitLabClient, Thread};
use hallmark::marker::marker;
use hallmark_checks::secret::Secret;
use hallmark_tests::fake_gitlab::{Failure, FakeGitLab, StoredNote};
use std::time::Duration;

const PROJECT: &str = "acme/retail";
const TOKEN: &str = "glpat-client-test";

fn setup() -> (FakeGitLab, GitLabClient, tokio::runtime::Runtime) {
    let fake = FakeGitLab::start();
    fake.with_state(|s| {
        s.tokens.insert(TOKEN.into(), "hallmark-bot".into());
    });
    let retry = RetryPolicy {
        attempts: 4,
        backoff: Duration::from_millis(20),
        max_rate_limit_wait: Duration::from_secs(5),
        secondary_wait: Duration::from_millis(20),
    };
    let client = GitLabClient::new(&fake.api(), Secret::new(TOKEN), retry).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    (fake, client, rt)
}

#[test]
fn a_merge_request_whose_answer_is_lost_is_opened_once_and_then_updated() {
    let (fake, client, rt) = setup();
    fake.with_state(|s| s.write_failures.push_back(Failure::AfterWrite(502)));
    let iid = rt
        .block_on(client.open_or_update_merge_request(
            PROJECT,
            "hallmark/silver/orders",
            "main",
            "Silver orders",
            "Closes #3",
        ))
        .unwrap();
    let mrs = fake.with_state(|s| s.project(PROJECT).merge_requests.clone());
    assert_eq!(mrs.len(), 1, "{mrs:?}");
    assert_eq!(mrs[0].iid, iid);
    let again = rt
        .block_on(client.open_or_update_merge_request(
            PROJECT,
            "hallmark/silver/orders",
            "main",
            "Silver orders v2",
            "Closes #3",
        ))
        .unwrap();
    let mrs = fake.with_state(|s| s.project(PROJECT).merge_requests.clone());
    assert_eq!((again, mrs.len(), mrs[0].title.as_str()), (iid, 1, "Silver orders v2"));
}

#[test]
fn the_checklist_note_is_found_across_pages_and_nobody_elses_is_edited() {
    let (fake, client, rt) = setup();
    fake.with_state(|s| {
        s.max_per_page = 2;
        for (i, author) in ["ana", "ben", "ana", "cy"].into_iter().enumerate() {
            let body = if i == 1 {
                format!("{}\nquoted", marker("checklist"))
            } else {
                format!("note {i}")
            };
            s.project(PROJECT).notes.push(StoredNote {
                id: 10 + i as u64,
                merge_request: true,
                iid: 4,
                body,
                author: author.into(),
            });
        }
    });
    let thread = Thread {
        iid: 4,
        merge_request: true,
    };
    let first = rt
        .block_on(client.upsert_note(PROJECT, thread, "checklist", "3 passed"))
        .unwrap();
    fake.with_state(|s| {
        for i in 0..5 {
            s.project(PROJECT).notes.push(StoredNote {
                id: 100 + i,
                merge_request: true,
                iid: 4,
                body: "more".into(),
                author: "ana".into(),
            });
        }
    });
    let second = rt
        .block_on(client.upsert_note(PROJECT, thread, "checklist", "4 passed"))
        .unwrap();
    assert_eq!(first, second, "the same note, found on a later page");
    let notes = fake.with_state(|s| s.project(PROJECT).notes.clone());
    assert!(notes[1].body.ends_with("quoted"), "ben's note is untouched");
    let ours: Vec<&StoredNote> = notes.iter().filter(|n| n.author == "hallmark-bot").collect();
    assert_eq!(ours.len(), 1);
    assert!(ours[0].body.ends_with("4 passed"));
    // A note on the issue of the same number is another thread.
    let on_issue = rt
        .block_on(client.upsert_note(
            PROJECT,
            Thread {
                iid: 4,
                merge_request: false,
            },
            "checklist",
            "x",
        ))
        .unwrap();
    assert_ne!(on_issue, first);
}

#[test]
fn access_levels_raw_files_awards_and_a_refused_token() {
    let (fake, client, rt) = setup();
    fake.with_state(|s| {
        s.project(PROJECT).members.insert("dev".into(), 30);
        s.project(PROJECT).members.insert("inherited".into(), 40);
        s.project(PROJECT).files.insert(".hallmark.yml".into(), "42\n".into());
    });
    assert_eq!(rt.block_on(client.access_level(PROJECT, "dev")).unwrap(), 30);
    assert_eq!(rt.block_on(client.access_level(PROJECT, "inherited")).unwrap(), 40);
    assert_eq!(rt.block_on(client.access_level(PROJECT, "stranger")).unwrap(), 0);
    assert_eq!(
        rt.block_on(client.file_text(PROJECT, ".hallmark.yml"))
            .unwrap()
            .as_deref(),
        Some("42\n"),
        "a file that parses as JSON is still returned as written"
    );
    assert_eq!(rt.block_on(client.file_text(PROJECT, "missing.yml")).unwrap(), None);
    let thread = Thread {
        iid: 2,
        merge_request: false,
    };
    rt.block_on(client.award(PROJECT, thread, None, "eyes")).unwrap();
    rt.block_on(client.award(PROJECT, thread, None, "eyes")).unwrap();
    assert_eq!(
        fake.with_state(|s| s.project(PROJECT).awards.len()),
        1,
        "a second award of the same emoji is no error"
    );

    let stranger = GitLabClient::new(&fake.api(), Secret::new("glpat-wrong"), RetryPolicy::default()).unwrap();
    let err = rt.block_on(stranger.username()).unwrap_err().to_string();
    assert!(err.contains("HTTP 401") && err.contains("401 Unauthorized"), "{err}");
    assert!(!err.contains("glpat-wrong"), "the token never prints");
}

/// GitLab keeps a finished status and creates a new one when the same name is set
/// again (the old one is retried); a running status set running again is refused
/// with 400 "Cannot transition status", which the client takes as already done.
#[test]
fn a_commit_status_is_set_and_setting_it_again_is_no_error() {
    let (fake, client, rt) = setup();
    let sha = "a".repeat(40);
    for (state, text) in [
        ("running", "checking"),
        ("running", "checking"),
        ("success", "3 passed"),
        ("success", "3 passed"),
        ("failed", "1 failed"),
    ] {
        rt.block_on(client.set_commit_status(PROJECT, &sha, "hallmark", state, text))
            .unwrap();
    }
    let statuses = fake.with_state(|s| s.project(PROJECT).statuses.clone());
    let kept: Vec<(&str, bool)> = statuses.iter().map(|s| (s.state.as_str(), s.retried)).collect();
    assert_eq!(
        kept,
        [("success", true), ("success", true), ("failed", false)],
        "running moved on in place to success; each later status is a new one: {statuses:?}"
    );
}

/// GitLab refuses a note over 1,000,000 characters: the bot's notes are cut to fit on
/// a line, with a line saying how many were cut.
#[test]
fn a_note_over_gitlabs_limit_is_cut_to_fit() {
    let (fake, client, rt) = setup();
    let long: String = (0..60_000).map(|i| format!("| row {i} | a figure |\n")).collect();
    assert!(long.chars().count() > 1_000_000);
    let thread = Thread {
        iid: 9,
        merge_request: true,
    };
    rt.block_on(client.upsert_note(PROJECT, thread, "checklist", &long))
        .unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(client.note(PROJECT, thread, &long))
        .unwrap_or_else(|e| panic!("{e}"));
    let notes = fake.with_state(|s| s.project(PROJECT).notes.clone());
    assert_eq!(notes.len(), 2);
    for n in &notes {
        assert!(n.body.chars().count() <= 1_000_000, "{}", n.body.chars().count());
        assert!(n.body.contains("more lines are cut to fit"));
    }
}

/// GitLab runs a line starting with `/close`, `/merge` or `/label` as a quick action of
/// whoever wrote it. Text the bot quotes (feedback, issue fields, errors) lands in its
/// notes and descriptions, so none of its lines may run as the bot: the fake records
/// every quick action it would run, and none is recorded.
#[test]
fn the_bots_text_never_runs_a_gitlab_quick_action() {
    let (fake, client, rt) = setup();
    let quoted = "Reviewer feedback from @mallory:\n/close\n/merge\n  /label ~approved\n```sql\n/close in code stays as it is\n```";
    let thread = Thread {
        iid: 3,
        merge_request: false,
    };
    rt.block_on(client.note(PROJECT, thread, quoted)).unwrap();
    rt.block_on(client.upsert_note(PROJECT, thread, "tracking", quoted))
        .unwrap();
    rt.block_on(client.upsert_note(PROJECT, thread, "tracking", &format!("{quoted}\n/unlock")))
        .unwrap();
    rt.block_on(client.upsert_issue(PROJECT, "standards", "Standards", quoted))
        .unwrap();
    rt.block_on(client.open_or_update_merge_request(PROJECT, "hallmark/x", "main", "X", quoted))
        .unwrap();
    rt.block_on(client.open_or_update_merge_request(
        PROJECT,
        "hallmark/x",
        "main",
        "X",
        &format!("{quoted}\n/approve"),
    ))
    .unwrap();
    let (ran, notes, mr) = fake.with_state(|s| {
        (
            s.project(PROJECT).quick_actions.clone(),
            s.project(PROJECT).notes.clone(),
            s.project(PROJECT).merge_requests[0].clone(),
        )
    });
    assert!(ran.is_empty(), "the bot's text ran quick actions: {ran:?}");
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[0].body.contains("\n\\/close\n\\/merge\n  \\/label ~approved\n"),
        "{}",
        notes[0].body
    );
    assert!(
        notes[0].body.contains("```sql\n/close in code"),
        "code is shown as written"
    );
    assert!(
        notes[1].body.ends_with("\\/unlock"),
        "an edited note is inert too: {}",
        notes[1].body
    );
    assert!(mr.description.ends_with("\\/approve"), "{}", mr.description);

    // The fake does run what a person writes: a note of only quick actions is not
    // saved (202), the way GitLab answers it.
    let person = rt
        .block_on(
            reqwest::Client::new()
                .post(format!(
                    "{}/projects/{}/issues/3/notes",
                    fake.api(),
                    PROJECT.replace('/', "%2F")
                ))
                .header("PRIVATE-TOKEN", TOKEN)
                .json(&serde_json::json!({"body": "/close"}))
                .send(),
        )
        .unwrap();
    assert_eq!(person.status(), 202);
    let ran = fake.with_state(|s| s.project(PROJECT).quick_actions.clone());
    assert_eq!(ran.iter().map(|q| q.line.as_str()).collect::<Vec<_>>(), ["/close"]);
    assert_eq!(
        fake.with_state(|s| s.project(PROJECT).notes.len()),
        2,
        "no note was saved"
    );
}
