//! A small shop repository for CI tests: two silver products (sales, stores) over
//! bronze CSVs, both passing two standards, committed on `main`, so a test changes one
//! file, commits, and sees what `hallmark ci` makes of the change.

use std::path::{Path, PathBuf};

/// The standards: primary keys hold, amounts are non-negative.
pub const STANDARDS: &str = "# Shop standards

## Silver

### SLV-001 Every product has a primary key that holds
Applies to: silver, gold

Keys hold.

```rule
check: primary_key
```

### SLV-003 Amounts are non-negative
Applies to: silver, gold

Refunds live in their own product.

```rule
columns: { tag: currency }
check: { range: { min: 0 } }
severity: error
```
";

/// The sales spec.
pub const SALES_SPEC: &str = "name: sales
level: silver
description: One row per sale.
owner: shop-data@example.com
sources:
  - name: bronze.sales
    file: bronze/sales.csv
primary_key: [sale_id]
columns:
  - name: sale_id
    type: varchar
    description: The sale.
  - name: amount
    type: decimal(18,2)
    description: What was paid.
    tags: [currency]
";

/// The sales transform.
pub const SALES_SQL: &str =
    "SELECT CAST(id AS VARCHAR) AS sale_id, CAST(amount AS DECIMAL(18, 2)) AS amount FROM bronze.sales\n";

/// The stores spec.
pub const STORES_SPEC: &str = "name: stores
level: silver
description: One row per store.
owner: shop-data@example.com
sources:
  - name: bronze.stores
    file: bronze/stores.csv
primary_key: [store_id]
columns:
  - name: store_id
    type: varchar
    description: The store.
  - name: city
    type: varchar
    description: Where it is.
";

/// The stores transform.
pub const STORES_SQL: &str = "SELECT CAST(id AS VARCHAR) AS store_id, city FROM bronze.stores\n";

/// A repository at `<dir>/shop` on `main` with both products passing; returns it
/// and its commit.
pub fn shop(dir: &Path) -> (PathBuf, git2::Oid) {
    let root = dir.join("shop");
    let files = [
        ("data_standards.md", STANDARDS.to_string()),
        (
            "bronze/sales.csv",
            "id,amount\n".to_string() + &(1..=40).map(|i| format!("{i},{}.50\n", i * 3)).collect::<String>(),
        ),
        ("bronze/stores.csv", "id,city\n1,Lyon\n2,Porto\n3,Graz\n".to_string()),
        ("products/sales/silver.yml", SALES_SPEC.to_string()),
        ("products/sales/silver.sql", SALES_SQL.to_string()),
        ("products/stores/silver.yml", STORES_SPEC.to_string()),
        ("products/stores/silver.sql", STORES_SQL.to_string()),
    ];
    for (rel, text) in &files {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let mut init = git2::RepositoryInitOptions::new();
    init.initial_head("main");
    git2::Repository::init_opts(&root, &init).unwrap();
    let base = commit_all(&root, "Two products");
    (root, base)
}

/// Commits everything in `root` on its current branch.
pub fn commit_all(root: &Path, message: &str) -> git2::Oid {
    let repo = git2::Repository::open(root).unwrap();
    let mut index = repo.index().unwrap();
    index.add_all(["*"], git2::IndexAddOption::DEFAULT, None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::now("Data Team", "data@example.com").unwrap();
    let parents: Vec<git2::Commit> = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .into_iter()
        .collect();
    let parents: Vec<&git2::Commit> = parents.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents).unwrap()
}

/// Makes every sale's amount negative (a transform that breaks SLV-003), in `root`.
pub fn negate_amounts(root: &Path) {
    let signed = SALES_SQL.replace("CAST(amount AS DECIMAL(18, 2))", "-CAST(amount AS DECIMAL(18, 2))");
    assert_ne!(signed, SALES_SQL);
    std::fs::write(root.join("products/sales/silver.sql"), signed).expect("write the transform");
}
