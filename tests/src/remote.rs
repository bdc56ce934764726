//! A team's repository for bot tests: the retail example's standards and bronze data
//! committed on `main` and pushed to a bare repository on disk, which the bot clones
//! from and pushes to as it would from GitHub.

use std::path::{Path, PathBuf};

/// Creates `<dir>/remote.git` holding the retail example on `main`; returns its path.
pub fn retail_remote(dir: &Path) -> PathBuf {
    retail_remote_with(dir, &[])
}

/// [`retail_remote`] with more files committed (`.hallmark.yml`, say).
pub fn retail_remote_with(dir: &Path, extra: &[(&str, &str)]) -> PathBuf {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/retail");
    let seed = dir.join("seed");
    std::fs::create_dir_all(seed.join("bronze")).expect("seed folder");
    for rel in ["data_standards.md", "bronze/orders.csv", "bronze/customers.csv"] {
        std::fs::copy(example.join(rel), seed.join(rel)).expect("copy the example");
    }
    for (rel, text) in extra {
        let path = seed.join(rel);
        std::fs::create_dir_all(path.parent().expect("a file has a folder")).expect("the extra file's folder");
        std::fs::write(path, text).expect("write an extra file");
    }
    let mut init = git2::RepositoryInitOptions::new();
    init.initial_head("main");
    let repo = git2::Repository::init_opts(&seed, &init).expect("init");
    let mut index = repo.index().expect("index");
    index.add_all(["*"], git2::IndexAddOption::DEFAULT, None).expect("add");
    let tree = repo.find_tree(index.write_tree().expect("tree")).expect("tree");
    let sig = git2::Signature::now("Data Team", "data@acme.example").expect("signature");
    repo.commit(Some("HEAD"), &sig, &sig, "Retail data", &tree, &[])
        .expect("commit");

    let remote = dir.join("remote.git");
    let mut bare = git2::RepositoryInitOptions::new();
    bare.bare(true).initial_head("main");
    git2::Repository::init_opts(&remote, &bare).expect("bare remote");
    repo.remote_anonymous(remote.to_str().expect("utf-8 path"))
        .expect("remote")
        .push(&["refs/heads/main:refs/heads/main"], None)
        .expect("push main");
    remote
}

/// The head commit a forge keeps for a pull (merge) request under `head_ref`
/// (`refs/pull/N/head`, `refs/merge-requests/N/head`) in the bare repository `remote`.
/// For a request from `branch` of this repository the ref is first moved to the
/// branch's tip, as the forges do on every push; a fork's request (`branch: None`)
/// keeps what the ref holds. `None` when the remote or the ref is missing.
pub fn request_head(remote: &Path, head_ref: &str, branch: Option<&str>) -> Option<String> {
    let remote = git2::Repository::open_bare(remote).ok()?;
    if let Some(branch) = branch {
        let tip = remote.refname_to_id(&format!("refs/heads/{branch}")).ok()?;
        remote.reference(head_ref, tip, true, "request head").ok()?;
    }
    remote.refname_to_id(head_ref).ok().map(|id| id.to_string())
}
