//! Every path a repository's `.hallmark.yml` names stays inside the repository: a
//! relative path that climbs out, an absolute path or a symbolic link out is refused
//! with the setting and the path as written, and the message is the same whether or
//! not the file outside exists, and names no folder of the host.

mod support;

use hallmark_checks::project::inside_repository;
use hallmark_checks::warehouse::{open, Limits};
use hallmark_checks::Project;
use support::Repo;

#[test]
fn config_paths_that_leave_the_repository_are_refused_at_load() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("outside.duckdb"), "x").unwrap();
    for (config, named) in [
        (
            "warehouse: { kind: duckdb, path: ../outside.duckdb }\n",
            "path: `../outside.duckdb`",
        ),
        (
            "warehouse: { kind: duckdb, path: /etc/passwd }\n",
            "path: `/etc/passwd`",
        ),
        ("standards: ../../etc/passwd\n", "standards: `../../etc/passwd`"),
        ("products: /etc\n", "products: `/etc`"),
    ] {
        let repo = Repo::new();
        repo.write(".hallmark.yml", config);
        let error = Project::load(repo.path()).expect_err(config).to_string();
        assert!(
            error.contains(named) && error.contains("must be a path inside the repository"),
            "{config}: {error}"
        );
    }
}

#[test]
fn a_link_out_reads_the_same_whether_its_target_exists_or_not() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("real.duckdb"), "x").unwrap();
    let repo = Repo::new();
    std::os::unix::fs::symlink(outside.path().join("real.duckdb"), repo.path().join("there.duckdb")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("missing.duckdb"), repo.path().join("gone.duckdb")).unwrap();
    std::os::unix::fs::symlink(outside.path(), repo.path().join("dir")).unwrap();
    let refused = |rel: &str| inside_repository(repo.path(), std::path::Path::new(rel)).unwrap_err();
    let there = refused("there.duckdb");
    assert_eq!(
        there,
        "`there.duckdb` resolves outside the repository (through a symbolic link)"
    );
    assert_eq!(refused("gone.duckdb"), there.replace("there", "gone"));
    assert_eq!(refused("dir/missing.duckdb"), there.replace("there", "dir/missing"));
    assert_eq!(refused("dir/real.duckdb"), there.replace("there", "dir/real"));
    assert_eq!(
        refused("nowhere.duckdb"),
        "`nowhere.duckdb` does not exist in the repository"
    );
    // Opening the warehouse through the link is refused the same way, naming no host path.
    let config = hallmark_checks::project::WarehouseConfig::Duckdb {
        path: Some("there.duckdb".into()),
    };
    let error = open(&config, repo.path(), "t", Limits::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        error.contains("warehouse.path: `there.duckdb` resolves outside"),
        "{error}"
    );
    assert!(!error.contains(&*outside.path().to_string_lossy()), "{error}");
    assert!(!error.contains(&*repo.path().to_string_lossy()), "{error}");
}
