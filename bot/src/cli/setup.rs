//! `hallmark setup github`: creates the GitHub App in one command with GitHub's
//! manifest flow. It serves a page on a local port that posts the manifest (exactly the
//! permissions and events the bot needs) to GitHub, receives the one-time code GitHub
//! redirects back with (checked against an unguessable `state`), exchanges it for the
//! app, and writes the app id, private key and webhook secret to files only the user
//! can read (mode 0600).

use super::Outcome;
use anyhow::Context;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use hallmark::github::manifest::{convert, manifest_for};
use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Arguments of `hallmark setup github`.
#[derive(Debug, clap::Args)]
pub struct SetupGithubArgs {
    /// The URL GitHub delivers webhooks to (`https://HOST/webhooks/github`).
    #[arg(long)]
    webhook_url: String,
    /// The app's name on GitHub.
    #[arg(long, default_value = "Hallmark")]
    name: String,
    /// Create the app for this organization instead of your account.
    #[arg(long)]
    org: Option<String>,
    /// GitHub's web address (GitHub Enterprise: `https://HOST`).
    #[arg(long, default_value = "https://github.com")]
    github_url: String,
    /// GitHub's API.
    #[arg(long, default_value = "https://api.github.com")]
    api_url: String,
    /// The local port the setup page and GitHub's redirect use.
    #[arg(long, default_value_t = 3999)]
    port: u16,
    /// Where the app id, private key and webhook secret are written.
    #[arg(long, default_value = ".hallmark-app")]
    out: PathBuf,
}

/// `hallmark setup <forge>`.
#[derive(Debug, clap::Subcommand)]
pub enum SetupCommand {
    /// Create the GitHub App from its manifest.
    Github(SetupGithubArgs),
}

struct Flow {
    page: String,
    state: String,
    code: Mutex<Option<tokio::sync::oneshot::Sender<String>>>,
}

/// A random hex string from the system's generator, for `state`.
fn unguessable() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("reading /dev/urandom")?;
    Ok(hex::encode(bytes))
}

/// `text` as an HTML attribute value.
fn attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Writes `text` to `path`, readable by the user only.
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

async fn setup_page(State(flow): State<Arc<Flow>>) -> Html<String> {
    Html(flow.page.clone())
}

async fn callback(State(flow): State<Arc<Flow>>, Query(q): Query<HashMap<String, String>>) -> (StatusCode, String) {
    use subtle::ConstantTimeEq as _;
    let given = q.get("state").map(String::as_bytes).unwrap_or_default();
    if !bool::from(given.ct_eq(flow.state.as_bytes())) {
        return (
            StatusCode::BAD_REQUEST,
            "This is not the setup Hallmark started (the state does not match).\n".into(),
        );
    }
    let Some(code) = q.get("code").filter(|c| !c.is_empty() && c.len() <= 200) else {
        return (StatusCode::BAD_REQUEST, "GitHub sent no code.\n".into());
    };
    match flow.code.lock().unwrap_or_else(|p| p.into_inner()).take() {
        Some(sender) => {
            let _ = sender.send(code.clone());
            (
                StatusCode::OK,
                "Hallmark received the app from GitHub; you can close this page.\n".into(),
            )
        }
        None => (StatusCode::CONFLICT, "The app was already received.\n".into()),
    }
}

/// Runs the manifest flow.
pub fn run(command: SetupCommand) -> anyhow::Result<Outcome> {
    let SetupCommand::Github(args) = command;
    let state = unguessable()?;
    let redirect = format!("http://127.0.0.1:{}/callback", args.port);
    let manifest = manifest_for(&args.webhook_url, &redirect, &args.name);
    let github = args.github_url.trim_end_matches('/');
    let action = match &args.org {
        Some(org) => format!("{github}/organizations/{org}/settings/apps/new?state={state}"),
        None => format!("{github}/settings/apps/new?state={state}"),
    };
    let page = format!(
        "<!doctype html><title>Create the Hallmark GitHub App</title>\
         <form id=\"f\" method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"manifest\" value=\"{}\">\
         <button>Create the app on GitHub</button></form><script>document.getElementById('f').submit()</script>",
        attribute(&action),
        attribute(&manifest.to_string())
    );
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let flow = Arc::new(Flow {
        page,
        state,
        code: Mutex::new(Some(sender)),
    });
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting a runtime")?;
    let app = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
            .await
            .with_context(|| format!("listening on 127.0.0.1:{}", args.port))?;
        let router = Router::new()
            .route("/", get(setup_page))
            .route("/callback", get(callback))
            .with_state(flow);
        let server = tokio::spawn(async move { axum::serve(listener, router).await });
        eprintln!(
            "Open http://127.0.0.1:{}/ in a browser signed in to GitHub, and create the app there.",
            args.port
        );
        let code = tokio::time::timeout(std::time::Duration::from_secs(900), receiver)
            .await
            .context("no answer from GitHub within 15 minutes")?
            .context("the setup page stopped")?;
        server.abort();
        convert(&args.api_url, &code)
            .await
            .context("exchanging GitHub's code for the app")
    })?;
    write_private(&args.out.join("app-id"), &format!("{}\n", app.id))?;
    write_private(&args.out.join("private-key.pem"), app.pem.expose())?;
    write_private(&args.out.join("webhook-secret"), app.webhook_secret.expose())?;
    println!(
        "Created the GitHub App {} (id {}): install it on your repositories at {}/installations/new\n\
         Then run:\n  export HALLMARK_GITHUB_WEBHOOK_SECRET=\"$(cat {dir}/webhook-secret)\"\n  \
         export HALLMARK_GITHUB_PRIVATE_KEY_FILE={dir}/private-key.pem\n  hallmark serve --app-id {}",
        app.slug,
        app.id,
        app.html_url.trim_end_matches('/'),
        app.id,
        dir = args.out.display()
    );
    Ok(Outcome::Passed)
}
