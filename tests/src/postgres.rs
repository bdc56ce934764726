//! A database of its own for each PostgreSQL test, on the throwaway server that
//! `scripts/postgres-server.sh` starts (or the one `HALLMARK_TEST_POSTGRES_URL` names).
//! Without a server the tests skip, except under `CI=true`, where they fail: CI starts
//! one, so a missing server there is a broken run, not a pass.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The server the script starts, as its superuser.
pub const DEFAULT_ADMIN_URL: &str = "postgres://hallmark:hallmark-dev@127.0.0.1:54329/postgres";

/// The administrative URL tests create their databases through.
pub fn admin_url() -> String {
    std::env::var("HALLMARK_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| DEFAULT_ADMIN_URL.into())
}

/// A fresh, empty database, dropped (with its connections) when this goes.
pub struct TestDatabase {
    name: String,
    url: String,
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(f)
}

async fn admin(sql: &str) -> Result<(), tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(&admin_url(), tokio_postgres::NoTls).await?;
    let driver = tokio::spawn(connection);
    let outcome = client.batch_execute(sql).await;
    drop(client);
    let _ = driver.await;
    outcome
}

/// `url` with its database replaced by `name` (query string kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let server = match base.rfind('/') {
        Some(i) if base[..i].ends_with('/') => base, // `postgres://host` with no database
        Some(i) => &base[..i],
        None => base,
    };
    format!("{}/{name}{query}", server.trim_end_matches('/'))
}

impl TestDatabase {
    /// Creates one, or says why not: `None` (skip) without a server, a panic under
    /// `CI=true`.
    pub fn create(label: &str) -> Option<TestDatabase> {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "hallmark_test_{label}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        match block_on(admin(&format!("CREATE DATABASE {name}"))) {
            Ok(()) => Some(TestDatabase {
                url: with_database(&admin_url(), &name),
                name,
            }),
            Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("CI=true but PostgreSQL is not usable ({e}); .ci/run starts it with scripts/postgres-server.sh")
            }
            Err(e) => {
                eprintln!("skipped: PostgreSQL is not usable ({e}); start it with scripts/postgres-server.sh");
                None
            }
        }
    }

    /// The database's URL, password included (a test's throwaway password).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Runs `sql` in this database and returns the first column of every row, as
    /// text: how a test looks at what the queue wrote.
    pub fn query(&self, sql: &str) -> Vec<String> {
        block_on(async {
            let (client, connection) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
                .await
                .expect("connecting to the test database");
            let driver = tokio::spawn(connection);
            let rows = client.simple_query(sql).await.expect("the query runs");
            drop(client);
            let _ = driver.await;
            rows.into_iter()
                .filter_map(|m| match m {
                    tokio_postgres::SimpleQueryMessage::Row(r) => Some(r.get(0).unwrap_or("NULL").to_string()),
                    _ => None,
                })
                .collect()
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = block_on(admin(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)));
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_is_swapped_and_the_query_kept() {
        assert_eq!(
            with_database("postgres://u:p@h:5/postgres?sslmode=disable", "t1"),
            "postgres://u:p@h:5/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "t1"), "postgres://u@h/t1");
    }
}
