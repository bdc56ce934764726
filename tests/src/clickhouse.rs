//! The ClickHouse server the tests share (`scripts/clickhouse-server.sh`): where it is,
//! a plain HTTP client for setting up and inspecting it, and the rule every
//! ClickHouse test follows — skipped with a reason when no server answers, except
//! under `CI=true`, where that fails.

use std::io::{Read, Write};

/// The password of the test server's `hallmark` user.
pub const PASSWORD: &str = "hallmark-dev";

/// The server's HTTP address (`HALLMARK_TEST_CLICKHOUSE_URL`, else the local one).
pub fn url() -> String {
    std::env::var("HALLMARK_TEST_CLICKHOUSE_URL").unwrap_or_else(|_| "http://127.0.0.1:8123".into())
}

/// The `hallmark` user's password (`HALLMARK_CLICKHOUSE_PASSWORD`, else the test one).
pub fn password() -> String {
    std::env::var("HALLMARK_CLICKHOUSE_PASSWORD").unwrap_or_else(|_| PASSWORD.into())
}

/// POSTs `sql` (a statement, and for an INSERT its data after it) as user `hallmark`
/// and returns the body, or `None` when nothing answers.
pub fn query(sql: &str) -> Option<String> {
    let host = url().trim_start_matches("http://").trim_end_matches('/').to_string();
    let mut s = std::net::TcpStream::connect(&host).ok()?;
    let request = format!(
        "POST / HTTP/1.0\r\nHost: {host}\r\nX-ClickHouse-User: hallmark\r\nX-ClickHouse-Key: {}\r\nContent-Length: {}\r\n\r\n{sql}",
        password(),
        sql.len()
    );
    s.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).ok()?;
    Some(answer.split_once("\r\n\r\n")?.1.to_string())
}

/// True when the server answers; else says why the test is skipped, or fails under
/// `CI=true`.
pub fn server_or_skip() -> bool {
    if query("SELECT 1").is_some_and(|b| b.trim() == "1") {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI=true but no ClickHouse server answers at {}; .ci/run starts one",
            url()
        );
    }
    eprintln!(
        "skipped: no ClickHouse server answers at {} (scripts/clickhouse-server.sh starts one)",
        url()
    );
    false
}
