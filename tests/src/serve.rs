//! Runs an axum router on a free loopback port in a thread of its own, so tests that
//! block (the promotion job, the CLI) can talk to it over real HTTP. It stops when
//! dropped.

use axum::Router;
use std::net::SocketAddr;

/// A server running in the background.
pub struct Background {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Background {
    /// Binds a port, builds the router (it may need its own address, for links), and
    /// serves until dropped.
    pub fn spawn(router: impl FnOnce(SocketAddr) -> Router + Send + 'static) -> Background {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (shutdown, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for a test server");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind loopback");
                let addr = listener.local_addr().expect("local addr");
                let app = router(addr);
                addr_tx.send(addr).expect("send addr");
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = shutdown_rx.await;
                    })
                    .await
                    .expect("serve");
            });
        });
        let addr = addr_rx.recv().expect("the server starts");
        Background {
            addr,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
