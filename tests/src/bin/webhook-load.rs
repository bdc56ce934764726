//! Load for the webhook endpoint, from a process of its own: N signed `issue_comment`
//! deliveries over loopback, each on a new connection as GitHub sends them, from C
//! threads. Prints the latency distribution and the throughput.
//!
//! `webhook-load ADDR SECRET [COUNT] [CONCURRENCY]`

use hallmark_tests::load::{comment_delivery, post_github};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: webhook-load ADDR SECRET [COUNT] [CONCURRENCY]");
        std::process::exit(2);
    }
    let addr: SocketAddr = args[1].parse().expect("ADDR like 127.0.0.1:3000");
    let secret = args[2].clone();
    let count: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let threads: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(4).max(1);
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let secret = secret.clone();
            std::thread::spawn(move || {
                let mut lat = Vec::new();
                for i in (t..count).step_by(threads) {
                    let (delivery, body) = comment_delivery(i);
                    let t0 = Instant::now();
                    let r = post_github(addr, secret.as_bytes(), "issue_comment", &delivery, &body)
                        .expect("the server answers");
                    lat.push(t0.elapsed());
                    assert!((200..300).contains(&r.status), "HTTP {}: {}", r.status, r.body);
                }
                lat
            })
        })
        .collect();
    let mut all: Vec<Duration> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("a load thread"))
        .collect();
    let wall = started.elapsed();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p).ceil() as usize).clamp(1, all.len()) - 1];
    println!(
        "{} deliveries, {threads} connections at a time: median {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {:.0} deliveries/s",
        all.len(),
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.9).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        all.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        all.len() as f64 / wall.as_secs_f64()
    );
}
