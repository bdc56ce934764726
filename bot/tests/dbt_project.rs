//! Hallmark in an existing dbt project, with the real dbt (dbt-core and dbt-duckdb,
//! pinned, installed by `scripts/dbt.sh`): `dbt build` builds the fixture project
//! (`tests/fixtures/dbt/shop`: bronze sources, a staging view, a silver and a gold
//! table) over the retail example's bronze files, and `hallmark check --dbt` checks its
//! models where dbt built them, against the example's standards, with no products/
//! folder. Every figure is held to DuckDB's own count over the tables dbt wrote.

use hallmark_tests::local_repo::{copy, example};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `dbt`, or `None` (said) when it cannot be installed outside CI.
fn dbt() -> Option<PathBuf> {
    hallmark_tests::tools::installed("dbt.sh", "dbt")
}

/// The fixture project beside the example's bronze files and standards, built by dbt.
fn built_project(dbt: &Path, dir: &Path) -> PathBuf {
    let project = dir.join("shop");
    copy(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/dbt/shop"),
        &project,
    );
    copy(&example().join("bronze"), &project.join("bronze"));
    std::fs::copy(example().join("data_standards.md"), project.join("data_standards.md")).unwrap();
    run_dbt(dbt, &project, &["build"]);
    assert!(!project.join("products").exists());
    project
}

fn hallmark(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hallmark"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// One number from DuckDB over the database file dbt wrote.
fn count(project: &Path, sql: &str) -> u64 {
    let db = duckdb::Connection::open_with_flags(
        project.join("warehouse.duckdb"),
        duckdb::Config::default()
            .access_mode(duckdb::AccessMode::ReadOnly)
            .unwrap(),
    )
    .unwrap();
    db.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as u64
}

fn result<'a>(report: &'a Value, product: &str, standard: &str, check: &str) -> &'a Value {
    report["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["product"] == product)
        .unwrap_or_else(|| panic!("no product {product}"))["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["standard_id"] == standard && r["check"] == check)
        .unwrap_or_else(|| panic!("no {standard} {check} on {product}"))
}

#[test]
fn the_models_dbt_built_are_checked_in_place_against_the_standards() {
    let Some(dbt) = dbt() else { return };
    let dir = tempfile::tempdir().unwrap();
    let project = built_project(&dbt, dir.path());
    let out = hallmark(
        &project,
        &[
            "check",
            "--dbt",
            ".",
            "--format",
            "json",
            "--as-of",
            "2026-01-01T00:00:00Z",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));

    // Silver and gold are products; the staging view is not, and is named.
    let products: Vec<&str> = report["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["product"].as_str().unwrap())
        .collect();
    assert_eq!(products, ["silver.orders", "gold.revenue_by_currency"]);
    assert!(stderr.contains("dbt model stg_orders is not checked"), "{stderr}");
    let orders = &report["products"][0];
    assert_eq!(orders["deployed"], "main.orders");
    assert_eq!(orders["rows"], count(&project, "SELECT count(*) FROM main.orders"));

    // Figures are DuckDB's own over the tables dbt wrote.
    let negative = result(&report, "silver.orders", "SLV-003", "range");
    assert_eq!(negative["status"], "fail");
    assert_eq!(
        negative["failing"],
        count(&project, "SELECT count(*) FROM main.orders WHERE amount < 0")
    );
    let countries = result(&report, "silver.orders", "SLV-005", "pattern");
    assert_eq!(
        countries["failing"],
        count(
            &project,
            "SELECT count(*) FROM main.orders WHERE NOT regexp_full_match(ship_country, '[A-Z]{2}')"
        )
    );
    // The columns' tags came from the YAML: `meta.hallmark.tags` (customer_ref) and
    // `config.tags` (status).
    let customers = result(&report, "silver.orders", "SLV-015", "null_ratio");
    assert_eq!(
        customers["failing"],
        count(&project, "SELECT count(*) FROM main.orders WHERE customer_id IS NULL")
    );
    assert_eq!(
        result(&report, "silver.orders", "SLV-014", "accepted_values")["status"],
        "pass"
    );
    // The product reconciles with the bronze source its staging view reads, by the key
    // the source's meta names.
    let reconciled = result(&report, "silver.orders", "SLV-012", "row_count_reconciliation");
    assert_eq!(reconciled["status"], "pass", "{reconciled}");
    assert!(reconciled["figure"].as_str().unwrap().contains("(Order ID)"));
    // The primary key came from dbt's unique + not_null tests.
    assert_eq!(
        result(&report, "silver.orders", "SLV-001", "primary_key")["columns"],
        serde_json::json!(["order_id"])
    );
    // The gold model's owner is its group's; its revenue is DECIMAL(38,2), as dbt built it.
    let owner = result(&report, "gold.revenue_by_currency", "SLV-010", "owner_present");
    assert!(
        owner["figure"].as_str().unwrap().contains("finance-data@example.com"),
        "{owner}"
    );
    let revenue = result(&report, "gold.revenue_by_currency", "SLV-003", "type");
    assert_eq!(revenue["status"], "fail");
    assert!(
        revenue["figure"].as_str().unwrap().contains("DECIMAL(38,2)"),
        "{revenue}"
    );

    // Where dbt's own tests make the same check, the markdown says so under the list.
    let md = hallmark(&project, &["check", "--dbt", "."]);
    let md = String::from_utf8_lossy(&md.stdout);
    let section = md
        .split("#### dbt's own tests")
        .nth(1)
        .unwrap_or_else(|| panic!("{md}"));
    assert!(section.contains("5 dbt data test(s)"), "{section}");
    for line in [
        "`silver.orders` **SLV-001** `primary_key(order_id)`: `not_null_orders_order_id`, `unique_orders_order_id`",
        "`silver.orders` **SLV-013** `accepted_values(currency)`: `accepted_values_orders_currency__EUR__USD__GBP`",
    ] {
        assert!(section.contains(line), "{line} in {section}");
    }
    assert!(!section.contains("SLV-005"), "{section}");

    // lint --dbt names the standards whose selectors match no column of the models.
    let lint = hallmark(&project, &["lint", "--dbt", "."]);
    let said = String::from_utf8_lossy(&lint.stderr);
    assert_eq!(lint.status.code(), Some(1), "{said}");
    for id in ["SLV-006 selects columns by tag=email", "GLD-002", "GLD-003"] {
        assert!(said.contains(id), "{id} in {said}");
    }
    assert!(!said.contains("SLV-005"), "{said}");
}

#[test]
fn the_compiled_models_built_in_the_sandbox_give_the_figures_of_the_built_ones() {
    let Some(dbt) = dbt() else { return };
    let dir = tempfile::tempdir().unwrap();
    let project = built_project(&dbt, dir.path());
    let args = [
        "check",
        "--dbt",
        ".",
        "--format",
        "json",
        "--as-of",
        "2026-01-01T00:00:00Z",
    ];
    let in_place: Value = serde_json::from_slice(&hallmark(&project, &args).stdout).unwrap();
    // Without dbt's database: every model is built from the bronze files up.
    std::fs::remove_file(project.join("warehouse.duckdb")).unwrap();
    std::fs::write(project.join("sandbox.hallmark.yml"), "dbt:\n  project: .\n").unwrap();
    let out = hallmark(
        &project,
        &[&args[..], &["--build", "--config", "sandbox.hallmark.yml"]].concat(),
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    let built: Value = serde_json::from_slice(&out.stdout).unwrap();
    for (b, p) in built["products"]
        .as_array()
        .unwrap()
        .iter()
        .zip(in_place["products"].as_array().unwrap())
    {
        assert_eq!(b["product"], p["product"]);
        assert!(b["deployed"].is_null() && b["built_as"].is_object(), "{b}");
        assert_eq!(b["rows"], p["rows"]);
        let figures = |r: &Value| {
            r["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| {
                    (
                        x["standard_id"].clone(),
                        x["check"].clone(),
                        x["status"].clone(),
                        x["failing"].clone(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(figures(b), figures(p), "{}", b["product"]);
    }

    // A manifest dbt only parsed has no compiled SQL to build.
    let parsed = dir.path().join("parsed");
    copy(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/dbt/shop"),
        &parsed,
    );
    copy(&example().join("bronze"), &parsed.join("bronze"));
    std::fs::copy(example().join("data_standards.md"), parsed.join("data_standards.md")).unwrap();
    std::fs::write(parsed.join("sandbox.hallmark.yml"), "dbt:\n  project: .\n").unwrap();
    run_dbt(&dbt, &parsed, &["parse"]);
    let out = hallmark(
        &parsed,
        &["check", "--dbt", ".", "--build", "--config", "sandbox.hallmark.yml"],
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("no compiled SQL for silver.orders") && said.contains("dbt compile"),
        "{said}"
    );
}

/// Runs `dbt args` in `project`.
fn run_dbt(dbt: &Path, project: &Path, args: &[&str]) {
    let out = hallmark_tests::tools::dbt(dbt, project, args);
    assert!(
        out.status.success(),
        "dbt {args:?}:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// `hallmark ci --dbt` from `base` (locally: no forge variables), and the products it
/// says it checked.
fn ci_products(project: &Path, base: &str) -> (String, Vec<String>) {
    let out = Command::new(env!("CARGO_BIN_EXE_hallmark"))
        .args(["ci", "--dbt", ".", "--base", base, "--no-cache"])
        .current_dir(project)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let products = text
        .lines()
        .filter_map(|l| l.strip_prefix("#### `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect();
    (text, products)
}

#[test]
fn ci_checks_the_models_a_change_touches_file_by_file() {
    let Some(dbt) = dbt() else { return };
    let dir = tempfile::tempdir().unwrap();
    let project = built_project(&dbt, dir.path());
    hallmark_tests::local_repo::git(&project, &["init", "-q", "-b", "main"]);
    hallmark_tests::local_repo::git(&project, &["add", "-A"]);
    hallmark_tests::local_repo::git(&project, &["commit", "-qm", "the shop"]);
    let change = |file: &str, from: &str, to: &str, message: &str| {
        let path = project.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file}");
        std::fs::write(&path, text.replace(from, to)).unwrap();
        hallmark_tests::local_repo::git(&project, &["commit", "-qam", message]);
        run_dbt(&dbt, &project, &["build"]);
    };

    // The gold model's SQL: gold alone (silver's folder neighbour is not touched).
    change(
        "models/gold/revenue_by_currency.sql",
        "group by currency",
        "where currency is not null\ngroup by currency",
        "gold without a null currency",
    );
    let (text, checked) = ci_products(&project, "HEAD~1");
    assert_eq!(checked, ["gold.revenue_by_currency"], "{text}");
    assert!(text.contains("Checked 1 of 2 products"), "{text}");
    assert!(text.contains("#### dbt's own tests"), "{text}");

    // The staging view silver is built through: silver, and gold downstream of it.
    change(
        "models/staging/stg_orders.sql",
        "lower(trim(\"Status\"))",
        "lower(trim(\"Status\")) ",
        "staging",
    );
    let (text, checked) = ci_products(&project, "HEAD~1");
    assert_eq!(checked, ["silver.orders", "gold.revenue_by_currency"], "{text}");

    // A description in silver's YAML: silver and what is built on it.
    change(
        "models/silver/schema.yml",
        "One row per order, the latest",
        "One row per order, the newest",
        "words",
    );
    let (_, checked) = ci_products(&project, "HEAD~1");
    assert_eq!(checked, ["silver.orders", "gold.revenue_by_currency"]);

    // dbt_project.yml may change every model.
    change("dbt_project.yml", "version: \"1.0.0\"", "version: \"1.0.1\"", "version");
    let (text, checked) = ci_products(&project, "HEAD~1");
    assert_eq!(checked.len(), 2, "{text}");
    assert!(text.contains("dbt_project.yml changed"), "{text}");
}

/// `hallmark promote --dbt . <args>` in `project`, which must succeed; what it said.
fn promote_into_dbt(project: &Path, args: &[&str]) -> String {
    let out = hallmark(project, &[&["promote", "--dbt", "."], args].concat());
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{said}");
    said
}

/// `git show <rev>:<path>` in `repo`.
fn show(repo: &Path, rev_path: &str) -> String {
    let out = Command::new("git")
        .args(["show", rev_path])
        .current_dir(repo)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{rev_path}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_promotion_in_a_dbt_project_is_a_dbt_model_that_dbt_builds() {
    let Some(dbt) = dbt() else { return };
    let dir = tempfile::tempdir().unwrap();
    let project = built_project(&dbt, dir.path());
    // A bronze file no dbt source declares yet.
    std::fs::write(
        project.join("bronze/stores.csv"),
        "Store ID,Store Name,Opened On\nS1, Main Street ,2021-03-01\nS2,Harbour,03/15/2022\nS3,Old Town,2023-07-09\n",
    )
    .unwrap();
    hallmark_tests::local_repo::git(&project, &["init", "-q", "-b", "main"]);
    hallmark_tests::local_repo::git(&project, &["add", "-A"]);
    hallmark_tests::local_repo::git(&project, &["commit", "-qm", "the shop"]);
    let dbt_bin = dbt.to_str().unwrap();
    for (source, model) in [
        ("bronze/customers.csv", "customers"),
        ("bronze/stores.csv", "stores"),
        ("bronze/orders.csv", "orders_clean"),
    ] {
        let said = promote_into_dbt(
            &project,
            &[
                "--source",
                source,
                "--to",
                "silver",
                "--product",
                model,
                "--owner",
                "crm-data@example.com",
                "--dbt-bin",
                dbt_bin,
            ],
        );
        assert!(
            said.contains(&format!("dbt build --select +{model}: Done. PASS=")),
            "{said}"
        );
        let branch = format!("hallmark/silver/{model}");
        let sql = show(&project, &format!("{branch}:models/silver/{model}.sql"));
        let yml = show(&project, &format!("{branch}:models/silver/{model}.yml"));
        let table = Path::new(source).file_stem().unwrap().to_str().unwrap();
        assert!(sql.contains(&format!("{{{{ source('bronze', '{table}') }}}}")), "{sql}");
        assert!(!sql.contains(&format!("FROM bronze.{table}")), "{sql}");
        assert!(
            yml.contains(&format!("- name: {model}")) && yml.contains("level: silver"),
            "{yml}"
        );
        assert!(yml.contains("- not_null") && yml.contains("- unique"), "{yml}");
        assert!(show(&project, &format!("{branch}:hallmark/silver/{model}/PROMOTION.md")).contains("Checklist"));
        // The working tree is untouched.
        assert!(!project.join(format!("models/silver/{model}.sql")).exists());
    }
    // The standards dbt can express are dbt tests: a warn standard's test warns.
    let clean = show(&project, "hallmark/silver/orders_clean:models/silver/orders_clean.yml");
    assert!(clean.contains("accepted_values:") && clean.contains("- EUR"), "{clean}");
    assert!(clean.contains("severity: warn"), "SLV-014 warns: {clean}");

    // Gold on the silver model dbt built: `{{ ref('orders') }}`, and dbt builds it.
    let said = promote_into_dbt(
        &project,
        &[
            "--source",
            "silver.orders",
            "--to",
            "gold",
            "--request",
            "daily revenue by currency",
            "--owner",
            "finance-data@example.com",
            "--dbt-bin",
            dbt_bin,
        ],
    );
    let gold_sql = said
        .split("(models/gold/")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("{said}"));
    let gold = gold_sql.trim_end_matches(".sql");
    assert!(
        said.contains(&format!("dbt build --select +{gold}: Done. PASS=")),
        "{said}"
    );
    let sql = show(&project, &format!("hallmark/gold/{gold}:models/gold/{gold_sql}"));
    assert!(
        sql.contains("FROM {{ ref('orders') }}") && !sql.contains("FROM silver.orders"),
        "{sql}"
    );

    // The customers source was declared; the stores file gets a source entry.
    let sources = show(&project, "hallmark/silver/stores:models/silver/_stores__sources.yml");
    assert!(sources.contains("external_location: bronze/stores.csv"), "{sources}");
    let declared = Command::new("git")
        .args([
            "show",
            "hallmark/silver/customers:models/silver/_customers__sources.yml",
        ])
        .current_dir(&project)
        .output()
        .unwrap();
    assert!(!declared.status.success(), "customers was a dbt source already");

    // On the branch, dbt builds everything and Hallmark checks the new model in place.
    hallmark_tests::local_repo::git(&project, &["checkout", "-q", "hallmark/silver/customers"]);
    run_dbt(&dbt, &project, &["build"]);
    let out = hallmark(
        &project,
        &["check", "--dbt", ".", "--product", "customers", "--format", "json"],
    );
    let said = String::from_utf8_lossy(&out.stderr);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {said}"));
    let customers = &report["products"][0];
    assert_eq!(customers["product"], "silver.customers");
    assert_eq!(customers["deployed"], "main.customers");
    assert_eq!(
        customers["rows"],
        count(&project, "SELECT count(*) FROM main.customers")
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{said}{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A ClickHouse type for a DuckDB one, as dbt-clickhouse would have created it.
fn clickhouse_type(duckdb: &str) -> String {
    let t = duckdb.to_uppercase();
    let inner = if t.starts_with("DECIMAL") {
        t.replace("DECIMAL", "Decimal")
    } else if t == "TIMESTAMP" {
        "DateTime".into()
    } else if t == "BIGINT" {
        "Int64".into()
    } else {
        "String".into()
    };
    format!("Nullable({inner})")
}

#[test]
fn on_clickhouse_the_models_are_checked_where_dbt_clickhouse_puts_them() {
    let Some(dbt) = dbt() else { return };
    if !hallmark_tests::clickhouse::server_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let project = built_project(&dbt, dir.path());
    // dbt-clickhouse builds a model as `<schema>.<alias>`, its schema a ClickHouse
    // database: the tables dbt-duckdb built are copied into one, and the manifest says
    // that schema (dbt-clickhouse cannot talk to the ClickHouse these machines run).
    let database = format!("hm_dbt_{}", std::process::id());
    let ch = |sql: &str| {
        let answer = hallmark_tests::clickhouse::query(sql).expect("ClickHouse answers");
        assert!(!answer.contains("Exception"), "{sql}: {answer}");
        answer
    };
    ch(&format!("DROP DATABASE IF EXISTS {database}"));
    ch(&format!("CREATE DATABASE {database}"));
    let db = duckdb::Connection::open_with_flags(
        project.join("warehouse.duckdb"),
        duckdb::Config::default()
            .access_mode(duckdb::AccessMode::ReadOnly)
            .unwrap(),
    )
    .unwrap();
    for table in ["orders", "revenue_by_currency"] {
        let mut stmt = db
            .prepare(&format!(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' AND table_name = '{table}' ORDER BY ordinal_position"
            ))
            .unwrap();
        let columns: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let defs: Vec<String> = columns
            .iter()
            .map(|(n, t)| format!("`{n}` {}", clickhouse_type(t)))
            .collect();
        ch(&format!(
            "CREATE TABLE {database}.{table} ({}) ENGINE = Log",
            defs.join(", ")
        ));
        let csv = dir.path().join(format!("{table}.csv"));
        db.execute_batch(&format!(
            "COPY (SELECT * FROM main.{table}) TO '{}' (HEADER, NULLSTR '\\N', TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S')",
            csv.display()
        ))
        .unwrap();
        let data = std::fs::read_to_string(&csv).unwrap();
        ch(&format!("INSERT INTO {database}.{table} FORMAT CSVWithNames\n{data}"));
    }
    let manifest = std::fs::read_to_string(project.join("target/manifest.json")).unwrap();
    let on_clickhouse = manifest.replace("\"schema\": \"main\"", &format!("\"schema\": \"{database}\""));
    assert_ne!(manifest, on_clickhouse);
    std::fs::write(project.join("clickhouse-manifest.json"), on_clickhouse).unwrap();
    std::fs::write(
        project.join("clickhouse.hallmark.yml"),
        format!(
            "warehouse:\n  kind: clickhouse\n  url: {}\n  user: hallmark\ndbt:\n  project: .\n",
            hallmark_tests::clickhouse::url()
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hallmark"))
        .args([
            "check",
            "--dbt",
            ".",
            "--config",
            "clickhouse.hallmark.yml",
            "--manifest",
            "clickhouse-manifest.json",
            "--format",
            "json",
            "--as-of",
            "2026-01-01T00:00:00Z",
        ])
        .current_dir(&project)
        .env("HALLMARK_CLICKHOUSE_PASSWORD", hallmark_tests::clickhouse::password())
        .output()
        .unwrap();
    ch(&format!("DROP DATABASE IF EXISTS {database}"));
    let said = String::from_utf8_lossy(&out.stderr);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {said}"));
    assert_eq!(report["warehouse"], "clickhouse");
    let orders = &report["products"][0];
    assert_eq!(orders["deployed"], format!("{database}.orders"), "{said}");
    assert_eq!(orders["rows"], count(&project, "SELECT count(*) FROM main.orders"));
    let negative = result(&report, "silver.orders", "SLV-003", "range");
    assert_eq!(
        negative["failing"],
        count(&project, "SELECT count(*) FROM main.orders WHERE amount < 0")
    );
    let reconciled = result(&report, "silver.orders", "SLV-012", "row_count_reconciliation");
    assert_eq!(reconciled["status"], "pass", "{reconciled}");
    assert_eq!(result(&report, "silver.orders", "SLV-004", "type")["status"], "pass");
    assert_eq!(
        report["products"][1]["deployed"],
        format!("{database}.revenue_by_currency")
    );
}

#[test]
fn a_manifest_of_an_unknown_schema_or_none_is_refused_by_name() {
    let Some(dbt) = dbt() else { return };
    let dir = tempfile::tempdir().unwrap();
    let project = built_project(&dbt, dir.path());
    let manifest = std::fs::read_to_string(project.join("target/manifest.json")).unwrap();
    let written: Value = serde_json::from_str(&manifest).unwrap();
    let version = written["metadata"]["dbt_schema_version"].as_str().unwrap();
    assert!(version.ends_with("/v12.json"), "{version}");
    for other in ["v9", "v13"] {
        let path = dir.path().join(format!("manifest-{other}.json"));
        std::fs::write(&path, manifest.replace("/v12.json", &format!("/{other}.json"))).unwrap();
        let out = hallmark(&project, &["check", "--dbt", ".", "--manifest", path.to_str().unwrap()]);
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{said}");
        assert!(
            said.contains(&format!("{other}.json")) && said.contains("Hallmark does not read"),
            "{said}"
        );
    }
    std::fs::remove_file(project.join("target/manifest.json")).unwrap();
    let out = hallmark(&project, &["check", "--dbt", "."]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("run `dbt parse`"), "{said}");
}
