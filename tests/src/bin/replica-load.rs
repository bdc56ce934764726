//! Two `hallmark serve` replicas on one PostgreSQL queue under webhook load, each
//! delivery sent to both (a forge retrying through a load balancer), the jobs run
//! against the fake GitHub. Prints how the deliveries were answered, how the jobs
//! ended, which replica ran how many, and whether any job ran twice: the queue's
//! attempts, and the replies the fake received (one per job).
//!
//! `replica-load HALLMARK_BIN [COUNT] [CONCURRENCY]` — PostgreSQL from
//! `scripts/postgres-server.sh` (or `HALLMARK_TEST_POSTGRES_URL`).

use hallmark_tests::fake_github::{test_app_private_key_file, FakeGitHub, TEST_APP_ID};
use hallmark_tests::http::request;
use hallmark_tests::load::{comment_delivery, post_github};
use hallmark_tests::postgres::TestDatabase;
use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "replica-load-secret";

struct Replica(Child);

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

fn start(bin: &str, addr: SocketAddr, fake: &FakeGitHub, db: &TestDatabase, data: &std::path::Path) -> Replica {
    let child = Command::new(bin)
        .args([
            "serve",
            "--listen",
            &addr.to_string(),
            "--app-id",
            &TEST_APP_ID.to_string(),
        ])
        .args(["--api-url", &fake.url(), "--git-url", "/nonexistent/{repo}.git"])
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "--workers",
            "2",
            "--lease-secs",
            "15",
        ])
        .env("HALLMARK_GITHUB_WEBHOOK_SECRET", SECRET)
        .env("HALLMARK_GITHUB_PRIVATE_KEY_FILE", test_app_private_key_file())
        .env("HALLMARK_QUEUE_URL", db.url())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("starting hallmark serve");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !request(addr, "GET", "/healthz", &[], b"").is_ok_and(|r| r.status == 200) {
        assert!(Instant::now() < deadline, "replica on {addr} did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
    Replica(child)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 2 {
        eprintln!("usage: replica-load HALLMARK_BIN [COUNT] [CONCURRENCY]");
        std::process::exit(2);
    }
    let bin = args[1].clone();
    let count: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let threads: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(4).max(1);
    let db = TestDatabase::create("replica_load").expect("PostgreSQL: start it with scripts/postgres-server.sh");
    let fake = FakeGitHub::for_test_app();
    let dir = tempfile::tempdir().unwrap();
    let addrs = [free_port(), free_port()];
    let replicas: Vec<Replica> = addrs
        .iter()
        .enumerate()
        .map(|(i, a)| start(&bin, *a, &fake, &db, &dir.path().join(format!("data-{i}"))))
        .collect();

    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            std::thread::spawn(move || {
                let mut answers: BTreeMap<(usize, u16), usize> = BTreeMap::new();
                for i in (t..count).step_by(threads) {
                    let (delivery, body) = comment_delivery(i);
                    // Alternate which replica hears it first.
                    for k in 0..2 {
                        let r = (i + k) % 2;
                        let answer = post_github(addrs[r], SECRET.as_bytes(), "issue_comment", &delivery, &body)
                            .expect("the replica answers");
                        *answers.entry((r, answer.status)).or_default() += 1;
                    }
                }
                answers
            })
        })
        .collect();
    let mut answers: BTreeMap<(usize, u16), usize> = BTreeMap::new();
    for h in handles {
        for (k, n) in h.join().expect("a load thread") {
            *answers.entry(k).or_default() += n;
        }
    }
    let sent = started.elapsed();
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let open = db.query("SELECT count(*) FROM hallmark_jobs WHERE state IN ('queued', 'running')");
        if open == ["0"] {
            break;
        }
        assert!(Instant::now() < deadline, "jobs still open after 10 minutes: {open:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let drained = started.elapsed();
    let pids: Vec<u32> = replicas.iter().map(|r| r.0.id()).collect();
    drop(replicas);

    println!("{count} deliveries, each sent to both replicas ({threads} connections at a time):");
    for ((r, status), n) in &answers {
        println!("  replica {r} (pid {}) answered HTTP {status}: {n}", pids[*r]);
    }
    for row in db.query("SELECT state || ': ' || count(*) FROM hallmark_jobs GROUP BY state ORDER BY state") {
        println!("  jobs {row}");
    }
    for row in
        db.query("SELECT coalesce(owner, '-') || ': ' || count(*) FROM hallmark_jobs GROUP BY owner ORDER BY owner")
    {
        println!("  ran on {row}");
    }
    let twice = db
        .query("SELECT count(*) FROM hallmark_jobs WHERE attempts <> 1")
        .remove(0);
    let jobs = db.query("SELECT count(*) FROM hallmark_jobs").remove(0);
    let replies = fake.with_state(|s| {
        s.repo("acme/load")
            .comments
            .iter()
            .filter(|c| c.user_type == "Bot")
            .count()
    });
    println!("  jobs: {jobs}; started more than once: {twice}; replies the fake received: {replies}");
    println!(
        "  all deliveries answered in {:.2} s; every job ended {:.2} s after the first delivery ({:.0} jobs/s)",
        sent.as_secs_f64(),
        drained.as_secs_f64(),
        count as f64 / drained.as_secs_f64()
    );
    let ok = jobs == count.to_string() && twice == "0" && replies == count;
    println!("  {}", if ok { "no job ran twice" } else { "MISMATCH" });
    if !ok {
        std::process::exit(1);
    }
}
