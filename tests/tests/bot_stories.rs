//! The bot's stories that are the same on GitHub and GitLab, run on both from one
//! table: each side is the real webhook server over HTTP, a worker, a bare remote,
//! and the stateful fake of that forge. A story says what a user sees (one pull or
//! merge request, one checklist, one tracking comment, a polite refusal), and each
//! side says how its forge shows it.

mod harness;

use hallmark::github::client::marker;
use hallmark::server::ServerConfig;
use hallmark::webhook::signature::sign_github;
use hallmark::worker::Forges;
use hallmark_tests::deliveries::{self, IssueSpec, Sender};
use hallmark_tests::diff_comment::DiffComment;
use hallmark_tests::fake_github::{FakeGitHub, TEST_APP_ID};
use hallmark_tests::fake_gitlab::{FakeGitLab, StoredIssue};
use hallmark_tests::http::request;
use harness::REPO;
use std::cell::Cell;
use std::path::Path;

const GITHUB_SECRET: &[u8] = b"story-github-secret";
const GITLAB_SECRET: &str = "story-gitlab-secret";
const GITLAB_TOKEN: &str = "glpat-story-bot";
const GITLAB_BOT: &str = "hallmark-bot";

const FORM: &str = "### Source\n\nbronze/orders.csv\n\n### Target level\n\nsilver\n\n### Owner\n\nfinance-data@acme.example\n\n### What do you need, and why?\n\nOne row per order for the finance dashboards.\n";

/// A role a person can have, as each forge names it.
#[derive(Debug, Clone, Copy)]
enum Role {
    /// GitHub read, GitLab Reporter.
    Reader,
    /// GitHub write, GitLab Developer.
    Writer,
}

/// The fake forge of a side.
enum Fake {
    GitHub(FakeGitHub),
    GitLab(FakeGitLab),
}

/// A pull or merge request as a story sees it.
#[derive(Debug, Clone)]
struct Pull {
    number: u64,
    title: String,
    head: String,
    base: String,
    body: String,
}

/// A comment or note as a story sees it.
#[derive(Debug, Clone)]
struct Said {
    by_hallmark: bool,
    body: String,
}

/// One forge's side of a story: the shared harness's bot on that forge's fake.
struct Side {
    name: &'static str,
    bot: harness::Bot<Fake>,
    deliveries: Cell<u64>,
}

impl std::ops::Deref for Side {
    type Target = harness::Bot<Fake>;
    fn deref(&self) -> &Self::Target {
        &self.bot
    }
}

fn both() -> Vec<Side> {
    vec![Side::github(), Side::gitlab()]
}

impl Side {
    fn build(name: &'static str, fake: Fake, forges: Forges, config: ServerConfig) -> Side {
        let bot = harness::Bot::start(fake, harness::Options::new(forges, config));
        // The forges keep `refs/pull/N/head` (`refs/merge-requests/N/head`) in it.
        match &bot.fake {
            Fake::GitHub(f) => f.with_state(|s| s.repo(REPO).git_remote = Some(bot.remote.clone())),
            Fake::GitLab(f) => f.with_state(|s| s.project(REPO).git_remote = Some(bot.remote.clone())),
        };
        Side {
            name,
            bot,
            deliveries: Cell::new(0),
        }
    }

    fn github() -> Side {
        Side::github_with(&[])
    }

    /// The GitHub side with `extra` files committed beside the retail example.
    fn github_with(extra: &[(&str, &str)]) -> Side {
        let (fake, forges) = harness::github();
        let options = harness::Options {
            extra_files: extra,
            ..harness::Options::new(forges, harness::server_config(Some(GITHUB_SECRET), None))
        };
        let bot = harness::Bot::start(Fake::GitHub(fake), options);
        if let Fake::GitHub(f) = &bot.fake {
            f.with_state(|s| s.repo(REPO).git_remote = Some(bot.remote.clone()));
        }
        Side {
            name: "github",
            bot,
            deliveries: Cell::new(0),
        }
    }

    fn gitlab() -> Side {
        let (fake, forges) = harness::gitlab(GITLAB_TOKEN, GITLAB_BOT);
        let config = harness::server_config(None, Some(GITLAB_SECRET.as_bytes()));
        Side::build("gitlab", Fake::GitLab(fake), forges, config)
    }

    fn delivery_id(&self) -> String {
        self.deliveries.set(self.deliveries.get() + 1);
        format!("{}-{}", self.name, self.deliveries.get())
    }

    fn post(&self, path: &str, event: &str, body: String) -> u16 {
        let id = self.delivery_id();
        let headers: Vec<(&str, String)> = match self.fake {
            Fake::GitHub(_) => vec![
                ("X-GitHub-Event", event.to_string()),
                ("X-GitHub-Delivery", id),
                ("X-Hub-Signature-256", sign_github(GITHUB_SECRET, body.as_bytes())),
            ],
            Fake::GitLab(_) => vec![
                ("X-Gitlab-Event", event.to_string()),
                ("X-Gitlab-Event-UUID", id),
                ("X-Gitlab-Token", GITLAB_SECRET.to_string()),
            ],
        };
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        request(self.server.addr(), "POST", path, &headers, body.as_bytes())
            .unwrap()
            .status
    }

    fn set_role(&self, user: &str, role: Role) {
        match &self.fake {
            Fake::GitHub(f) => f.with_state(|s| {
                let name = match role {
                    Role::Reader => "read",
                    Role::Writer => "write",
                };
                s.repo(REPO).permissions.insert(user.into(), name.into());
            }),
            Fake::GitLab(f) => f.with_state(|s| {
                let level = match role {
                    Role::Reader => 20,
                    Role::Writer => 30,
                };
                s.project(REPO).members.insert(user.into(), level);
            }),
        }
    }

    /// `actor` labels issue `number` (whose text is `body`) with `promote`.
    fn label_issue(&self, number: u64, body: &str, actor: &str) -> u16 {
        match &self.fake {
            Fake::GitHub(_) => {
                let issue = IssueSpec {
                    repo: REPO,
                    number,
                    body,
                    labels: &["promote"],
                    pull_request: false,
                };
                let payload = deliveries::issues("labeled", &issue, Some("promote"), Some(99), Sender::user(actor));
                self.post("/webhooks/github", "issues", payload.to_string())
            }
            Fake::GitLab(f) => {
                f.with_state(|s| {
                    s.project(REPO).issues.insert(
                        number,
                        StoredIssue {
                            title: "A data product".into(),
                            description: body.into(),
                            confidential: false,
                            author: "consumer".into(),
                        },
                    )
                });
                let payload = deliveries::gitlab_issue_labeled(REPO, number, body, "promote", actor);
                self.post("/webhooks/gitlab", "Issue Hook", payload.to_string())
            }
        }
    }

    /// `actor` comments `text` (comment `id`) on issue or pull request `number`.
    fn comment(&self, number: u64, pull: bool, id: u64, text: &str, actor: &str) -> u16 {
        match &self.fake {
            Fake::GitHub(_) => {
                let issue = IssueSpec {
                    repo: REPO,
                    number,
                    body: "",
                    labels: &[],
                    pull_request: pull,
                };
                let payload = deliveries::comment_created(&issue, id, text, Some(99), Sender::user(actor));
                self.post("/webhooks/github", "issue_comment", payload.to_string())
            }
            Fake::GitLab(_) => {
                let payload = deliveries::gitlab_note(REPO, number, pull, id, text, actor);
                self.post("/webhooks/gitlab", "Note Hook", payload.to_string())
            }
        }
    }

    fn pulls(&self) -> Vec<Pull> {
        match &self.fake {
            Fake::GitHub(f) => f.with_state(|s| {
                s.repo(REPO)
                    .pulls
                    .iter()
                    .map(|p| Pull {
                        number: p.number,
                        title: p.title.clone(),
                        head: p.head.clone(),
                        base: p.base.clone(),
                        body: p.body.clone(),
                    })
                    .collect()
            }),
            Fake::GitLab(f) => f.with_state(|s| {
                s.project(REPO)
                    .merge_requests
                    .iter()
                    .map(|m| Pull {
                        number: m.iid,
                        title: m.title.clone(),
                        head: m.source.clone(),
                        base: m.target.clone(),
                        body: m.description.clone(),
                    })
                    .collect()
            }),
        }
    }

    /// What was said on issue (or pull request, `pull`) `number`, in order.
    fn said(&self, number: u64, pull: bool) -> Vec<Said> {
        match &self.fake {
            // GitHub numbers issues and pull requests together.
            Fake::GitHub(f) => f.with_state(|s| {
                s.repo(REPO)
                    .comments
                    .iter()
                    .filter(|c| c.number == number)
                    .map(|c| Said {
                        by_hallmark: c.app_id == Some(TEST_APP_ID),
                        body: c.body.clone(),
                    })
                    .collect()
            }),
            Fake::GitLab(f) => f.with_state(|s| {
                s.project(REPO)
                    .notes
                    .iter()
                    .filter(|n| n.iid == number && n.merge_request == pull)
                    .map(|n| Said {
                        by_hallmark: n.author == GITLAB_BOT,
                        body: n.body.clone(),
                    })
                    .collect()
            }),
        }
    }

    /// Hallmark's comments marked `key` on `number`.
    fn marked(&self, number: u64, pull: bool, key: &str) -> Vec<String> {
        self.said(number, pull)
            .into_iter()
            .filter(|s| s.by_hallmark && s.body.starts_with(&marker(key)))
            .map(|s| s.body)
            .collect()
    }

    /// The reactions Hallmark gave the issue `number` (`comment`: one of its comments).
    fn reactions(&self, number: u64, comment: Option<u64>) -> Vec<String> {
        match &self.fake {
            Fake::GitHub(f) => f.with_state(|s| {
                let r = s.repo(REPO);
                let (given, on) = match comment {
                    Some(id) => (&r.comment_reactions, id),
                    None => (&r.issue_reactions, number),
                };
                given.iter().filter(|g| g.on == on).map(|g| g.content.clone()).collect()
            }),
            Fake::GitLab(f) => f.with_state(|s| {
                s.project(REPO)
                    .awards
                    .iter()
                    .filter(|a| a.iid == number && a.note == comment && a.user == GITLAB_BOT)
                    .map(|a| a.name.clone())
                    .collect()
            }),
        }
    }

    /// Issue `number`'s text, as the forge's API serves it.
    fn set_issue_body(&self, number: u64, body: &str) {
        match &self.fake {
            Fake::GitHub(f) => f.with_state(|s| {
                s.repo(REPO).issues.insert(number, body.into());
            }),
            Fake::GitLab(f) => f.with_state(|s| {
                s.project(REPO).issues.insert(
                    number,
                    StoredIssue {
                        title: "A data product".into(),
                        description: body.into(),
                        confidential: false,
                        author: "consumer".into(),
                    },
                );
            }),
        }
    }

    /// A review comment by `user` on `path` in the diff of pull request `number`.
    fn add_review_comment(&self, number: u64, user: &str, path: &str, body: &str) {
        match &self.fake {
            Fake::GitHub(f) => f.with_state(|s| {
                s.repo(REPO)
                    .review_comments
                    .push(DiffComment::new(number, user, path, body));
            }),
            Fake::GitLab(f) => f.with_state(|s| {
                s.project(REPO)
                    .diff_notes
                    .push(DiffComment::new(number, user, path, body));
            }),
        }
    }

    /// Makes Hallmark's checklist on pull request `number` stale, as if the data had
    /// changed since it was posted.
    fn stale_checklist(&self, number: u64) {
        let stale = format!("{}\nstale", marker("checklist"));
        match &self.fake {
            Fake::GitHub(f) => f.with_state(|s| {
                for c in s
                    .repo(REPO)
                    .comments
                    .iter_mut()
                    .filter(|c| c.number == number && c.body.starts_with(&marker("checklist")))
                {
                    c.body = stale.clone();
                }
            }),
            Fake::GitLab(f) => f.with_state(|s| {
                for n in s
                    .project(REPO)
                    .notes
                    .iter_mut()
                    .filter(|n| n.merge_request && n.iid == number && n.body.starts_with(&marker("checklist")))
                {
                    n.body = stale.clone();
                }
            }),
        }
    }

    /// Hallmark's status on commit `sha` (GitHub's check run conclusion, GitLab's
    /// commit status), the latest.
    fn status(&self, sha: &str) -> Option<String> {
        match &self.fake {
            Fake::GitHub(f) => f.with_state(|s| {
                s.repo(REPO)
                    .check_runs
                    .iter()
                    .rev()
                    .find(|r| r.head_sha == sha && r.name == "hallmark")
                    .and_then(|r| r.conclusion.clone())
            }),
            Fake::GitLab(f) => f.with_state(|s| {
                s.project(REPO)
                    .statuses
                    .iter()
                    .rev()
                    .find(|st| st.sha == sha && st.name == "hallmark" && !st.retried)
                    .map(|st| st.state.clone())
            }),
        }
    }

    /// Commits `files` on `branch` of the bare remote, on top of `from`, as a person
    /// pushing would; returns the new commit.
    fn push(&self, from: &str, branch: &str, files: &[(&str, String)]) -> git2::Oid {
        let work = tempfile::tempdir().unwrap();
        let repo = git2::Repository::clone(self.remote.to_str().unwrap(), work.path()).unwrap();
        let start = repo
            .revparse_single(&format!("refs/remotes/origin/{from}"))
            .unwrap()
            .peel_to_commit()
            .unwrap();
        for (rel, text) in files {
            let path = work.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let mut index = repo.index().unwrap();
        index.add_all(["*"], git2::IndexAddOption::DEFAULT, None).unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = git2::Signature::now("Data Team", "data@acme.example").unwrap();
        let commit = repo.commit(None, &sig, &sig, "A change", &tree, &[&start]).unwrap();
        repo.reference(&format!("refs/heads/{branch}"), commit, true, "a change")
            .unwrap();
        repo.find_remote("origin")
            .unwrap()
            .push(&[format!("+refs/heads/{branch}:refs/heads/{branch}")], None)
            .unwrap();
        match &self.fake {
            Fake::GitHub(f) => f.with_state(|s| s.sync_pull_refs()),
            Fake::GitLab(f) => f.with_state(|s| s.sync_pull_refs()),
        }
        commit
    }

    /// `actor` opens (or pushes to) pull request `number` from `head` (at `sha`) into
    /// `main`, which changes `files`.
    fn open_pull(&self, action: &str, number: u64, head: &str, sha: git2::Oid, files: &[&str], actor: &str) -> u16 {
        let changed: Vec<String> = files.iter().map(|f| f.to_string()).collect();
        match &self.fake {
            Fake::GitHub(f) => {
                f.with_state(|s| {
                    s.repo(REPO).pull_files.insert(number, changed);
                    if !s.repo(REPO).pulls.iter().any(|p| p.number == number) {
                        s.repo(REPO).pulls.push(hallmark_tests::fake_github::repos::StoredPull {
                            number,
                            head: head.into(),
                            base: "main".into(),
                            title: "A standards change".into(),
                            body: String::new(),
                            state: "open".into(),
                            fork: None,
                        });
                    }
                    s.sync_pull_refs();
                });
                let payload = deliveries::pull_request(action, REPO, number, head, &sha.to_string(), "main", actor);
                self.post("/webhooks/github", "pull_request", payload.to_string())
            }
            Fake::GitLab(f) => {
                f.with_state(|s| {
                    s.project(REPO).merge_request_files.insert(number, changed);
                    if !s.project(REPO).merge_requests.iter().any(|m| m.iid == number) {
                        s.project(REPO)
                            .merge_requests
                            .push(hallmark_tests::fake_gitlab::StoredMergeRequest {
                                iid: number,
                                source: head.into(),
                                target: "main".into(),
                                title: "A standards change".into(),
                                description: String::new(),
                                state: "opened".into(),
                                author: actor.into(),
                                fork: None,
                            });
                    }
                    s.sync_pull_refs();
                });
                let action = if action == "synchronize" { "update" } else { "open" };
                let payload =
                    deliveries::gitlab_merge_request(action, REPO, number, head, &sha.to_string(), "main", actor);
                self.post("/webhooks/gitlab", "Merge Request Hook", payload.to_string())
            }
        }
    }

    /// `actor` opens pull request `number` from the branch `main` of their fork
    /// `contributor/retail`, one commit on this repository's `main` that writes
    /// `files`. As on the real forges, the fork's commit reaches this repository only
    /// as `refs/pull/N/head` (`refs/merge-requests/N/head`); returns it. Hallmark does
    /// not act on the event: a stranger's fork does not run its SQL unasked.
    fn open_fork_pull(&self, number: u64, files: &[(&str, String)], actor: &str) -> git2::Oid {
        let sha = self.push("main", "fork-work", files);
        let remote = git2::Repository::open_bare(&self.remote).unwrap();
        let pull_ref = match &self.fake {
            Fake::GitHub(_) => format!("refs/pull/{number}/head"),
            Fake::GitLab(_) => format!("refs/merge-requests/{number}/head"),
        };
        remote.reference(&pull_ref, sha, true, "a fork's head").unwrap();
        remote.find_reference("refs/heads/fork-work").unwrap().delete().unwrap();
        let changed: Vec<String> = files.iter().map(|(f, _)| f.to_string()).collect();
        let names: Vec<&str> = changed.iter().map(String::as_str).collect();
        let status = match &self.fake {
            Fake::GitHub(f) => {
                f.with_state(|s| {
                    s.repo(REPO).pull_files.insert(number, changed.clone());
                    s.repo(REPO).pulls.push(hallmark_tests::fake_github::repos::StoredPull {
                        number,
                        head: "main".into(),
                        base: "main".into(),
                        title: "A standards change from a fork".into(),
                        body: String::new(),
                        state: "open".into(),
                        fork: Some(FORK.into()),
                    });
                });
                let mut payload =
                    deliveries::pull_request("opened", REPO, number, "main", &sha.to_string(), "main", actor);
                payload["pull_request"]["head"]["repo"]["full_name"] = FORK.into();
                payload["pull_request"]["head"]["label"] = "contributor:main".into();
                self.post("/webhooks/github", "pull_request", payload.to_string())
            }
            Fake::GitLab(f) => {
                f.with_state(|s| {
                    s.project(REPO).merge_request_files.insert(number, changed.clone());
                    s.project(REPO)
                        .merge_requests
                        .push(hallmark_tests::fake_gitlab::StoredMergeRequest {
                            iid: number,
                            source: "main".into(),
                            target: "main".into(),
                            title: "A standards change from a fork".into(),
                            description: String::new(),
                            state: "opened".into(),
                            author: actor.into(),
                            fork: Some(FORK.into()),
                        });
                });
                let mut payload =
                    deliveries::gitlab_merge_request("open", REPO, number, "main", &sha.to_string(), "main", actor);
                payload["object_attributes"]["source_project_id"] = 15.into();
                self.post("/webhooks/gitlab", "Merge Request Hook", payload.to_string())
            }
        };
        assert_eq!(
            status, 200,
            "{}: a fork's request is not analysed unasked: {names:?}",
            self.name
        );
        sha
    }

    /// The shop's sales and stores products, their bronze and standards, pushed on
    /// `main`; returns the commit.
    fn shop_on_main(&self) -> git2::Oid {
        use hallmark_tests::shop::{SALES_SPEC, SALES_SQL, STANDARDS, STORES_SPEC, STORES_SQL};
        let sales: String =
            "id,amount\n".to_string() + &(1..=40).map(|i| format!("{i},{}.50\n", i * 3)).collect::<String>();
        self.push(
            "main",
            "main",
            &[
                ("data_standards.md", STANDARDS.to_string()),
                ("bronze/sales.csv", sales),
                ("bronze/stores.csv", "id,city\n1,Lyon\n2,Porto\n3,Graz\n".to_string()),
                ("products/sales/silver.yml", SALES_SPEC.to_string()),
                ("products/sales/silver.sql", SALES_SQL.to_string()),
                ("products/stores/silver.yml", STORES_SPEC.to_string()),
                ("products/stores/silver.sql", STORES_SQL.to_string()),
            ],
        )
    }

    /// `actor` pushed `files` to `main`, from `before` to `after`.
    fn pushed(&self, before: git2::Oid, after: git2::Oid, files: &[&str], actor: &str) -> u16 {
        let (before, after) = (before.to_string(), after.to_string());
        match &self.fake {
            Fake::GitHub(_) => {
                let payload = deliveries::push(REPO, &before, &after, files, actor);
                self.post("/webhooks/github", "push", payload.to_string())
            }
            Fake::GitLab(_) => {
                let payload = deliveries::gitlab_push(REPO, &before, &after, files, actor);
                self.post("/webhooks/gitlab", "Push Hook", payload.to_string())
            }
        }
    }

    /// The issues Hallmark opened: (title, body).
    fn opened_issues(&self) -> Vec<(String, String)> {
        match &self.fake {
            Fake::GitHub(f) => f.with_state(|s| {
                s.repo(REPO)
                    .opened_issues
                    .iter()
                    .filter(|i| i.app_id == Some(TEST_APP_ID))
                    .map(|i| (i.title.clone(), i.body.clone()))
                    .collect()
            }),
            Fake::GitLab(f) => f.with_state(|s| {
                s.project(REPO)
                    .issues
                    .values()
                    .filter(|i| i.author == GITLAB_BOT)
                    .map(|i| (i.title.clone(), i.description.clone()))
                    .collect()
            }),
        }
    }

    /// The pull (merge) requests `/hallmark fix` opened.
    fn fix_pulls(&self) -> Vec<Pull> {
        self.pulls()
            .into_iter()
            .filter(|p| p.head.starts_with("hallmark/fix/"))
            .collect()
    }

    /// Puts the retail example's hand-written orders product on `main`; returns the
    /// commit.
    fn orders_on_main(&self, more: &[(&str, String)]) -> git2::Oid {
        let mut files = vec![
            ("products/orders/silver.yml", example("products/orders/silver.yml")),
            ("products/orders/silver.sql", example("products/orders/silver.sql")),
        ];
        files.extend(more.iter().cloned());
        self.push("main", "main", &files)
    }

    /// A file of the branch, on the bare remote.
    fn file_on_branch(&self, branch: &str, path: &str) -> String {
        let remote = git2::Repository::open_bare(&self.remote).unwrap();
        let tree = remote
            .find_reference(&format!("refs/heads/{branch}"))
            .unwrap()
            .peel_to_tree()
            .unwrap();
        let blob = tree.get_path(Path::new(path)).unwrap().to_object(&remote).unwrap();
        String::from_utf8_lossy(blob.as_blob().unwrap().content()).into_owned()
    }

    /// A file of the default branch, as the forge's contents API serves it.
    fn set_file(&self, path: &str, text: &str) {
        match &self.fake {
            Fake::GitHub(f) => f.with_state(|s| {
                s.repo(REPO).files.insert(path.into(), text.into());
            }),
            Fake::GitLab(f) => f.with_state(|s| {
                s.project(REPO).files.insert(path.into(), text.into());
            }),
        }
    }

    fn branch_tree_has(&self, branch: &str, files: &[&str]) -> git2::Oid {
        let remote = git2::Repository::open_bare(&self.remote).unwrap();
        let reference = remote.find_reference(&format!("refs/heads/{branch}")).unwrap();
        let tree = reference.peel_to_tree().unwrap();
        for f in files {
            assert!(tree.get_path(Path::new(f)).is_ok(), "{}: {f} on {branch}", self.name);
        }
        reference.target().unwrap()
    }
}

#[test]
fn a_labeled_issue_becomes_one_pull_request_with_one_checklist_and_a_rerun_opens_no_second() {
    for side in both() {
        let who = side.name;
        side.set_role("consumer", Role::Writer);
        assert_eq!(side.label_issue(12, FORM, "consumer"), 202, "{who}");
        assert!(side.worker.run_one(), "{who}");

        let pulls = side.pulls();
        assert_eq!(pulls.len(), 1, "{who}: {pulls:?}");
        let pull = &pulls[0];
        assert_eq!(
            (pull.head.as_str(), pull.base.as_str()),
            ("hallmark/silver/orders", "main"),
            "{who}"
        );
        assert!(pull.body.starts_with("Closes #12"), "{who}: {}", pull.body);
        assert!(pull.body.contains("```diff"), "{who}: the schema diff: {}", pull.body);
        assert_eq!(pull.title, "Promote bronze.orders to silver.orders", "{who}");
        let checklist = side.marked(pull.number, true, "checklist");
        assert_eq!(checklist.len(), 1, "{who}: {:?}", side.said(pull.number, true));
        assert!(checklist[0].contains("**✅ passed**"), "{who}: {}", checklist[0]);
        assert!(
            checklist[0].contains("<b>Data diff</b> of <code>silver.orders</code>: new product, ")
                && checklist[0].contains("rows (no base to compare with)"),
            "{who}: a new product's data diff is its profile: {}",
            checklist[0]
        );
        let tracking = side.marked(12, false, "tracking");
        assert_eq!(tracking.len(), 1, "{who}: one tracking comment, updated in place");
        assert!(
            tracking[0].contains("proposes `silver.orders`"),
            "{who}: {}",
            tracking[0]
        );
        assert_eq!(side.reactions(12, None), vec!["eyes".to_string()], "{who}");
        let tip = side.branch_tree_has(
            "hallmark/silver/orders",
            &[
                "products/orders/silver.yml",
                "products/orders/silver.sql",
                "products/orders/PROMOTION.md",
            ],
        );
        assert_eq!(
            side.status(&tip.to_string()).as_deref(),
            Some("success"),
            "{who}: the verdict on the tip"
        );

        // The job run again (after a crash): still one pull request and one checklist,
        // and the branch only moves forward.
        let first = side.worker.queue.job(1).unwrap().expect("the first job");
        side.worker.queue.enqueue(first.again()).unwrap();
        assert!(side.worker.run_one(), "{who}");
        assert_eq!(side.pulls().len(), 1, "{who}");
        assert_eq!(side.marked(pull.number, true, "checklist").len(), 1, "{who}");
        let remote = git2::Repository::open_bare(&side.remote).unwrap();
        let new_tip = remote.refname_to_id("refs/heads/hallmark/silver/orders").unwrap();
        assert!(
            new_tip == tip || remote.graph_descendant_of(new_tip, tip).unwrap(),
            "{who}"
        );

        // A recheck on the pull request updates the same checklist.
        side.stale_checklist(pull.number);
        side.set_role("reviewer", Role::Writer);
        assert_eq!(
            side.comment(pull.number, true, 9001, "/hallmark recheck", "reviewer"),
            202,
            "{who}"
        );
        assert!(side.worker.run_one(), "{who}");
        let rechecked = side.marked(pull.number, true, "checklist");
        assert_eq!(rechecked.len(), 1, "{who}");
        assert!(
            rechecked[0].contains("`silver.orders`") && !rechecked[0].contains("stale"),
            "{who}: {}",
            rechecked[0]
        );
        assert_eq!(
            side.reactions(pull.number, Some(9001)),
            vec!["eyes".to_string()],
            "{who}"
        );
    }
}

/// GitLab sends a note hook for an edit too (`action: update`, GitLab 16.11+): only a
/// new note is a command, so correcting a note does not run what it now says.
#[test]
fn an_edited_gitlab_note_is_not_a_new_command() {
    let side = Side::gitlab();
    side.set_role("visitor", Role::Reader);
    assert_eq!(side.comment(6, false, 511, "/hallmark promot", "visitor"), 202);
    assert!(side.worker.run_one());
    let edited = deliveries::gitlab_note_edited(REPO, 6, false, 511, "/hallmark help", "visitor");
    assert_eq!(side.post("/webhooks/gitlab", "Note Hook", edited.to_string()), 200);
    assert!(!side.worker.run_one(), "no job for an edit");
    let said: Vec<Said> = side.said(6, false).into_iter().filter(|s| s.by_hallmark).collect();
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].body.contains("`promot` is not a Hallmark command"),
        "{}",
        said[0].body
    );
}

#[test]
fn a_reader_is_refused_politely_and_help_is_open_to_everyone() {
    for side in both() {
        let who = side.name;
        side.set_role("visitor", Role::Reader);
        assert_eq!(side.comment(5, false, 501, "/hallmark cancel", "visitor"), 202, "{who}");
        assert!(side.worker.run_one(), "{who}");
        assert_eq!(side.comment(5, false, 502, "/hallmark help", "visitor"), 202, "{who}");
        assert!(side.worker.run_one(), "{who}");
        assert_eq!(side.comment(5, false, 503, "/hallmark promot", "visitor"), 202, "{who}");
        assert!(side.worker.run_one(), "{who}");
        let said: Vec<Said> = side.said(5, false).into_iter().filter(|s| s.by_hallmark).collect();
        assert_eq!(said.len(), 3, "{who}: {said:?}");
        assert!(
            said[2]
                .body
                .starts_with("@visitor `promot` is not a Hallmark command; did you mean `promote`?"),
            "{who}: {}",
            said[2].body
        );
        assert!(
            said[0].body.contains("@visitor thanks for the suggestion! `/hallmark cancel` changes the repository, so it needs write access"),
            "{who}: {}",
            said[0].body
        );
        assert!(said[1].body.contains("| `/hallmark help` |"), "{who}: {}", said[1].body);
        assert_eq!(side.reactions(5, Some(501)), vec!["confused".to_string()], "{who}");
        assert!(side.pulls().is_empty(), "{who}");
    }
}

#[test]
fn a_label_from_a_reader_is_answered_not_promoted_unless_the_repository_allows_readers() {
    for side in both() {
        let who = side.name;
        side.set_role("visitor", Role::Reader);
        assert_eq!(side.label_issue(21, FORM, "visitor"), 202, "{who}");
        assert!(side.worker.run_one(), "{who}");
        assert!(side.pulls().is_empty(), "{who}: no promotion for a reader");
        let said = side.said(21, false);
        assert_eq!(said.len(), 1, "{who}: {said:?}");
        assert!(
            said[0]
                .body
                .starts_with("@visitor thanks for the request! Starting a promotion here needs write access"),
            "{who}: {}",
            said[0].body
        );
        // The repository lets readers start promotions: the same request now promotes.
        side.set_file(".hallmark.yml", "bot:\n  promote_permission: read\n");
        assert_eq!(side.label_issue(22, FORM, "visitor"), 202, "{who}");
        assert!(side.worker.run_one(), "{who}");
        assert_eq!(side.pulls().len(), 1, "{who}");
    }
}

/// A confidential GitLab issue is seen by members only; the branch and the merge
/// request are not, so the request's words appear in neither.
#[test]
fn a_confidential_gitlab_issue_is_never_quoted_in_the_merge_request() {
    let side = Side::gitlab();
    side.set_role("consumer", Role::Writer);
    let secret_words = "Margins for the acquisition of Northwind";
    let body = format!("{FORM}\n{secret_words}\n");
    let mut payload = deliveries::gitlab_issue_labeled(REPO, 31, &body, "promote", "consumer");
    payload["object_attributes"]["confidential"] = serde_json::json!(true);
    assert_eq!(
        side.post("/webhooks/gitlab", "Confidential Issue Hook", payload.to_string()),
        202
    );
    assert!(side.worker.run_one());
    let pulls = side.pulls();
    assert_eq!(pulls.len(), 1);
    assert!(!pulls[0].body.contains(secret_words), "{}", pulls[0].body);
    assert!(!pulls[0].body.contains("finance dashboards"), "{}", pulls[0].body);
    let promotion = {
        let remote = git2::Repository::open_bare(&side.remote).unwrap();
        let tree = remote
            .find_reference("refs/heads/hallmark/silver/orders")
            .unwrap()
            .peel_to_tree()
            .unwrap();
        let blob = tree
            .get_path(Path::new("products/orders/PROMOTION.md"))
            .unwrap()
            .to_object(&remote)
            .unwrap();
        String::from_utf8_lossy(blob.as_blob().unwrap().content()).into_owned()
    };
    assert!(
        !promotion.contains(secret_words) && !promotion.contains("finance dashboards"),
        "{promotion}"
    );
    let tracking = side.marked(31, false, "tracking");
    assert!(tracking[0].contains("This issue is confidential"), "{}", tracking[0]);
}

#[test]
fn promote_from_a_comment_then_explain_and_revise_with_the_review_comments() {
    for side in both() {
        let who = side.name;
        side.set_role("maintainer", Role::Writer);
        side.set_issue_body(40, &FORM.replace("bronze/orders.csv", "bronze/customers.csv"));
        assert_eq!(
            side.comment(40, false, 601, "/hallmark promote", "maintainer"),
            202,
            "{who}"
        );
        assert!(side.worker.run_one(), "{who}");
        let pull = side.pulls().pop().expect("a pull request");
        assert_eq!(pull.head, "hallmark/silver/customers", "{who}");
        assert!(pull.body.starts_with("Closes #40"), "{who}");

        // explain answers anyone, from the standards of the default branch.
        side.set_role("visitor", Role::Reader);
        assert_eq!(
            side.comment(pull.number, true, 602, "/hallmark explain SLV-003", "visitor"),
            202,
            "{who}"
        );
        assert!(side.worker.run_one(), "{who}");
        let explained = side
            .said(pull.number, true)
            .into_iter()
            .rfind(|s| s.by_hallmark)
            .unwrap();
        assert!(
            explained
                .body
                .starts_with("**SLV-003 Amounts are non-negative decimals**"),
            "{who}: {}",
            explained.body
        );

        // revise re-runs the promotion with the feedback and the review comments.
        let remote = git2::Repository::open_bare(&side.remote).unwrap();
        let before = remote.refname_to_id("refs/heads/hallmark/silver/customers").unwrap();
        side.add_review_comment(
            pull.number,
            "reviewer",
            "products/customers/silver.yml",
            "Say which emails are hashed.",
        );
        let revise = "/hallmark revise\nname the marketing team as the audience";
        assert_eq!(side.comment(pull.number, true, 603, revise, "maintainer"), 202, "{who}");
        assert!(side.worker.run_one(), "{who}");
        let after = remote.refname_to_id("refs/heads/hallmark/silver/customers").unwrap();
        assert!(
            after != before && remote.graph_descendant_of(after, before).unwrap(),
            "{who}: a new commit on top"
        );
        let plan = side.file_on_branch("hallmark/silver/customers", "products/customers/PROMOTION.md");
        assert!(
            plan.contains("Reviewer feedback from @maintainer:\nname the marketing team as the audience"),
            "{who}: {plan}"
        );
        assert!(
            plan.contains("- @reviewer on products/customers/silver.yml: Say which emails are hashed."),
            "{who}: the review comments are context too: {plan}"
        );
        let checklist = side.marked(pull.number, true, "checklist");
        assert_eq!(checklist.len(), 1, "{who}: the same checklist");
        assert!(
            checklist[0].contains("<b>Data diff</b> of <code>silver.customers</code>: new product, "),
            "{who}: the revised product is still new on main: {}",
            checklist[0]
        );
        let replies: Vec<Said> = side
            .said(pull.number, true)
            .into_iter()
            .filter(|s| s.by_hallmark)
            .collect();
        assert!(
            replies
                .iter()
                .any(|r| r.body.starts_with("@maintainer revised with your feedback in commit")),
            "{who}: {replies:?}"
        );
        assert_eq!(side.pulls().len(), 1, "{who}");
    }
}

fn example(rel: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/retail")
            .join(rel),
    )
    .unwrap()
}

#[test]
fn a_pull_request_that_changes_the_standards_gets_one_impact_comment() {
    for side in both() {
        let who = side.name;
        // The team's products on main.
        side.orders_on_main(&[]);
        // A standards change that the orders product does not meet: at least 100,000 rows.
        let standards = format!(
            "{}\n### SLV-050 Products are large\nApplies to: silver\n\nSmall products are samples.\n\n```rule\ncolumns: {{ name: order_id }}\ncheck: not_null\n```\n",
            example("data_standards.md").replace("min: 0 }", "min: 100 }")
        );
        let first = side.push("main", "tighten", &[("data_standards.md", standards.clone())]);
        assert_eq!(
            side.open_pull("opened", 70, "tighten", first, &["data_standards.md"], "lead"),
            202,
            "{who}"
        );
        assert!(side.worker.run_one(), "{who}");
        let impact = side.marked(70, true, "impact");
        assert_eq!(impact.len(), 1, "{who}: {:?}", side.said(70, true));
        assert!(impact[0].contains("| `silver.orders` |"), "{who}: {}", impact[0]);
        assert!(
            impact[0].contains("SLV-003 (changed: rule)") && impact[0].contains("SLV-050 (added)"),
            "{who}: {}",
            impact[0]
        );
        assert!(
            impact[0].contains("+check: { range: { min: 100 } }"),
            "{who}: the rule's diff: {}",
            impact[0]
        );

        // New commits on the request: the same comment, updated.
        let second = side.push(
            "tighten",
            "tighten",
            &[("data_standards.md", standards.replace("min: 100 }", "min: 5 }"))],
        );
        assert_eq!(
            side.open_pull("synchronize", 70, "tighten", second, &["data_standards.md"], "lead"),
            202,
            "{who}"
        );
        assert!(side.worker.run_one(), "{who}");
        let impact = side.marked(70, true, "impact");
        assert_eq!(impact.len(), 1, "{who}");
        assert!(
            impact[0].contains("+check: { range: { min: 5 } }"),
            "{who}: {}",
            impact[0]
        );

        // A request that changes no standard gets nothing.
        let other = side.push("main", "docs", &[("README.md", "Notes.\n".to_string())]);
        assert_eq!(
            side.open_pull("opened", 71, "docs", other, &["README.md"], "lead"),
            202,
            "{who}"
        );
        assert!(side.worker.run_one(), "{who}");
        assert!(side.said(71, true).is_empty(), "{who}");
    }
}

/// The shop's standards with SLV-003's minimum raised from 0 to 10, which
/// `silver.sales` (amounts from 3.50) no longer meets and `silver.stores` (no amount)
/// is untouched by.
fn tightened_shop_standards() -> String {
    hallmark_tests::shop::STANDARDS.replace("check: { range: { min: 0 } }", "check: { range: { min: 10 } }")
}

#[test]
fn a_standards_change_pushed_to_main_opens_one_tracking_issue_for_what_it_breaks() {
    for side in both() {
        let who = side.name;
        let before = side.shop_on_main();
        let after = side.push("main", "main", &[("data_standards.md", tightened_shop_standards())]);
        assert_eq!(side.pushed(before, after, &["data_standards.md"], "lead"), 202, "{who}");
        assert!(side.worker.run_one(), "{who}");
        let issues = side.opened_issues();
        assert_eq!(issues.len(), 1, "{who}: {issues:?}");
        let short: String = after.to_string().chars().take(7).collect();
        assert_eq!(
            issues[0].0,
            format!("Standards change {short}: 1 of 2 products no longer meet SLV-003"),
            "{who}"
        );
        assert!(
            issues[0].1.contains("No longer meeting the standards: `silver.sales`."),
            "{who}: {}",
            issues[0].1
        );

        // The job run again (a redelivery after a crash): the same issue.
        let first = side.worker.queue.job(1).unwrap().expect("the first job");
        side.worker.queue.enqueue(first.again()).unwrap();
        assert!(side.worker.run_one(), "{who}");
        assert_eq!(side.opened_issues().len(), 1, "{who}");

        // A push that changes no standard opens nothing.
        let docs = side.push("main", "main", &[("NOTES.md", "Notes.\n".to_string())]);
        assert_eq!(
            side.pushed(after, docs, &["NOTES.md"], "lead"),
            202,
            "{who}: markdown might be the standards"
        );
        assert!(side.worker.run_one(), "{who}");
        assert_eq!(side.opened_issues().len(), 1, "{who}");
    }
}

#[test]
fn fix_opens_one_pull_request_per_failing_product_and_leaves_a_persons_branch_alone() {
    for side in both() {
        let who = side.name;
        side.set_role("lead", Role::Writer);
        side.orders_on_main(&[]);
        // The hand-written orders product maps no country names; the standard now says so.
        let standards = example("data_standards.md").replace(
            "`United States`, `USA` and `us` all become `US`.",
            "`United States`, `USA` and `us` all become `US`, in every product.",
        );
        assert_ne!(standards, example("data_standards.md"));
        let sha = side.push("main", "countries", &[("data_standards.md", standards)]);
        assert_eq!(
            side.open_pull("opened", 80, "countries", sha, &["data_standards.md"], "lead"),
            202,
            "{who}"
        );
        assert!(side.worker.run_one(), "{who}");
        assert_eq!(side.comment(80, true, 8001, "/hallmark fix", "lead"), 202, "{who}");
        assert!(side.worker.run_one(), "{who}");

        let fixes: Vec<Pull> = side.fix_pulls();
        assert_eq!(fixes.len(), 1, "{who}: {fixes:?}");
        let fix = &fixes[0];
        assert_eq!(
            (fix.head.as_str(), fix.base.as_str()),
            ("hallmark/fix/silver.orders", "countries"),
            "{who}"
        );
        assert!(fix.body.contains("SLV-005"), "{who}: {}", fix.body);
        let checklist = side.marked(fix.number, true, "checklist");
        assert_eq!(checklist.len(), 1, "{who}");
        assert!(
            checklist[0].contains("**✅ passed**"),
            "{who}: the fix meets the new standards: {}",
            checklist[0]
        );
        // The data diff against the standards change's branch: the same orders, by
        // key, with country names now mapped to codes.
        assert!(
            checklist[0].contains("<b>Data diff</b> of <code>silver.orders</code>: 0 added · 0 removed · "),
            "{who}: {}",
            checklist[0]
        );
        let countries = checklist[0]
            .lines()
            .find(|l| l.starts_with("| `ship_country` | "))
            .unwrap_or_else(|| panic!("{who}: {}", checklist[0]));
        assert!(
            !countries.starts_with("| `ship_country` | 0 |"),
            "{who}: country values changed: {countries}"
        );
        let impact = side.marked(80, true, "impact");
        assert_eq!(impact.len(), 1, "{who}");
        assert!(
            impact[0].contains(&format!(
                "`silver.orders`: {}",
                if who == "github" {
                    format!("Pull request #{}", fix.number)
                } else {
                    format!("Merge request !{}", fix.number)
                }
            )),
            "{who}: {}",
            impact[0]
        );

        // Again: the same pull request, not a second.
        assert_eq!(side.comment(80, true, 8002, "/hallmark fix", "lead"), 202, "{who}");
        assert!(side.worker.run_one(), "{who}");
        assert_eq!(
            side.pulls()
                .iter()
                .filter(|p| p.head.starts_with("hallmark/fix/"))
                .count(),
            1,
            "{who}"
        );

        // A person pushes to the fix branch: Hallmark leaves it alone from then on.
        let theirs = side.push(
            "hallmark/fix/silver.orders",
            "hallmark/fix/silver.orders",
            &[("products/orders/NOTES.md", "Checked by hand.\n".to_string())],
        );
        assert_eq!(side.comment(80, true, 8003, "/hallmark fix", "lead"), 202, "{who}");
        assert!(side.worker.run_one(), "{who}");
        let remote = git2::Repository::open_bare(&side.remote).unwrap();
        assert_eq!(
            remote.refname_to_id("refs/heads/hallmark/fix/silver.orders").unwrap(),
            theirs,
            "{who}"
        );
        assert!(
            side.marked(80, true, "impact")[0].contains("has commits by a person, so it is left alone"),
            "{who}"
        );
    }
}

#[test]
fn a_repository_that_asks_for_fixes_gets_them_with_the_impact() {
    for side in both() {
        let who = side.name;
        side.set_file(".hallmark.yml", "bot:\n  standards_change: fix\n");
        side.orders_on_main(&[]);
        let standards = example("data_standards.md").replace("all become `US`.", "all become `US`, everywhere.");
        let sha = side.push("main", "everywhere", &[("data_standards.md", standards)]);
        assert_eq!(
            side.open_pull("opened", 90, "everywhere", sha, &["data_standards.md"], "lead"),
            202,
            "{who}"
        );
        assert!(side.worker.run_one(), "{who}");
        let fixes: Vec<Pull> = side.fix_pulls();
        assert_eq!(fixes.len(), 1, "{who}: {fixes:?}");
        assert!(side.marked(90, true, "impact")[0].contains("Fixes proposed"), "{who}");
    }
}

/// `standards` without the standard `id` (its heading to the next one).
fn without(standards: &str, id: &str) -> String {
    let start = standards.find(&format!("### {id} ")).expect("the standard");
    let end = standards[start + 4..]
        .find("\n### ")
        .map_or(standards.len(), |e| start + 4 + e + 1);
    format!("{}{}", &standards[..start], &standards[end..])
}

#[test]
fn a_pushed_standards_change_with_fixes_asked_for_opens_them_and_links_them_in_the_issue() {
    for side in both() {
        let who = side.name;
        side.set_file(".hallmark.yml", "bot:\n  standards_change: fix\n");
        // Before: standards the hand-written orders product meets (no refunds rule, no
        // country rule, no documentation rule).
        let all = example("data_standards.md");
        let all = without(&all, "SLV-009");
        let before_text = without(&without(&all, "SLV-003"), "SLV-005");
        let before = side.orders_on_main(&[("data_standards.md", before_text)]);
        // After: country codes are ISO, which the hand-written product does not map.
        let after = side.push("main", "main", &[("data_standards.md", without(&all, "SLV-003"))]);
        assert_eq!(side.pushed(before, after, &["data_standards.md"], "lead"), 202, "{who}");
        assert!(side.worker.run_one(), "{who}");
        let issues = side.opened_issues();
        let job = side.worker.queue.job(1).unwrap().map(|j| j.error);
        assert_eq!(issues.len(), 1, "{who}: {issues:?} {job:?}");
        assert!(
            issues[0].0.ends_with("1 of 1 products no longer meet SLV-005"),
            "{who}: {}",
            issues[0].0
        );
        let fixes: Vec<Pull> = side.fix_pulls();
        assert_eq!(fixes.len(), 1, "{who}: {fixes:?}");
        assert_eq!(fixes[0].base, "main", "{who}");
        assert!(
            issues[0].1.contains("Fixes proposed") && issues[0].1.contains("`silver.orders`: "),
            "{who}: {}",
            issues[0].1
        );
        let checklist = side.marked(fixes[0].number, true, "checklist");
        assert!(checklist[0].contains("**✅ passed**"), "{who}: {}", checklist[0]);
    }
}

const FORK: &str = "contributor/retail";

/// A pull (merge) request from a fork whose branch is called `main`: this repository's
/// `main` is not its head, and the fork's commit is in this repository only as
/// `refs/pull/N/head`. Opening it runs nothing (a stranger's SQL waits for a writer);
/// a writer's `recheck` and `fix` check the fork's commit; `fix` pushes no branch with
/// the fork's commits and says why; `revise` says it revises only the branches it
/// opened.
#[test]
fn a_request_from_a_fork_is_checked_at_its_own_commit_and_nothing_is_pushed_for_it() {
    for side in both() {
        let who = side.name;
        side.set_role("lead", Role::Writer);
        side.orders_on_main(&[]);
        let standards = example("data_standards.md").replace("min: 0 }", "min: 100 }");
        let fork_sha = side.open_fork_pull(90, &[("data_standards.md", standards)], "contributor");
        assert!(!side.worker.run_one(), "{who}: nothing was queued");

        assert_eq!(side.comment(90, true, 9001, "/hallmark recheck", "lead"), 202, "{who}");
        assert!(side.worker.run_one(), "{who}");
        let checklist = side.marked(90, true, "checklist");
        assert_eq!(checklist.len(), 1, "{who}: {:?}", side.said(90, true));
        assert!(
            checklist[0].contains("SLV-003") && !checklist[0].contains("**✅ passed**"),
            "{who}: the fork's standards fail the orders: {}",
            checklist[0]
        );
        let status = side.status(&fork_sha.to_string());
        assert!(
            status.as_deref().is_some_and(|s| s != "success"),
            "{who}: the fork's commit carries the result: {status:?}"
        );

        let remote = git2::Repository::open_bare(&side.remote).unwrap();
        let branches = |r: &git2::Repository| -> Vec<String> {
            r.references_glob("refs/heads/*")
                .unwrap()
                .map(|r| r.unwrap().name().unwrap().to_string())
                .collect()
        };
        let before = branches(&remote);
        assert_eq!(side.comment(90, true, 9002, "/hallmark fix", "lead"), 202, "{who}");
        assert!(side.worker.run_one(), "{who}");
        assert_eq!(branches(&remote), before, "{who}: no branch carries the fork's commits");
        assert!(side.fix_pulls().is_empty(), "{who}");
        let impact = side.marked(90, true, "impact");
        assert_eq!(impact.len(), 1, "{who}: {:?}", side.said(90, true));
        assert!(
            impact[0].contains("SLV-003 (changed: rule)"),
            "{who}: the fork's change, not this repository's main: {}",
            impact[0]
        );
        assert!(
            impact[0].contains(&format!("the change comes from the fork `{FORK}`")),
            "{who}: {}",
            impact[0]
        );

        assert_eq!(
            side.comment(90, true, 9003, "/hallmark revise keep refunds", "lead"),
            202,
            "{who}"
        );
        assert!(side.worker.run_one(), "{who}");
        let said = side.said(90, true);
        let reply = &said.last().unwrap().body;
        assert!(reply.contains(&format!("is in the fork `{FORK}`")), "{who}: {reply}");
        assert_eq!(branches(&remote), before, "{who}");
    }
}

/// GitLab's push hook lists only the newest 20 commits (`total_commits_count` has them
/// all): a standards change in the oldest commit of a 25-commit push is still found,
/// by the job's own diff of the push.
#[test]
fn a_standards_change_early_in_a_large_gitlab_push_is_not_missed() {
    let side = Side::gitlab();
    let before = side.shop_on_main();
    let mut commits: Vec<(String, Vec<String>)> = Vec::new();
    let first = side.push("main", "main", &[("data_standards.md", tightened_shop_standards())]);
    commits.push((first.to_string(), vec!["data_standards.md".into()]));
    for n in 0..24 {
        let file = format!("notebooks/step_{n}.py");
        let sha = side.push("main", "main", &[(file.as_str(), format!("print({n})\n"))]);
        commits.push((sha.to_string(), vec![file]));
    }
    let after = commits.last().unwrap().0.clone();
    let shaped: Vec<(&str, Vec<&str>)> = commits
        .iter()
        .map(|(id, files)| (id.as_str(), files.iter().map(String::as_str).collect()))
        .collect();
    let listed: Vec<(&str, &[&str])> = shaped.iter().map(|(id, f)| (*id, f.as_slice())).collect();
    let payload = deliveries::gitlab_push_commits(REPO, &before.to_string(), &after, &listed, "lead");
    assert_eq!(
        payload["commits"].as_array().unwrap().len(),
        deliveries::GITLAB_PUSH_COMMITS
    );
    assert!(
        !payload.to_string().contains("data_standards.md"),
        "the change is in a commit the hook does not list"
    );
    assert_eq!(side.post("/webhooks/gitlab", "Push Hook", payload.to_string()), 202);
    assert!(side.worker.run_one());
    let issues = side.opened_issues();
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert!(
        issues[0].0.contains("1 of 2 products no longer meet SLV-003"),
        "{}",
        issues[0].0
    );
}

/// The fixture dbt project's files (no manifest: `target/` is not committed), and a
/// `.hallmark.yml` that names the dbt project and nothing else.
fn dbt_project_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/dbt/shop");
    let mut files = Vec::new();
    let mut folders = vec![root.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let rel = path.strip_prefix(&root).unwrap().to_string_lossy().to_string();
                files.push((rel, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    for (rel, text) in &mut files {
        if rel == ".hallmark.yml" {
            *text = "dbt:\n  project: .\n".into();
        }
    }
    files
}

#[test]
fn in_a_dbt_project_a_promotion_opens_a_pull_request_with_a_dbt_model_that_dbt_builds() {
    let files = dbt_project_files();
    let extra: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let side = Side::github_with(&extra);
    side.set_role("consumer", Role::Writer);
    let form = "### Source\n\nbronze/customers.csv\n\n### Target level\n\nsilver\n\n### Owner\n\ncrm-data@acme.example\n\n### What do you need, and why?\n\nOne row per customer.\n";
    assert_eq!(side.label_issue(31, form, "consumer"), 202);
    assert!(side.worker.run_one());
    let pulls = side.pulls();
    assert_eq!(pulls.len(), 1, "{pulls:?}");
    assert_eq!(pulls[0].head, "hallmark/silver/customers");
    let checklist = side.marked(pulls[0].number, true, "checklist");
    assert_eq!(checklist.len(), 1);
    assert!(checklist[0].contains("**✅ passed**"), "{}", checklist[0]);
    side.branch_tree_has(
        "hallmark/silver/customers",
        &[
            "models/silver/customers.sql",
            "models/silver/customers.yml",
            "hallmark/silver/customers/PROMOTION.md",
        ],
    );
    let remote = git2::Repository::open_bare(&side.remote).unwrap();
    let tree = remote
        .find_reference("refs/heads/hallmark/silver/customers")
        .unwrap()
        .peel_to_tree()
        .unwrap();
    assert!(
        tree.get_path(Path::new("products")).is_err(),
        "no products/ folder in a dbt project"
    );
    let sql = tree.get_path(Path::new("models/silver/customers.sql")).unwrap();
    let sql = String::from_utf8(remote.find_blob(sql.id()).unwrap().content().to_vec()).unwrap();
    assert!(sql.contains("{{ source('bronze', 'customers') }}"), "{sql}");

    // The branch, cloned as the repository's CI would, builds with the real dbt: the
    // model, what it reads, and its dbt tests.
    let Some(dbt) = hallmark_tests::tools::installed("dbt.sh", "dbt") else {
        return;
    };
    let clone = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("git")
        .args(["clone", "-q", "-b", "hallmark/silver/customers"])
        .arg(&side.remote)
        .arg(clone.path())
        .status()
        .unwrap();
    assert!(status.success());
    let built = hallmark_tests::tools::dbt(&dbt, clone.path(), &["build", "--select", "+customers"]);
    let said = String::from_utf8_lossy(&built.stdout);
    assert!(built.status.success(), "{said}");
    assert!(said.contains("PASS=3") && said.contains("ERROR=0"), "{said}");
}
