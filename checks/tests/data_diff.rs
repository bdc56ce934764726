//! The data diff against generated base/head pairs whose diff is known: keys added,
//! removed and changed, values set to NULL, a column retyped, NULL keys and keys
//! repeated on one side (reported as not compared, never counted as changed), on
//! both engines; the counts must equal the generator's.

mod support;

use hallmark_checks::datadiff::{compare, markdown, DataDiff, DiffRequest};
use hallmark_checks::warehouse::{BuildForm, SourceLocation, Warehouse};
use std::collections::BTreeMap;
use support::Backend;

/// One generated row: id (None: blank), amount, status, email.
type Row = (Option<u64>, Option<u64>, String, String);

/// A generated pair and its truth.
struct Pair {
    base: Vec<Row>,
    head: Vec<Row>,
}

struct Truth {
    only_base: u64,
    only_head: u64,
    changed: u64,
    unchanged: u64,
    amount_changed: u64,
    status_changed: u64,
    null_keys: (u64, u64),
    repeated_keys: (u64, u64),
    not_compared: (u64, u64),
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const STATUSES: [&str; 3] = ["shipped", "pending", "delivered"];

fn generate(seed: u64, rows: u64) -> Pair {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut base = Vec::new();
    for i in 0..rows {
        let amount = (rng.below(20) > 0).then(|| rng.below(10_000));
        let status = STATUSES[rng.below(3) as usize].to_string();
        let email = format!("user{i}@example.com");
        base.push((Some(i), amount, status, email));
    }
    // Blank keys and keys repeated in base.
    for _ in 0..rng.below(5) + 1 {
        base.push((None, Some(1), "shipped".into(), "nobody@example.com".into()));
    }
    for _ in 0..rng.below(4) + 1 {
        let dup = base[rng.below(rows) as usize].clone();
        base.push(dup);
    }
    let mut head = Vec::new();
    for r in &base {
        let roll = rng.below(100);
        let mut r = r.clone();
        match roll {
            0..=4 => continue, // removed
            5..=9 => r.1 = r.1.map(|a| a + 1 + rng.below(50)),
            10..=12 => r.2 = STATUSES[(STATUSES.iter().position(|s| *s == r.2).unwrap() + 1) % 3].to_string(),
            13 => r.1 = None,
            14 => {
                r.1 = r.1.map(|a| a + 7);
                r.2 = "returned".into();
            }
            _ => {}
        }
        head.push(r);
    }
    // Keys added, and one key repeated in head only.
    for i in rows..rows + rng.below(40) + 5 {
        head.push((
            Some(i),
            Some(rng.below(10_000)),
            "pending".into(),
            format!("user{i}@example.com"),
        ));
    }
    let again = head[rng.below(head.len() as u64 / 2) as usize].clone();
    head.push(again);
    Pair { base, head }
}

fn truth(p: &Pair) -> Truth {
    let by_key = |rows: &[Row]| {
        let mut m: BTreeMap<u64, Vec<Row>> = BTreeMap::new();
        for r in rows {
            if let Some(k) = r.0 {
                m.entry(k).or_default().push(r.clone());
            }
        }
        m
    };
    let (b, h) = (by_key(&p.base), by_key(&p.head));
    let mut t = Truth {
        only_base: 0,
        only_head: 0,
        changed: 0,
        unchanged: 0,
        amount_changed: 0,
        status_changed: 0,
        null_keys: (
            p.base.iter().filter(|r| r.0.is_none()).count() as u64,
            p.head.iter().filter(|r| r.0.is_none()).count() as u64,
        ),
        repeated_keys: (
            b.values().filter(|v| v.len() > 1).count() as u64,
            h.values().filter(|v| v.len() > 1).count() as u64,
        ),
        not_compared: (0, 0),
    };
    t.not_compared = t.null_keys;
    let keys: std::collections::BTreeSet<u64> = b.keys().chain(h.keys()).copied().collect();
    for k in keys {
        let (nb, nh) = (b.get(&k).map_or(0, Vec::len), h.get(&k).map_or(0, Vec::len));
        match (nb, nh) {
            (1, 0) => t.only_base += 1,
            (0, 1) => t.only_head += 1,
            (1, 1) => {
                let (x, y) = (&b[&k][0], &h[&k][0]);
                let amount = x.1 != y.1;
                let status = x.2 != y.2;
                t.amount_changed += u64::from(amount);
                t.status_changed += u64::from(status);
                if amount || status || x.3 != y.3 {
                    t.changed += 1;
                } else {
                    t.unchanged += 1;
                }
            }
            _ => {
                t.not_compared.0 += nb as u64;
                t.not_compared.1 += nh as u64;
            }
        }
    }
    t
}

/// The one row of `rows` with the sample's key, as the generator made it.
fn truth_row<'r>(rows: &'r [Row], s: &hallmark_checks::datadiff::ChangedRow) -> &'r Row {
    let id: u64 = s.key[0].as_deref().unwrap().parse().unwrap();
    rows.iter().find(|r| r.0 == Some(id)).unwrap()
}

fn csv(rows: &[Row]) -> String {
    let mut out = String::from("id,amount,status,email\n");
    for r in rows {
        let opt = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
        out.push_str(&format!("{},{},{},{}\n", opt(r.0), opt(r.1), r.2, r.3));
    }
    out
}

/// `silver.<name>` typed from its CSV: id and amount as integers (amount as text when
/// `amount_text`), NULL for blanks.
fn load(b: Backend, wh: &dyn Warehouse, dir: &std::path::Path, name: &str, rows: &[Row], amount_text: bool) {
    let path = dir.join(format!("{name}.csv"));
    std::fs::write(&path, csv(rows)).unwrap();
    let source = format!("bronze.{name}");
    wh.bind_source(
        &source,
        &SourceLocation::File {
            path,
            root: dir.to_path_buf(),
        },
    )
    .unwrap();
    let sql = match b {
        Backend::DuckDb => format!(
            "SELECT TRY_CAST(nullif(id, '') AS BIGINT) AS id, {} AS amount, status, email FROM {source}",
            if amount_text {
                "nullif(amount, '')"
            } else {
                "TRY_CAST(nullif(amount, '') AS BIGINT)"
            }
        ),
        Backend::ClickHouse => format!(
            "SELECT toInt64OrNull(toString(id)) AS id, {} AS amount, status, email FROM {source}",
            if amount_text {
                "nullIf(toString(amount), '')"
            } else {
                "toInt64OrNull(toString(amount))"
            }
        ),
    };
    wh.materialize(&format!("silver.{name}"), &sql, BuildForm::Table)
        .unwrap();
}

fn diffed(b: Backend, pair: &Pair, retyped: bool, key: &[&str], min_parts: u64) -> DataDiff {
    let dir = tempfile::tempdir().unwrap();
    let wh = b.open();
    load(b, wh.as_ref(), dir.path(), "base", &pair.base, false);
    load(b, wh.as_ref(), dir.path(), "head", &pair.head, retyped);
    compare(
        wh.as_ref(),
        &DiffRequest {
            base: "silver.base".into(),
            head: "silver.head".into(),
            key: key.iter().map(|k| k.to_string()).collect(),
            masked: vec!["email".into()],
            samples: 5,
            min_parts,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn counts_equal_the_generators(b: Backend) {
    for seed in [1, 2, 3] {
        let pair = generate(seed, 2_000);
        let t = truth(&pair);
        for retyped in [false, true] {
            let diff = diffed(b, &pair, retyped, &["id"], 1);
            let k = diff.keyed.as_ref().expect("compared by key");
            let at = format!("seed {seed}, amount retyped: {retyped}");
            assert_eq!(
                (k.only_in_base, k.only_in_head, k.changed, k.unchanged),
                (t.only_base, t.only_head, t.changed, t.unchanged),
                "{at}"
            );
            let changed = |name: &str| diff.columns.iter().find(|c| c.name == name).unwrap().values_changed;
            assert_eq!(changed("amount"), Some(t.amount_changed), "{at}");
            assert_eq!(changed("status"), Some(t.status_changed), "{at}");
            assert_eq!(changed("email"), Some(0), "{at}");
            assert_eq!(changed("id"), None, "the key is not a compared column: {at}");
            assert_eq!(
                (k.null_keys.base, k.null_keys.head),
                (Some(t.null_keys.0), Some(t.null_keys.1))
            );
            assert_eq!(
                (k.repeated_keys.base, k.repeated_keys.head),
                (Some(t.repeated_keys.0), Some(t.repeated_keys.1)),
                "{at}"
            );
            assert_eq!(
                (k.not_compared.base, k.not_compared.head),
                (Some(t.not_compared.0), Some(t.not_compared.1)),
                "{at}"
            );
            // Every row is accounted for once.
            let rows = (pair.base.len() as u64, pair.head.len() as u64);
            assert_eq!(diff.rows.base, Some(rows.0));
            assert_eq!(
                k.only_in_base + k.changed + k.unchanged + t.not_compared.0,
                rows.0,
                "{at}"
            );
            assert_eq!(
                k.only_in_head + k.changed + k.unchanged + t.not_compared.1,
                rows.1,
                "{at}"
            );
            // The schema says what changed.
            assert_eq!(diff.schema.retyped.len(), usize::from(retyped), "{at}");
            assert!(diff.schema.added.is_empty() && diff.schema.removed.is_empty());
            // Samples: at most five of each kind, in key order, each really of its kind.
            assert_eq!(k.changed_samples.len() as u64, t.changed.min(5), "{at}");
            assert_eq!(k.only_in_head_samples.len() as u64, t.only_head.min(5), "{at}");
            for s in &k.changed_samples {
                assert!(!s.changes.is_empty());
                for (column, before, after) in &s.changes {
                    if column == "email" {
                        assert_eq!((before, after), (&None, &None), "masked");
                    } else {
                        assert_ne!(before, after, "{at}: {s:?}");
                    }
                }
            }
            let keys: Vec<u64> = k
                .changed_samples
                .iter()
                .map(|s| s.key[0].as_deref().unwrap().parse().unwrap())
                .collect();
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
            let md = markdown::render("silver.orders", &diff);
            assert!(!md.contains("@example.com"), "masked values never shown:\n{md}");
            // Made in parts (as when the engine runs short of memory for the whole
            // grouping), the counts are the same, and the samples as many, in key order.
            if seed == 1 {
                let parted = diffed(b, &pair, retyped, &["id"], 8);
                let p = parted.keyed.as_ref().unwrap();
                assert_eq!(
                    (p.only_in_base, p.only_in_head, p.changed, p.unchanged, &p.not_compared),
                    (k.only_in_base, k.only_in_head, k.changed, k.unchanged, &k.not_compared),
                    "{at}"
                );
                assert_eq!(parted.columns, diff.columns, "{at}");
                assert_eq!(p.changed_samples.len(), k.changed_samples.len(), "{at}");
                assert_eq!(p.only_in_base_samples.len(), k.only_in_base_samples.len(), "{at}");
                let keys: Vec<u64> = p
                    .changed_samples
                    .iter()
                    .map(|s| s.key[0].as_deref().unwrap().parse().unwrap())
                    .collect();
                assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
                for s in &p.changed_samples {
                    let (x, y) = (truth_row(&pair.base, s), truth_row(&pair.head, s));
                    assert!(x != y, "{at}: a sampled change is a change: {s:?}");
                }
            }
            assert!(
                md.contains(&format!("{} changed", t.changed)) || t.changed >= 1000,
                "{md}"
            );
        }
    }
}

fn profiles_on_each_side(b: Backend) {
    let pair = generate(7, 1_000);
    let diff = diffed(b, &pair, false, &["id"], 1);
    let column = |name: &str| diff.columns.iter().find(|c| c.name == name).unwrap().clone();
    let nulls = |rows: &[Row]| rows.iter().filter(|r| r.1.is_none()).count() as u64;
    let amount = column("amount");
    assert_eq!(amount.nulls.base, Some(nulls(&pair.base)));
    assert_eq!(amount.nulls.head, Some(nulls(&pair.head)));
    let max = |rows: &[Row]| rows.iter().filter_map(|r| r.1).max().map(|m| m as f64);
    assert_eq!(amount.numbers.base.unwrap().max, max(&pair.base));
    assert_eq!(amount.numbers.head.unwrap().max, max(&pair.head));
    let mean = |rows: &[Row]| {
        let v: Vec<f64> = rows.iter().filter_map(|r| r.1).map(|a| a as f64).collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!((amount.numbers.head.unwrap().mean.unwrap() - mean(&pair.head)).abs() < 1e-6);
    // A code column's frequent values, counted on each side.
    let status = column("status");
    let top = |rows: &[Row]| {
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for r in rows {
            *counts.entry(r.2.clone()).or_default() += 1;
        }
        let mut v: Vec<(String, u64)> = counts.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(5);
        v
    };
    assert_eq!(status.top.base, Some(top(&pair.base)));
    assert_eq!(status.top.head, Some(top(&pair.head)));
    assert_eq!(status.distinct.head, Some(4), "returned is new in head");
    // A masked column shows neither values nor frequent values.
    let email = column("email");
    assert!(email.masked && email.top.base.is_none() && email.numbers.base.is_none());
}

fn without_a_key_counts_and_profiles_only(b: Backend) {
    let pair = generate(11, 500);
    let diff = diffed(b, &pair, false, &[], 1);
    assert!(diff.keyed.is_none());
    assert!(diff.unkeyed.as_deref().unwrap().contains("no primary key"));
    assert_eq!(diff.rows.head, Some(pair.head.len() as u64));
    let md = markdown::render("silver.orders", &diff);
    assert!(md.contains("not compared by key"), "{md}");
    // A key column missing on a side is named.
    let diff = diffed(b, &pair, false, &["order_id"], 1);
    assert!(diff.keyed.is_none());
    assert!(
        diff.unkeyed.as_deref().unwrap().contains("`order_id`"),
        "{:?}",
        diff.unkeyed
    );
}

/// A gold aggregate of each side (orders and revenue by status), diffed by its grain:
/// the statuses whose figures moved are the changed keys, with before and after.
fn a_gold_aggregate_is_diffed_by_its_grain(b: Backend) {
    let pair = generate(5, 3_000);
    let dir = tempfile::tempdir().unwrap();
    let wh = b.open();
    load(b, wh.as_ref(), dir.path(), "base", &pair.base, false);
    load(b, wh.as_ref(), dir.path(), "head", &pair.head, false);
    for side in ["base", "head"] {
        let sql = format!(
            "SELECT status, count(*) AS orders, sum(amount) AS revenue FROM silver.{side} WHERE id IS NOT NULL GROUP BY status"
        );
        wh.materialize(&format!("gold.{side}"), &sql, BuildForm::Table).unwrap();
    }
    let diff = compare(
        wh.as_ref(),
        &DiffRequest {
            base: "gold.base".into(),
            head: "gold.head".into(),
            key: vec!["status".into()],
            masked: Vec::new(),
            samples: 5,
            min_parts: 1,
        },
    )
    .unwrap();
    let figures = |rows: &[Row]| {
        let mut m: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for r in rows.iter().filter(|r| r.0.is_some()) {
            let e = m.entry(r.2.clone()).or_default();
            e.0 += 1;
            e.1 += r.1.unwrap_or(0);
        }
        m
    };
    let (before, after) = (figures(&pair.base), figures(&pair.head));
    let moved: Vec<&String> = before
        .iter()
        .filter(|(k, v)| after.get(*k).is_some_and(|w| w != *v))
        .map(|(k, _)| k)
        .collect();
    let k = diff.keyed.expect("keyed by status");
    assert_eq!(
        k.only_in_head,
        after.keys().filter(|s| !before.contains_key(*s)).count() as u64
    );
    assert_eq!(k.only_in_base, 0);
    assert_eq!(k.changed, moved.len() as u64);
    let sampled: Vec<&str> = k.changed_samples.iter().map(|s| s.key[0].as_deref().unwrap()).collect();
    assert_eq!(sampled, moved.iter().map(|s| s.as_str()).collect::<Vec<_>>());
    for s in &k.changed_samples {
        let status = s.key[0].as_deref().unwrap();
        let orders = s.changes.iter().find(|c| c.0 == "orders");
        if before[status].0 != after[status].0 {
            let (_, b4, now) = orders.expect("the order count moved");
            assert_eq!(b4.as_deref(), Some(before[status].0.to_string().as_str()));
            assert_eq!(now.as_deref(), Some(after[status].0.to_string().as_str()));
        } else {
            assert!(orders.is_none(), "{s:?}");
        }
    }
}

on_every_backend!(
    a_gold_aggregate_is_diffed_by_its_grain,
    counts_equal_the_generators,
    profiles_on_each_side,
    without_a_key_counts_and_profiles_only
);
