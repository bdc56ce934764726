//! A stateful fake of the GitHub REST API for end-to-end tests, served over real HTTP
//! on loopback. It keeps its state between requests, answers with GitHub's status
//! codes and headers, and checks credentials as GitHub does. One file per resource,
//! so tests read as stories; this first part covers the app's installation tokens.

pub mod app;

use axum::routing::post;
use axum::Router;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// Everything the fake remembers.
#[derive(Debug, Default)]
pub struct State {
    /// The app's id, which JWTs must name as `iss`.
    pub app_id: u64,
    /// The app's public key (PEM), to verify JWTs.
    pub public_key: String,
    /// Installation tokens issued: (installation, token).
    pub tokens: Vec<(u64, String)>,
    /// Seconds until an issued token expires (GitHub: one hour).
    pub token_lifetime_secs: i64,
}

/// The running fake; stops when dropped.
pub struct FakeGitHub {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeGitHub {
    /// Starts the fake for app `app_id` whose public key is `public_key` (PEM).
    pub fn start(app_id: u64, public_key: &str) -> FakeGitHub {
        let state = Arc::new(Mutex::new(State {
            app_id,
            public_key: public_key.to_string(),
            token_lifetime_secs: 3600,
            ..State::default()
        }));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (shutdown, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        let shared = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the fake GitHub");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind loopback");
                addr_tx
                    .send(listener.local_addr().expect("local addr"))
                    .expect("send addr");
                let app = Router::new()
                    .route(
                        "/app/installations/{id}/access_tokens",
                        post(app::create_installation_token),
                    )
                    .with_state(shared);
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = shutdown_rx.await;
                    })
                    .await
                    .expect("serve");
            });
        });
        let addr = addr_rx.recv().expect("the fake starts");
        FakeGitHub {
            addr,
            state,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// The API base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Reads or changes the state.
    pub fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
