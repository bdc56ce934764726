//! Secrets planted on the host for the sandbox's attack suites: files outside any
//! repository, a directory listing, an environment variable and a URL on loopback that
//! counts its callers. A suite runs its attacks and then asks the canary whether any
//! secret showed up in what left the sandbox.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// An HTTP server on loopback that hands out a secret and counts who asked.
pub struct CanaryServer {
    /// The secret's address.
    pub url: String,
    hits: Arc<AtomicUsize>,
}

impl CanaryServer {
    /// Listens on a free loopback port and answers at most 100 connections.
    pub fn start(secret: &str) -> CanaryServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/canary.csv", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let body = format!("{secret}\n");
        std::thread::spawn(move || {
            for stream in listener.incoming().take(100) {
                let Ok(mut s) = stream else { continue };
                counter.fetch_add(1, Ordering::SeqCst);
                let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(2)));
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let _ = write!(
                    s,
                    "HTTP/1.0 200 OK\r\nContent-Type: text/csv\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        CanaryServer { url, hits }
    }

    /// How many connections arrived.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// Secrets of the host that no SQL of a repository may reach.
pub struct Canary {
    /// Owns `dir`.
    _home: tempfile::TempDir,
    /// A folder outside the repository holding the secret files.
    pub dir: PathBuf,
    /// The text inside every secret file and behind the URL.
    pub secret: String,
    /// A word that only a listing of `dir` shows (a file's name).
    pub listed: String,
    /// The value of a canary environment variable of this process.
    pub env_secret: String,
    /// The name of that variable.
    pub env_name: String,
    /// A CSV file holding the secret.
    pub csv: PathBuf,
    /// A JSON file holding the secret.
    pub json: PathBuf,
    /// The URL that hands out the secret.
    pub server: CanaryServer,
    /// The secret planted in the ClickHouse server's `user_files`, by relative name.
    pub clickhouse_file: Option<(PathBuf, String)>,
}

impl Canary {
    /// Plants the secrets: files in a fresh folder outside any repository, a variable
    /// in this process's environment, a URL on loopback, and, given the ClickHouse
    /// server's `user_files` folder, a file there that its `file()` could read.
    pub fn plant(clickhouse_user_files: Option<&Path>) -> Canary {
        let stamp = format!(
            "{}{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        let secret = format!("canarysecret{stamp}");
        let listed = format!("canarylisting{stamp}");
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().canonicalize().unwrap();
        let csv = dir.join("secret.csv");
        std::fs::write(&csv, format!("{secret}\n{secret}\n")).unwrap();
        let json = dir.join("secret.json");
        std::fs::write(&json, format!("{{\"key\": \"{secret}\"}}\n")).unwrap();
        std::fs::write(dir.join(format!("{listed}.csv")), "a\n1\n").unwrap();
        let env_name = "HALLMARK_TEST_CANARY_SECRET".to_string();
        let env_secret = format!("canaryenv{stamp}");
        std::env::set_var(&env_name, &env_secret);
        let clickhouse_file = clickhouse_user_files.and_then(|user_files| {
            let name = format!("hallmark_canary_{stamp}.csv");
            std::fs::write(user_files.join(&name), format!("{secret}\n")).ok()?;
            Some((user_files.join(&name), name))
        });
        Canary {
            server: CanaryServer::start(&secret),
            _home: home,
            dir,
            secret,
            listed,
            env_secret,
            env_name,
            csv,
            json,
            clickhouse_file,
        }
    }

    /// `template` with the planted paths and names filled in.
    pub fn fill(&self, template: &str) -> String {
        template
            .replace("{csv}", &self.csv.to_string_lossy())
            .replace("{json}", &self.json.to_string_lossy())
            .replace("{dir}", &self.dir.to_string_lossy())
            .replace("{url}", &self.server.url)
            .replace("{env}", &self.env_name)
            .replace(
                "{ch_file}",
                self.clickhouse_file
                    .as_ref()
                    .map_or("hallmark_canary_missing.csv", |(_, n)| n),
            )
    }

    /// Panics when `text` carries any planted secret.
    pub fn assert_absent(&self, what: &str, text: &str) {
        for secret in [&self.secret, &self.listed, &self.env_secret] {
            assert!(
                !text.contains(secret.as_str()),
                "{what} leaked a planted secret:\n{text}"
            );
        }
    }

    /// Panics when an attack left a file behind in the canary folder.
    pub fn assert_nothing_written(&self) {
        for name in ["out.csv", "stolen.duckdb"] {
            assert!(!self.dir.join(name).exists(), "an attack wrote {name}");
        }
    }
}

impl Drop for Canary {
    fn drop(&mut self) {
        if let Some((path, _)) = &self.clickhouse_file {
            let _ = std::fs::remove_file(path);
        }
    }
}
