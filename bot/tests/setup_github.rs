//! `hallmark setup github` as a user runs it: the page it serves posts exactly the
//! shipped manifest to GitHub with an unguessable state; a redirect with another state
//! is refused; GitHub's code is exchanged (against the fake GitHub) for the app, whose
//! id, key and webhook secret land in files only the user can read.

use hallmark::github::manifest::APP_MANIFEST;
use hallmark_tests::fake_github::{test_app_private_key, FakeGitHub, TEST_APP_ID};
use hallmark_tests::http::request;
use std::net::{SocketAddr, TcpListener};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn the_manifest_flow_creates_the_app_and_keeps_its_secrets_private() {
    let fake = FakeGitHub::for_test_app();
    fake.with_state(|s| s.manifest_codes.push("code-from-github".into()));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("app");
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hallmark"))
        .args([
            "setup",
            "github",
            "--webhook-url",
            "https://bot.example/webhooks/github",
        ])
        .args(["--github-url", "https://github.example", "--api-url", &fake.url()])
        .args(["--port", &port.to_string(), "--out", out.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let start = Instant::now();
    let page = loop {
        if let Ok(r) = request(addr, "GET", "/", &[], b"") {
            break r.body;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the setup page never came up"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let action = page.split("action=\"").nth(1).unwrap().split('"').next().unwrap();
    assert!(
        action.starts_with("https://github.example/settings/apps/new?state="),
        "{action}"
    );
    let state = action.split("state=").nth(1).unwrap().to_string();
    assert_eq!(state.len(), 32, "16 random bytes");
    let value = page
        .split("name=\"manifest\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&value.replace("&quot;", "\"").replace("&amp;", "&")).unwrap();
    let shipped: serde_json::Value = serde_json::from_str(APP_MANIFEST).unwrap();
    assert_eq!(manifest["default_permissions"], shipped["default_permissions"]);
    assert_eq!(manifest["default_events"], shipped["default_events"]);
    assert_eq!(
        manifest["hook_attributes"]["url"],
        "https://bot.example/webhooks/github"
    );
    assert_eq!(manifest["redirect_url"], format!("http://127.0.0.1:{port}/callback"));

    let forged = request(addr, "GET", "/callback?code=code-from-github&state=0123", &[], b"").unwrap();
    assert_eq!(forged.status, 400, "{}", forged.body);
    let real = request(
        addr,
        "GET",
        &format!("/callback?code=code-from-github&state={state}"),
        &[],
        b"",
    )
    .unwrap();
    assert_eq!(real.status, 200, "{}", real.body);
    let status = child.wait().unwrap();
    let mut printed = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut printed).unwrap();
    assert!(status.success(), "{printed}");
    assert!(
        printed.contains(&format!("hallmark serve --app-id {TEST_APP_ID}")),
        "{printed}"
    );
    assert!(
        !printed.contains("webhook-secret-from-github") && !printed.contains("PRIVATE KEY"),
        "secrets never print"
    );

    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();
    assert_eq!(read("app-id").trim(), TEST_APP_ID.to_string());
    assert_eq!(read("private-key.pem"), test_app_private_key());
    assert_eq!(read("webhook-secret"), "webhook-secret-from-github");
    #[cfg(unix)]
    for name in ["app-id", "private-key.pem", "webhook-secret"] {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(out.join(name)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name}");
    }
}

#[test]
fn the_shipped_manifest_asks_for_exactly_what_the_bot_uses() {
    let manifest: serde_json::Value = serde_json::from_str(APP_MANIFEST).unwrap();
    let permissions: Vec<(String, String)> = manifest["default_permissions"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    let want = [
        ("checks", "write"),        // the hallmark check run
        ("contents", "write"),      // clone, push the branches, read .hallmark.yml
        ("issues", "write"),        // comments, reactions, tracking issues
        ("metadata", "read"),       // required of every app; collaborators' permission
        ("pull_requests", "write"), // open and update pull requests, files, review comments
    ];
    assert_eq!(
        permissions,
        want.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    );
    // The events the routers act on, and no others.
    let events: Vec<&str> = manifest["default_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert_eq!(events, ["issue_comment", "issues", "pull_request", "push"]);
    assert_eq!(manifest["public"], false);
}
