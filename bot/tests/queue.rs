//! One suite for both queue stores, SQLite and PostgreSQL, from one table: every test
//! runs on each store, and the replica tests open two (or more) handles on one store,
//! each a replica with a name of its own, as two `hallmark serve` processes would.
//! PostgreSQL runs on the throwaway server `scripts/postgres-server.sh` starts; under
//! `CI=true` a missing server fails the suite.

use hallmark::queue::{Delivery, JobState, NewJob, PostgresQueue, Queue, QueueOptions, SqliteQueue};
use hallmark_tests::postgres::TestDatabase;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

/// A store several replicas can open.
enum Store {
    Sqlite(tempfile::TempDir),
    Postgres(TestDatabase),
}

impl Store {
    /// Every store there is to test: SQLite always, PostgreSQL when a server answers
    /// (always under CI).
    fn all(label: &str) -> Vec<Store> {
        let mut out = vec![Store::Sqlite(tempfile::tempdir().unwrap())];
        if let Some(db) = TestDatabase::create(label) {
            out.push(Store::Postgres(db));
        }
        out
    }

    fn name(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// A replica called `owner` whose leases last `lease`.
    fn replica(&self, owner: &str, lease: Duration) -> Box<dyn Queue> {
        let options = QueueOptions {
            owner: owner.into(),
            lease,
            max_attempts: 3,
        };
        match self {
            Store::Sqlite(dir) => Box::new(SqliteQueue::open(&dir.path().join("queue.sqlite"), options).unwrap()),
            Store::Postgres(db) => Box::new(PostgresQueue::connect(db.url(), options).unwrap()),
        }
    }
}

const MINUTE: Duration = Duration::from_secs(60);

fn job<'a>(key: &'a str, payload: &'a str) -> NewJob<'a> {
    NewJob {
        key,
        kind: "github",
        payload,
    }
}

fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn one_job_per_product_runs_at_a_time_within_the_bound() {
    for store in Store::all("bound") {
        let s = store.name();
        let q = store.replica("a", MINUTE);
        let a1 = q.enqueue(job("r:silver.orders", "1")).unwrap();
        let a2 = q.enqueue(job("r:silver.orders", "2")).unwrap();
        let b = q.enqueue(job("r:silver.customers", "3")).unwrap();
        let c = q.enqueue(job("r:gold.daily", "4")).unwrap();
        assert_eq!(q.claim(2).unwrap().unwrap().id, a1, "{s}");
        // a2 waits for a1 (same product); b is next.
        assert_eq!(q.claim(2).unwrap().unwrap().id, b, "{s}");
        assert_eq!(q.claim(2).unwrap(), None, "{s}: two are running, the bound holds");
        assert!(q.finish(b, None).unwrap(), "{s}");
        assert_eq!(q.claim(2).unwrap().unwrap().id, c, "{s}");
        assert!(q.finish(a1, Some("boom")).unwrap(), "{s}");
        assert_eq!(q.claim(3).unwrap().unwrap().id, a2, "{s}");
        assert_eq!(q.job(a1).unwrap().unwrap().error.as_deref(), Some("boom"), "{s}");
        assert_eq!(q.job(b).unwrap().unwrap().state, JobState::Done, "{s}");
        assert_eq!(q.job(999).unwrap(), None, "{s}");
    }
}

#[test]
fn the_same_request_delivered_twice_is_one_job_and_a_delivery_is_seen_once() {
    for store in Store::all("same") {
        let s = store.name();
        let q = store.replica("a", MINUTE);
        let Delivery::New { job: Some(id) } = q.accept_delivery("d-1", Some(job("k", "{}"))).unwrap() else {
            panic!("{s}: queued")
        };
        assert_eq!(
            q.accept_delivery("d-1", Some(job("k", "{}"))).unwrap(),
            Delivery::Repeated,
            "{s}"
        );
        assert_eq!(
            q.accept_delivery("d-2", Some(job("k", "{}"))).unwrap(),
            Delivery::SameRequest { job: id },
            "{s}: another delivery of the same request"
        );
        assert!(
            matches!(
                q.accept_delivery("d-3", Some(job("k", r#"{"other": 1}"#))).unwrap(),
                Delivery::New { job: Some(_) }
            ),
            "{s}: another request"
        );
        assert_eq!(
            q.accept_delivery("ping-1", None).unwrap(),
            Delivery::New { job: None },
            "{s}"
        );
        assert_eq!(q.accept_delivery("ping-1", None).unwrap(), Delivery::Repeated, "{s}");
    }
}

#[test]
fn a_cancelled_job_stays_cancelled_and_its_late_end_is_not_recorded() {
    for store in Store::all("cancel") {
        let s = store.name();
        let q = store.replica("a", MINUTE);
        let running = q.enqueue(job("k", "1")).unwrap();
        let queued = q.enqueue(job("k", "2")).unwrap();
        assert_eq!(q.claim(1).unwrap().unwrap().id, running, "{s}");
        assert_eq!(q.cancel("k").unwrap(), 2, "{s}");
        assert!(q.is_cancelled(running).unwrap(), "{s}");
        assert!(
            !q.finish(running, None).unwrap(),
            "{s}: the end of a cancelled job is not recorded"
        );
        assert_eq!(q.job(running).unwrap().unwrap().state, JobState::Cancelled, "{s}");
        assert_eq!(q.job(queued).unwrap().unwrap().state, JobState::Cancelled, "{s}");
        assert_eq!(q.claim(1).unwrap(), None, "{s}");
        assert_eq!(q.counts().unwrap(), vec![(JobState::Cancelled, 2)], "{s}");
    }
}

/// Two replicas, three workers each, 200 jobs over 20 products: every job runs exactly
/// once, never two of one product at the same time, and both replicas do work.
#[test]
fn two_replicas_run_200_jobs_each_exactly_once() {
    for store in Store::all("two") {
        let s = store.name();
        let replicas: Vec<Arc<dyn Queue>> = ["a", "b"].iter().map(|o| Arc::from(store.replica(o, MINUTE))).collect();
        let mut ids = Vec::new();
        for i in 0..200 {
            let key = format!("acme/shop:silver.p{}", i % 20);
            ids.push(replicas[i % 2].enqueue(job(&key, &i.to_string())).unwrap());
        }
        let ran: Arc<Mutex<Vec<(i64, usize)>>> = Arc::default();
        let running_keys: Arc<Mutex<HashSet<String>>> = Arc::default();
        let mut workers = Vec::new();
        for (r, queue) in replicas.iter().enumerate() {
            for _ in 0..3 {
                let (queue, ran, running_keys) = (queue.clone(), ran.clone(), running_keys.clone());
                workers.push(std::thread::spawn(move || {
                    let mut idle = 0;
                    while idle < 20 {
                        let Some(job) = queue.claim(3).unwrap() else {
                            idle += 1;
                            std::thread::sleep(Duration::from_millis(10));
                            continue;
                        };
                        idle = 0;
                        assert!(
                            running_keys.lock().unwrap().insert(job.key.clone()),
                            "two jobs of {} ran at once",
                            job.key
                        );
                        std::thread::sleep(Duration::from_millis(2));
                        running_keys.lock().unwrap().remove(&job.key);
                        ran.lock().unwrap().push((job.id, r));
                        assert!(queue.finish(job.id, None).unwrap());
                    }
                }));
            }
        }
        for w in workers {
            w.join().unwrap_or_else(|_| panic!("{s}: a worker failed"));
        }
        let ran = ran.lock().unwrap();
        let mut times: BTreeMap<i64, usize> = BTreeMap::new();
        for (id, _) in ran.iter() {
            *times.entry(*id).or_default() += 1;
        }
        assert_eq!(times.len(), 200, "{s}: every job ran");
        assert!(times.values().all(|n| *n == 1), "{s}: a job ran twice: {times:?}");
        assert_eq!(times.keys().copied().collect::<Vec<_>>(), ids, "{s}");
        for r in 0..2 {
            assert!(ran.iter().any(|(_, by)| *by == r), "{s}: replica {r} ran nothing");
        }
        assert_eq!(replicas[0].counts().unwrap(), vec![(JobState::Done, 200)], "{s}");
    }
}

/// A replica killed in the middle of a job: while its lease lasts nobody else takes the
/// job (nor another job of its product); once it has run out the other replica does,
/// and a late word from the dead one changes nothing.
#[test]
fn a_killed_replicas_job_is_taken_over_after_its_lease() {
    for store in Store::all("killed") {
        let s = store.name();
        let lease = Duration::from_millis(1500);
        let id = {
            let a = store.replica("a", lease);
            let id = a.enqueue(job("k", "1")).unwrap();
            a.enqueue(job("k", "2")).unwrap();
            assert_eq!(a.claim(1).unwrap().unwrap().id, id, "{s}");
            id
            // Replica a dies here: no heartbeat, no end.
        };
        let b = store.replica("b", lease);
        assert_eq!(b.claim(1).unwrap(), None, "{s}: the lease still holds the product");
        let started = Instant::now();
        let mut taken = None;
        wait_until("the takeover", Duration::from_secs(10), || {
            taken = b.claim(1).unwrap();
            taken.is_some()
        });
        let taken = taken.unwrap();
        assert!(
            started.elapsed() >= Duration::from_millis(900),
            "{s}: taken over before the lease ran out"
        );
        assert_eq!((taken.id, taken.attempts), (id, 2), "{s}: the same job, started again");
        let zombie = store.replica("a", lease);
        assert!(
            !zombie.finish(id, Some("late")).unwrap(),
            "{s}: the dead replica's late end"
        );
        assert!(b.finish(id, None).unwrap(), "{s}");
        assert_eq!(b.job(id).unwrap().unwrap().state, JobState::Done, "{s}");
    }
}

#[test]
fn heartbeats_keep_a_job_and_a_released_job_is_taken_at_once() {
    for store in Store::all("beat") {
        let s = store.name();
        let lease = Duration::from_millis(800);
        let a = store.replica("a", lease);
        let b = store.replica("b", lease);
        let id = a.enqueue(job("k", "1")).unwrap();
        assert_eq!(a.claim(1).unwrap().unwrap().id, id, "{s}");
        let until = Instant::now() + Duration::from_millis(2500);
        while Instant::now() < until {
            assert_eq!(a.heartbeat(&[id]).unwrap(), 1, "{s}");
            assert_eq!(b.claim(1).unwrap(), None, "{s}: a live replica's job was taken");
            std::thread::sleep(Duration::from_millis(200));
        }
        assert_eq!(a.release_mine().unwrap(), 1, "{s}");
        assert_eq!(
            b.claim(1).unwrap().map(|j| j.id),
            Some(id),
            "{s}: released, so taken at once"
        );
    }
}

/// A replica that lives on renews only the jobs its workers still carry out: a job
/// whose worker died (a panic past the boundary, a thread that is gone) loses its
/// lease and is taken over, instead of staying `running` forever.
#[test]
fn a_heartbeat_renews_only_live_jobs() {
    for store in Store::all("live") {
        let s = store.name();
        let lease = Duration::from_millis(600);
        let a = store.replica("a", lease);
        let b = store.replica("b", lease);
        let dead = a.enqueue(job("k1", "1")).unwrap();
        let live = a.enqueue(job("k2", "2")).unwrap();
        assert_eq!(a.claim(2).unwrap().unwrap().id, dead, "{s}");
        assert_eq!(a.claim(2).unwrap().unwrap().id, live, "{s}");
        let until = Instant::now() + Duration::from_millis(1500);
        let mut taken = None;
        while Instant::now() < until && taken.is_none() {
            assert_eq!(a.heartbeat(&[live]).unwrap(), 1, "{s}");
            taken = b.claim(2).unwrap().map(|j| j.id);
            std::thread::sleep(Duration::from_millis(100));
        }
        assert_eq!(taken, Some(dead), "{s}: the dead job's lease ran out");
        assert_eq!(b.claim(2).unwrap(), None, "{s}: the live job stays a's");
    }
}

#[test]
fn a_job_that_kills_every_replica_fails_after_its_attempts() {
    for store in Store::all("poison") {
        let s = store.name();
        let lease = Duration::from_millis(300);
        let id = store.replica("a", lease).enqueue(job("k", "poison")).unwrap();
        for attempt in 1..=3 {
            let replica = store.replica(&format!("r{attempt}"), lease);
            let mut claimed = None;
            wait_until("the next attempt", Duration::from_secs(10), || {
                claimed = replica.claim(1).unwrap();
                claimed.is_some()
            });
            assert_eq!(claimed.unwrap().attempts, attempt, "{s}");
            // This replica dies too.
        }
        let last = store.replica("last", lease);
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(last.claim(1).unwrap(), None, "{s}");
        let j = last.job(id).unwrap().unwrap();
        assert_eq!(j.state, JobState::Failed, "{s}");
        assert!(j.error.unwrap_or_default().contains("gave up after 3 attempts"), "{s}");
    }
}

/// The same 50 deliveries sent to both replicas at once (a forge retrying against a
/// load balancer): 50 jobs, each delivery accepted by one replica and repeated to the
/// other.
#[test]
fn the_same_delivery_sent_to_both_replicas_is_one_job() {
    for store in Store::all("dedup") {
        let s = store.name();
        let replicas: Vec<Arc<dyn Queue>> = ["a", "b"].iter().map(|o| Arc::from(store.replica(o, MINUTE))).collect();
        let barrier = Arc::new(Barrier::new(2));
        let outcomes: Vec<Vec<Delivery>> = replicas
            .iter()
            .map(|q| {
                let (q, barrier) = (q.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    (0..50)
                        .map(|i| {
                            let key = format!("acme/shop:silver.p{i}");
                            let delivery = format!("delivery-{i}");
                            q.accept_delivery(&delivery, Some(job(&key, "{}"))).unwrap()
                        })
                        .collect()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect();
        for (i, pair) in outcomes[0].iter().zip(&outcomes[1]).enumerate() {
            let pair = [*pair.0, *pair.1];
            let new = pair
                .iter()
                .filter(|d| matches!(d, Delivery::New { job: Some(_) }))
                .count();
            let repeated = pair.iter().filter(|d| **d == Delivery::Repeated).count();
            assert_eq!((new, repeated), (1, 1), "{s}: delivery-{i} → {pair:?}");
        }
        assert_eq!(replicas[1].counts().unwrap(), vec![(JobState::Queued, 50)], "{s}");
    }
}

/// Two deliveries of one request (different ids) reaching two replicas at once are
/// still one job: each replica looks for the other's under the product's lock.
#[test]
fn one_request_delivered_to_two_replicas_under_two_ids_is_one_job() {
    for store in Store::all("samereq") {
        let s = store.name();
        let replicas: Vec<Arc<dyn Queue>> = ["a", "b"].iter().map(|o| Arc::from(store.replica(o, MINUTE))).collect();
        for round in 0..20 {
            let barrier = Arc::new(Barrier::new(2));
            let handles: Vec<_> = replicas
                .iter()
                .enumerate()
                .map(|(r, q)| {
                    let (q, barrier) = (q.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        let key = format!("acme/shop:silver.p{round}");
                        barrier.wait();
                        q.accept_delivery(&format!("{round}-{r}"), Some(job(&key, "{}")))
                            .unwrap()
                    })
                })
                .collect();
            let pair: Vec<Delivery> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            let new = pair
                .iter()
                .filter(|d| matches!(d, Delivery::New { job: Some(_) }))
                .count();
            assert_eq!(new, 1, "{s}: round {round} → {pair:?}");
        }
    }
}

#[test]
fn a_postgres_queue_says_what_is_wrong_without_repeating_the_password() {
    let options = QueueOptions::default();
    let Err(e) = PostgresQueue::connect("postgres://hallmark:s3cret-pw@127.0.0.1:1/db", options.clone()) else {
        panic!("connected to nothing")
    };
    let text = e.to_string();
    assert!(!text.contains("s3cret-pw"), "{text}");
    assert!(text.contains("PostgreSQL") && text.contains("migrating"), "{text}");
    let Err(e) = PostgresQueue::connect("postgres://host:notaport/db", options) else {
        panic!("a bad URL was accepted")
    };
    assert!(e.to_string().contains("does not parse"), "{e}");
}

#[test]
fn postgres_migrations_are_recorded_once_when_replicas_start_together() {
    let Some(db) = TestDatabase::create("migrate") else {
        return;
    };
    let url = db.url().to_string();
    let starts: Vec<_> = (0..4)
        .map(|i| {
            let url = url.clone();
            std::thread::spawn(move || {
                let options = QueueOptions {
                    owner: format!("r{i}"),
                    ..QueueOptions::default()
                };
                PostgresQueue::connect(&url, options).map(|_| ())
            })
        })
        .collect();
    for s in starts {
        s.join().unwrap().unwrap();
    }
    assert_eq!(
        db.query("SELECT version FROM hallmark_migrations ORDER BY version"),
        vec!["1"]
    );
    db.query("INSERT INTO hallmark_migrations (version, name) VALUES (99, '099_future.sql')");
    let Err(e) = PostgresQueue::connect(&url, QueueOptions::default()) else {
        panic!("a newer schema was opened")
    };
    assert!(e.to_string().contains("newer than this Hallmark"), "{e}");
}
