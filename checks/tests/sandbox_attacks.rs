//! The attack suite: every way found to make SQL that Hallmark did not write (a product
//! transform, a custom check, the agent's query) read a file, a URL, a directory
//! listing or an environment variable of the host, or unlock the sandbox. Each attack
//! runs on both backends, through each of the three ways SQL enters, once with the
//! lexer's screen on and once with it off, which proves that the engine refuses on its
//! own. Secrets are planted outside the repository (and, for ClickHouse, in the
//! server's own `user_files`); none may appear in any checklist, error or result, the
//! canary HTTP server must never be called, and every attempt gets a refusal that
//! names what was refused. Control runs first show that each planted secret is
//! readable by an engine left open, so the suite would see a leak.

mod support;

use hallmark_checks::render::{self, Format};
use hallmark_checks::runner::{run_checks, NoProgress, RunOptions, Selection};
use hallmark_checks::warehouse::{QueryKind, Warehouse};
use hallmark_checks::{Checklist, Project};
use hallmark_tests::canary::Canary;
use std::path::PathBuf;
use support::{clickhouse_admin, Backend, Repo};

/// The secrets, with one planted in the ClickHouse server's `user_files` too when
/// that server runs here (the start script's folder).
fn plant() -> Canary {
    let user_files = Backend::clickhouse().and_then(|_| {
        let home = std::env::var("HOME").ok()?;
        let dir = std::env::var("HALLMARK_CLICKHOUSE_DIR").unwrap_or(format!("{home}/.cache/hallmark-clickhouse"));
        Some(PathBuf::from(dir).join("user_files"))
    });
    Canary::plant(user_files.as_deref())
}

/// One attack: its SQL (a template, see [`Canary::fill`]), and what the refusal must
/// name with the lexer on and with only the engine in the way (any of the words).
struct Attack {
    label: &'static str,
    sql: &'static str,
    lexer_names: &'static [&'static str],
    engine_names: &'static [&'static str],
}

/// What DuckDB says when a sealed database is asked for a file.
const DUCKDB_SEALED: &[&str] = &["disabled by configuration", "Permission Error"];
/// What DuckDB's `query()` says of anything but one SELECT.
const DUCKDB_ONE_SELECT: &[&str] = &["Expected a single SELECT statement", "Parser Error"];
/// What ClickHouse says of a table function under readonly=1.
const CLICKHOUSE_READONLY: &[&str] = &["Table functions are forbidden in readonly mode"];

const DUCKDB_ATTACKS: &[Attack] = &[
    Attack {
        label: "a quoted reader",
        sql: r#"SELECT * FROM "read_csv"('{csv}', header = false)"#,
        lexer_names: &["`read_csv(...)`"],
        engine_names: DUCKDB_SEALED,
    },
    Attack {
        label: "an upper-case quoted reader",
        sql: r#"SELECT * FROM "READ_CSV"('{csv}', header = false)"#,
        lexer_names: &["`READ_CSV(...)`"],
        engine_names: DUCKDB_SEALED,
    },
    Attack {
        label: "a schema-qualified reader",
        sql: "SELECT * FROM main.read_csv('{csv}', header = false)",
        lexer_names: &["`read_csv(...)`"],
        engine_names: DUCKDB_SEALED,
    },
    Attack {
        label: "SQL inside a string",
        sql: "SELECT * FROM query('SELECT * FROM read_csv(''{csv}'', header = false)')",
        lexer_names: &["`query(...)` runs SQL from a string"],
        engine_names: DUCKDB_SEALED,
    },
    Attack {
        label: "query_table on a path",
        sql: "SELECT * FROM query_table('{csv}')",
        lexer_names: &["`query_table(...)` runs SQL from a string"],
        engine_names: DUCKDB_SEALED,
    },
    Attack {
        label: "JSON objects",
        sql: "SELECT * FROM read_json_objects('{json}')",
        lexer_names: &["`read_json_objects(...)`"],
        engine_names: DUCKDB_SEALED,
    },
    Attack {
        label: "Parquet metadata",
        sql: "SELECT * FROM parquet_metadata('{csv}')",
        lexer_names: &["`parquet_metadata(...)`"],
        engine_names: DUCKDB_SEALED,
    },
    Attack {
        label: "CSV sniffing",
        sql: "SELECT * FROM sniff_csv('{csv}')",
        lexer_names: &["`sniff_csv(...)`"],
        engine_names: DUCKDB_SEALED,
    },
    Attack {
        label: "a directory listing",
        sql: "SELECT * FROM glob('{dir}/*')",
        lexer_names: &["`glob(...)`"],
        engine_names: DUCKDB_SEALED,
    },
    Attack {
        label: "a glob pattern in a reader",
        sql: "SELECT * FROM read_csv('{dir}/*.csv', header = false)",
        lexer_names: &["`read_csv(...)`"],
        engine_names: DUCKDB_SEALED,
    },
    Attack {
        label: "a string as a table",
        sql: "SELECT * FROM '{csv}'",
        lexer_names: &["after FROM or JOIN reads a file"],
        engine_names: DUCKDB_SEALED,
    },
    Attack {
        label: "a path as a quoted table name",
        sql: r#"SELECT * FROM "{csv}""#,
        lexer_names: &["after FROM or JOIN reads a file"],
        engine_names: &["disabled by configuration", "Permission Error", "does not exist"],
    },
    Attack {
        label: "a whole file as text",
        sql: "SELECT content FROM read_text('{csv}')",
        lexer_names: &["`read_text(...)`"],
        engine_names: DUCKDB_SEALED,
    },
    Attack {
        label: "a URL",
        sql: "SELECT * FROM read_csv('{url}')",
        lexer_names: &["`read_csv(...)`"],
        engine_names: &["disabled by configuration", "Permission Error", "httpfs", "autoload"],
    },
    Attack {
        label: "a reader in a scalar subquery",
        sql: "SELECT (SELECT max(column0) FROM read_csv('{csv}', header = false)) AS x",
        lexer_names: &["`read_csv(...)`"],
        engine_names: DUCKDB_SEALED,
    },
    Attack {
        label: "an environment variable",
        sql: "SELECT getenv('{env}') AS x",
        lexer_names: &["`getenv(...)`"],
        engine_names: &["getenv"],
    },
    Attack {
        label: "a second statement that attaches a file",
        sql: "SELECT 1 AS x; ATTACH '{dir}/stolen.duckdb' AS stolen",
        lexer_names: &["only one statement is allowed"],
        engine_names: DUCKDB_ONE_SELECT,
    },
    Attack {
        label: "a second statement that unlocks the sandbox",
        sql: "SELECT 1 AS x; SET enable_external_access = true",
        lexer_names: &["only one statement is allowed"],
        engine_names: DUCKDB_ONE_SELECT,
    },
    Attack {
        label: "a second statement that installs an extension",
        sql: "SELECT 1 AS x; INSTALL httpfs",
        lexer_names: &["only one statement is allowed"],
        engine_names: DUCKDB_ONE_SELECT,
    },
    Attack {
        label: "a copy to a file",
        sql: "COPY (SELECT 1) TO '{dir}/out.csv'",
        lexer_names: &["starts with `COPY`"],
        engine_names: DUCKDB_ONE_SELECT,
    },
];

const CLICKHOUSE_ATTACKS: &[Attack] = &[
    Attack {
        label: "a quoted url()",
        sql: r#"SELECT * FROM "url"('{url}', CSV, 'a String')"#,
        lexer_names: &["`url(...)`"],
        engine_names: CLICKHOUSE_READONLY,
    },
    Attack {
        label: "a back-quoted url()",
        sql: "SELECT * FROM `url`('{url}', CSV, 'a String')",
        lexer_names: &["`url(...)`"],
        engine_names: CLICKHOUSE_READONLY,
    },
    Attack {
        label: "url()",
        sql: "SELECT * FROM url('{url}', CSV, 'a String')",
        lexer_names: &["`url(...)`"],
        engine_names: CLICKHOUSE_READONLY,
    },
    Attack {
        label: "a quoted file()",
        sql: r#"SELECT * FROM "file"('{ch_file}', CSV, 'a String')"#,
        lexer_names: &["`file(...)`"],
        engine_names: CLICKHOUSE_READONLY,
    },
    Attack {
        label: "remote() to the server itself",
        sql: "SELECT * FROM remote('127.0.0.1', system.one)",
        lexer_names: &["`remote(...)`"],
        engine_names: CLICKHOUSE_READONLY,
    },
    Attack {
        label: "url() in a scalar subquery",
        sql: "SELECT (SELECT any(a) FROM url('{url}', CSV, 'a String')) AS x",
        lexer_names: &["`url(...)`"],
        engine_names: CLICKHOUSE_READONLY,
    },
    Attack {
        label: "url() that lifts readonly with SETTINGS",
        sql: "SELECT * FROM url('{url}', CSV, 'a String') SETTINGS readonly = 0",
        lexer_names: &["`url(...)`"],
        engine_names: &["readonly mode"],
    },
    Attack {
        label: "a second statement",
        sql: "SELECT 1 AS x; CREATE TABLE default.hallmark_attack (a UInt8) ENGINE = Memory",
        lexer_names: &["only one statement is allowed"],
        engine_names: &["Syntax error", "Multi-statements"],
    },
    Attack {
        label: "an outfile",
        sql: "SELECT 1 AS x INTO OUTFILE '{dir}/out.csv'",
        lexer_names: &["`OUTFILE` is not allowed"],
        engine_names: &["OUTFILE", "Syntax error", "readonly"],
    },
];

fn attacks(b: Backend) -> &'static [Attack] {
    match b {
        Backend::DuckDb => DUCKDB_ATTACKS,
        Backend::ClickHouse => CLICKHOUSE_ATTACKS,
    }
}

/// Every product of `project` built and checked on `wh`.
fn check_all(project: &Project, wh: &dyn Warehouse) -> Checklist {
    run_checks(project, wh, &Selection::default(), &RunOptions::default(), &NoProgress)
}

/// A repository whose one standard is `rule` and whose product reads the declared
/// bronze source's `Id`.
fn id_product(b: Backend, rule: &str) -> Repo {
    let repo = Repo::on(b);
    repo.standard(rule);
    repo.product(
        "  - { name: id, type: varchar, description: Id }\n",
        &[],
        "SELECT \"Id\" AS id FROM bronze.src",
    );
    repo
}

/// Every rendering of a checklist, which is what leaves through a comment or a file.
fn rendered(list: &Checklist) -> String {
    [Format::Markdown, Format::Json, Format::Junit]
        .into_iter()
        .map(|f| render::render(list, f))
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_names(attack: &Attack, path: &str, engine_only: bool, error: &str) {
    let names = if engine_only {
        attack.engine_names
    } else {
        attack.lexer_names
    };
    assert!(
        names.iter().any(|n| error.contains(n)),
        "{} through {path} ({}): the refusal names none of {names:?}:\n{error}",
        attack.label,
        if engine_only { "engine only" } else { "lexer on" }
    );
}

/// Runs every attack of `b` through a product transform, a custom check and the
/// agent's query path, on a warehouse with the lexer on or off.
fn every_attack_is_refused(b: Backend, engine_only: bool) {
    let canary = plant();
    let open = || if engine_only { b.open_engine_only() } else { b.open() };
    for attack in attacks(b) {
        let sql = canary.fill(attack.sql);

        // 1. A product's transform.
        let repo = Repo::on(b);
        repo.standard("check: { row_count: { min: 1 } }");
        repo.product("  - { name: x, type: varchar, description: X }\n", &[], &sql);
        let wh = open();
        let list = check_all(&repo.load(), wh.as_ref());
        let out = rendered(&list);
        canary.assert_absent(&format!("{} as a transform", attack.label), &out);
        let error = list.products[0]
            .error
            .clone()
            .unwrap_or_else(|| panic!("{} as a transform was built:\n{out}", attack.label));
        assert_names(attack, "a transform", engine_only, &error);
        assert!(error.contains("silver.sql"), "the error names the file: {error}");

        // 2. A custom check in the standards, where the standard parses at all.
        let rule = format!(
            "check: {{ custom_sql: {{ sql: {} }} }}",
            serde_json::to_string(&sql).unwrap()
        );
        let repo = id_product(b, &rule);
        if let Ok(project) = Project::load(repo.path()) {
            let wh = open();
            let list = check_all(&project, wh.as_ref());
            let out = rendered(&list);
            canary.assert_absent(&format!("{} as a custom check", attack.label), &out);
            let result = list.products[0]
                .results
                .iter()
                .find(|r| r.check == "custom_sql")
                .unwrap_or_else(|| panic!("no custom_sql result:\n{out}"));
            assert_eq!(
                result.status,
                hallmark_checks::Status::Error,
                "{} as a custom check ran:\n{out}",
                attack.label
            );
            assert_names(
                attack,
                "a custom check",
                engine_only,
                result.reason.as_deref().unwrap_or_default(),
            );
        }

        // 3. The agent's query tool.
        let wh = open();
        let error = wh
            .query_untrusted(QueryKind::Agent, &sql)
            .map(|rows| format!("{rows:?}"))
            .expect_err(&format!("{} as an agent query ran", attack.label))
            .to_string();
        canary.assert_absent(&format!("{} as an agent query", attack.label), &error);
        assert_names(attack, "an agent query", engine_only, &error);
        for record in wh.queries() {
            canary.assert_absent("the query log", &record.sql);
        }
    }
    canary.assert_nothing_written();
    assert_eq!(canary.server.hits(), 0, "the canary server was called");
}

fn attacks_are_refused_with_the_lexer_on(b: Backend) {
    every_attack_is_refused(b, false);
}

fn attacks_are_refused_by_the_engine_alone(b: Backend) {
    every_attack_is_refused(b, true);
}

/// The planted secrets are within reach of an engine left open, so the suite above
/// would see them if a wall gave way.
fn the_planted_secrets_are_readable_by_an_open_engine(b: Backend) {
    let canary = plant();
    match b {
        Backend::DuckDb => {
            let open = ::duckdb::Connection::open_in_memory().unwrap();
            let read = |sql: &str| -> String {
                let mut stmt = open.prepare(&canary.fill(sql)).unwrap();
                let rows = stmt
                    .query_map([], |r| r.get::<_, String>(0))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect::<Vec<_>>();
                rows.join("\n")
            };
            assert!(read("SELECT * FROM read_csv('{csv}', header = false)").contains(&canary.secret));
            assert!(read("SELECT file FROM glob('{dir}/*')").contains(&canary.listed));
        }
        Backend::ClickHouse => {
            // The builder under readonly=2, as reads ran before, reaches both.
            let read = |sql: &str| clickhouse_admin(&format!("{} SETTINGS readonly = 2", canary.fill(sql)));
            assert!(read("SELECT * FROM url('{url}', CSV, 'a String')").contains(&canary.secret));
            assert!(canary.server.hits() > 0);
            if canary.clickhouse_file.is_some() {
                assert!(read("SELECT * FROM file('{ch_file}', CSV, 'a String')").contains(&canary.secret));
            }
        }
    }
}

/// A file source that is a symbolic link out of the repository is refused before any
/// engine or loader reads it.
fn a_source_linked_outside_the_repository_is_refused(b: Backend) {
    let canary = plant();
    let repo = Repo::on(b);
    std::fs::remove_file(repo.path().join("bronze/src.csv")).unwrap();
    std::os::unix::fs::symlink(&canary.csv, repo.path().join("bronze/src.csv")).unwrap();
    repo.standard("check: { row_count: { min: 1 } }");
    repo.product(
        "  - { name: x, type: varchar, description: X }\n",
        &[],
        "SELECT * FROM bronze.src",
    );
    let (list, _) = repo.check();
    let out = rendered(&list);
    canary.assert_absent("a linked source", &out);
    let error = list.products[0].error.clone().expect("the linked source is refused");
    assert!(error.contains("outside the repository"), "{error}");
}

/// A declared source stays readable on the sealed engine, and a second run on the
/// same warehouse does not load an unchanged file again.
fn declared_sources_still_build(b: Backend) {
    let repo = id_product(b, "check: { row_count: { min: 4 } }");
    let project = repo.load();
    let wh = b.open();
    for _ in 0..2 {
        let list = check_all(&project, wh.as_ref());
        assert!(list.products[0].error.is_none(), "{:?}", list.products[0].error);
        assert_eq!(list.products[0].rows, Some(4));
    }
    if b == Backend::DuckDb {
        let loads = wh
            .queries()
            .iter()
            .filter(|q| q.kind == QueryKind::Setup && q.sql.contains("read_csv("))
            .count();
        assert_eq!(loads, 1, "the unchanged file was loaded again");
    }
}

/// A reader whose profile says readonly=2 (which allows table functions) is refused
/// when the warehouse opens, with the reason.
#[test]
fn a_lax_clickhouse_reader_is_refused() {
    if Backend::clickhouse().is_none() {
        return;
    }
    let conn = hallmark_checks::warehouse::clickhouse::Connection {
        reader: Some("hallmark_lax_reader".into()),
        ..support::clickhouse_connection()
    };
    let error = hallmark_checks::warehouse::clickhouse::ClickHouseWarehouse::connect(
        &conn,
        &support::unique("hallmark_sandbox_test"),
        hallmark_checks::warehouse::Limits::default(),
    )
    .err()
    .expect("a readonly=2 reader is refused")
    .to_string();
    assert!(
        error.contains("`hallmark_lax_reader` reads with readonly=2") && error.contains("readonly=1"),
        "{error}"
    );
}

/// An attack on the sandbox's scope rather than the host's files: the engine alone
/// lets it through (the control), so the screen's allowlist is what refuses it.
struct ScopeAttack {
    label: &'static str,
    sql: &'static str,
    /// What the refusal names.
    names: &'static str,
    /// What the open engine's answer shows, proving the attack works there.
    leaks: &'static str,
}

const DUCKDB_SCOPE: &[ScopeAttack] = &[
    ScopeAttack {
        label: "a host folder from a setting",
        sql: "SELECT current_setting('temp_directory') AS x",
        names: "`current_setting(...)` reads the engine's settings",
        leaks: "<private>",
    },
    ScopeAttack {
        label: "every setting",
        sql: "SELECT name, CAST(value AS VARCHAR) AS v FROM duckdb_settings() WHERE name = 'secret_directory'",
        names: "`duckdb_settings(...)`",
        leaks: "secret_directory",
    },
    ScopeAttack {
        label: "the databases and their files",
        sql: "SELECT database_name FROM duckdb_databases()",
        names: "`duckdb_databases(...)`",
        leaks: "memory",
    },
    ScopeAttack {
        label: "the catalogue",
        sql: "SELECT table_name FROM information_schema.tables",
        names: "`information_schema.tables` is not a relation this SQL may read",
        leaks: "src",
    },
    ScopeAttack {
        label: "the catalogue in a parenthesized join",
        sql: "SELECT t.table_name FROM (information_schema.tables t JOIN bronze.src s ON true)",
        names: "`information_schema.tables` is not a relation",
        leaks: "src",
    },
    ScopeAttack {
        label: "a relation after a backslash the lexer once took for an escape",
        sql: "SELECT 'a\\' AS x, table_name FROM information_schema.tables --'",
        names: "`information_schema.tables` is not a relation",
        leaks: "src",
    },
    ScopeAttack {
        label: "a relation after a dollar-quoted string",
        sql: "SELECT $$ ' $$ AS x, table_name FROM information_schema.tables --'",
        names: "`information_schema.tables` is not a relation",
        leaks: "src",
    },
    ScopeAttack {
        label: "every type at once",
        sql: "SELECT * FROM test_all_types()",
        names: "`test_all_types(...)`",
        leaks: "2147483647",
    },
];

const CLICKHOUSE_SCOPE: &[ScopeAttack] = &[
    ScopeAttack {
        label: "other users' queries",
        sql: "SELECT query FROM system.processes",
        names: "`system.processes` is not a relation this SQL may read",
        leaks: "system.processes",
    },
    ScopeAttack {
        label: "the data paths",
        sql: "SELECT name, data_path FROM system.databases",
        names: "`system.databases` is not a relation",
        leaks: "/",
    },
    ScopeAttack {
        label: "another job's scratch database",
        sql: "SELECT * FROM {other}.bronze__src",
        names: "is not a relation this SQL may read",
        leaks: "the other job's row",
    },
    ScopeAttack {
        label: "a table behind IN",
        sql: "SELECT count() AS n FROM system.one WHERE 'the other job''s row' IN {other}.bronze__src",
        names: "is not a relation this SQL may read",
        leaks: "1",
    },
    ScopeAttack {
        label: "a relation after a quoted name with an escaped quote",
        sql: "SELECT 1 AS \"x\\\" ' \", query FROM system.processes -- '",
        names: "`system.processes` is not a relation",
        leaks: "system.processes",
    },
    ScopeAttack {
        label: "the host's name",
        sql: "SELECT hostName() AS h",
        names: "`hostName(...)` reads the engine's settings",
        leaks: "",
    },
];

/// Every scope attack is refused with the screen on, naming what it named, and works
/// on the engine alone (the control): the screen is the wall here.
fn scope_attacks_are_refused_and_work_on_an_open_engine(b: Backend) {
    let other_job = b.open();
    let other = match b {
        Backend::ClickHouse => {
            let repo = Repo::on(b);
            repo.write("bronze/src.csv", "Id\nthe other job's row\n");
            other_job
                .bind_source(
                    "bronze.src",
                    &hallmark_checks::warehouse::SourceLocation::File {
                        path: repo.path().join("bronze/src.csv"),
                        root: repo.path().to_path_buf(),
                    },
                )
                .unwrap();
            let sandbox = other_job
                .queries()
                .iter()
                .find_map(|q| q.sql.strip_prefix("CREATE DATABASE IF NOT EXISTS ").map(str::to_string))
                .unwrap();
            sandbox.trim_matches('`').to_string()
        }
        Backend::DuckDb => String::new(),
    };
    let attacks = match b {
        Backend::DuckDb => DUCKDB_SCOPE,
        Backend::ClickHouse => CLICKHOUSE_SCOPE,
    };
    let repo = id_product(b, "check: { row_count: { min: 1 } }");
    let project = repo.load();
    for attack in attacks {
        let sql = attack.sql.replace("{other}", &other);
        // The screen on: refused through the agent's path, naming what was named.
        let wh = b.open();
        let _ = check_all(&project, wh.as_ref());
        let error = wh
            .query_untrusted(QueryKind::Agent, &sql)
            .map(|rows| format!("{rows:?}"))
            .expect_err(&format!("{} ran with the screen on", attack.label))
            .to_string();
        assert!(error.contains(attack.names), "{}: {error}", attack.label);
        // ...and as a transform.
        let repo = Repo::on(b);
        repo.standard("check: { row_count: { min: 1 } }");
        repo.product("  - { name: x, type: varchar, description: X }\n", &[], &sql);
        let list = check_all(&repo.load(), b.open().as_ref());
        let built = list.products[0].error.clone().unwrap_or_default();
        assert!(built.contains(attack.names), "{} as a transform: {built}", attack.label);
        // The control: the engine alone answers it.
        let open = b.open_engine_only();
        let _ = check_all(&project, open.as_ref());
        let answer = open
            .query_untrusted(QueryKind::Agent, &sql)
            .unwrap_or_else(|e| panic!("{}: the control did not run: {e}", attack.label));
        assert!(!answer.rows.is_empty(), "{}: the control read nothing", attack.label);
        assert!(
            format!("{:?}", answer.rows).contains(attack.leaks),
            "{}: the control shows no {:?}: {:?}",
            attack.label,
            attack.leaks,
            answer.rows
        );
    }
}

/// Every value type the engine can hand back is rendered or refused with a named
/// error, never a panic: DuckDB's `test_all_types()` (every column) and a NULL-typed
/// column, through Hallmark's own reads and an engine-only untrusted read.
fn every_value_type_is_rendered(b: Backend) {
    let wh = b.open();
    let queries: &[&str] = match b {
        Backend::DuckDb => &[
            "SELECT * FROM test_all_types()",
            "SELECT NULL AS n",
            "SELECT '12:34:56.123456789'::TIME_NS AS t, INTERVAL 3 DAY AS i, union_value(a := 1) AS u",
        ],
        Backend::ClickHouse => &[
            "SELECT NULL AS n, [1, 2] AS a, (1, 'x') AS t, toUUID('00000000-0000-0000-0000-000000000001') AS u",
            "SELECT CAST('a' AS Enum8('a' = 1)) AS e, toDecimal64(1.5, 4) AS d, toFixedString('ab', 2) AS f, [[NULL]] AS nested",
        ],
    };
    for sql in queries {
        let rows = wh
            .query(QueryKind::Custom, sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert!(!rows.rows.is_empty(), "{sql}");
        assert_eq!(rows.rows[0].len(), rows.columns.len(), "{sql}");
        let open = b.open_engine_only();
        let rows = open
            .query_untrusted(QueryKind::Agent, sql)
            .unwrap_or_else(|e| panic!("{sql} (untrusted): {e}"));
        assert!(!rows.rows.is_empty(), "{sql}");
    }
    if b == Backend::DuckDb {
        let rows = wh
            .query(QueryKind::Custom, "SELECT '12:34:56'::TIME_NS AS t, NULL AS n")
            .unwrap();
        assert_eq!(rows.rows[0][0], serde_json::json!("12:34:56"));
        assert_eq!(rows.rows[0][1], serde_json::Value::Null);
    }
    // A custom check whose failing rows have no type is measured, not a crash.
    let repo = id_product(b, "check: { custom_sql: { sql: \"SELECT NULL AS n FROM {table}\" } }");
    let list = check_all(&repo.load(), b.open().as_ref());
    let result = list.products[0]
        .results
        .iter()
        .find(|r| r.check == "custom_sql")
        .unwrap();
    assert_eq!(result.status, hallmark_checks::Status::Fail, "{result:?}");
}

on_every_backend!(
    scope_attacks_are_refused_and_work_on_an_open_engine,
    every_value_type_is_rendered,
    attacks_are_refused_with_the_lexer_on,
    attacks_are_refused_by_the_engine_alone,
    the_planted_secrets_are_readable_by_an_open_engine,
    a_source_linked_outside_the_repository_is_refused,
    declared_sources_still_build,
);
