//! A runtime that is always running, for an HTTP client's connections.
//!
//! hyper spawns each connection's task on the runtime that polls the request which
//! opened it, and the client's pool then hands that connection to later requests from
//! any runtime. The bot's workers each drive a runtime of their own only while they
//! wait on a call, so a connection opened by one worker would sit unpolled while that
//! worker is idle or busy with git — and another worker's request on it would hang
//! until its timeout (seen under load: one call in two thousand stalled 60 s). Every
//! request of a client therefore runs on the client's own runtime, where its
//! connections live and are always driven.

use std::future::Future;

/// A small multi-threaded runtime owned by a client; shut down without blocking when
/// the last clone of the client goes, which may be inside another runtime.
pub struct IoRuntime {
    runtime: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
}

impl IoRuntime {
    /// Starts one worker thread named `name`.
    pub fn new(name: &str) -> std::io::Result<IoRuntime> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name(name)
            .enable_all()
            .build()?;
        Ok(IoRuntime {
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
        })
    }

    /// The runtime's handle, to build a client inside it (octocrab spawns its
    /// request buffer's worker there).
    pub fn handle(&self) -> &tokio::runtime::Handle {
        &self.handle
    }

    /// Runs `f` on this runtime and waits for it from wherever the caller is; an
    /// error only when the task panicked or the runtime is going away.
    pub async fn run<F>(&self, f: F) -> Result<F::Output, tokio::task::JoinError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(f).await
    }
}

impl Drop for IoRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl std::fmt::Debug for IoRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IoRuntime").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connection opened from one caller's runtime and reused from another's, while
    /// the first no longer runs, still answers: both requests run on the client's
    /// runtime.
    #[test]
    fn a_connection_opened_from_one_runtime_serves_a_request_from_another() {
        let io = std::sync::Arc::new(IoRuntime::new("io-test").unwrap());
        // A one-connection HTTP/1.1 server that answers two requests on it.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            use std::io::{BufRead, BufReader, Write};
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut out = stream;
            for _ in 0..2 {
                let mut line = String::new();
                loop {
                    line.clear();
                    reader.read_line(&mut line).unwrap();
                    if line == "\r\n" {
                        break;
                    }
                }
                out.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                    .unwrap();
            }
        });
        let http = reqwest::Client::new();
        let url = format!("http://{addr}/");
        let get = |http: reqwest::Client, url: String| async move { http.get(url).send().await?.text().await };
        let first = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let text = first.block_on(io.run(get(http.clone(), url.clone()))).unwrap().unwrap();
        assert_eq!(text, "ok");
        // The first caller's runtime is never driven again.
        let second = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let text = second
            .block_on(async { tokio::time::timeout(std::time::Duration::from_secs(10), io.run(get(http, url))).await })
            .expect("the reused connection answered")
            .unwrap()
            .unwrap();
        assert_eq!(text, "ok");
        server.join().unwrap();
        drop(first);
    }
}
