//! The sources a dbt project declares, read from its YAML files when there is no
//! manifest to read them from (the bot never runs dbt, and `target/` is rarely
//! committed): enough for a promotion to say `{{ source('bronze', 'orders') }}` for a
//! table the project already declares instead of declaring it twice, which dbt
//! refuses. Only plain YAML is read; a name written with Jinja is skipped.

use super::in_repository;
use serde_norway::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// How deep the walk for YAML files goes under the models folder.
const MAX_DEPTH: usize = 12;

/// One declared source table.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredSource {
    /// `bronze`.
    pub source: String,
    /// `orders`.
    pub table: String,
    /// The file it reads (dbt-duckdb's `external_location`), relative to the
    /// repository, when it is one.
    pub file: Option<String>,
}

fn plain(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|s| !s.contains("{{") && !s.contains("{%"))
        .map(str::to_string)
}

fn external(v: &Value) -> Option<String> {
    v.get("meta")
        .and_then(|m| m.get("external_location"))
        .or_else(|| {
            v.get("config")
                .and_then(|c| c.get("meta"))
                .and_then(|m| m.get("external_location"))
        })
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Every source table declared in the YAML files under `<dbt_dir>/models` of the
/// repository at `root`.
pub fn declared_sources(root: &Path, dbt_dir: &Path) -> Vec<DeclaredSource> {
    fn walk(dir: &Path, depth: usize, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else { continue };
            let path = entry.path();
            if kind.is_dir() && depth < MAX_DEPTH {
                walk(&path, depth + 1, out);
            } else if kind.is_file() && path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&dbt_dir.join("models"), 0, &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Ok(doc) = serde_norway::from_str::<Value>(&text) else {
            continue;
        };
        for source in doc.get("sources").and_then(Value::as_sequence).into_iter().flatten() {
            let Some(name) = plain(source.get("name")) else {
                continue;
            };
            let source_location = external(source);
            for table in source.get("tables").and_then(Value::as_sequence).into_iter().flatten() {
                let Some(table_name) = plain(table.get("name")) else {
                    continue;
                };
                let identifier = plain(table.get("identifier")).unwrap_or_else(|| table_name.clone());
                let location = external(table).or_else(|| source_location.clone());
                let file = location
                    .map(|loc| loc.replace("{name}", &table_name).replace("{identifier}", &identifier))
                    .filter(|loc| !loc.contains("://") && !loc.contains('(') && !loc.contains("{{"))
                    .map(|loc| in_repository(root, dbt_dir, &loc));
                out.push(DeclaredSource {
                    source: name.clone(),
                    table: table_name,
                    file,
                });
            }
        }
    }
    out
}

/// The dbt names (`bronze.orders` → `{{ source('bronze', 'orders') }}`) and the files
/// they read, of the sources `declared`.
pub fn names(declared: &[DeclaredSource]) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut jinja = BTreeMap::new();
    let mut files = BTreeMap::new();
    for d in declared {
        let name = format!("{}.{}", d.source, d.table);
        jinja.insert(name.clone(), format!("{{{{ source('{}', '{}') }}}}", d.source, d.table));
        if let Some(f) = &d.file {
            files.insert(f.clone(), name);
        }
    }
    (jinja, files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_read_from_plain_yaml_and_jinja_names_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let models = dir.path().join("models/staging");
        std::fs::create_dir_all(&models).unwrap();
        std::fs::write(
            models.join("sources.yml"),
            "version: 2\nsources:\n  - name: bronze\n    meta:\n      external_location: \"bronze/{name}.csv\"\n    tables:\n      - name: orders\n      - name: \"{{ var('t') }}\"\n  - name: raw\n    tables:\n      - name: events\n        identifier: ev\n",
        )
        .unwrap();
        std::fs::write(models.join("broken.yml"), "sources: [").unwrap();
        let found = declared_sources(dir.path(), dir.path());
        assert_eq!(
            found,
            [
                DeclaredSource {
                    source: "bronze".into(),
                    table: "orders".into(),
                    file: Some("bronze/orders.csv".into())
                },
                DeclaredSource {
                    source: "raw".into(),
                    table: "events".into(),
                    file: None
                },
            ]
        );
        let (jinja, files) = names(&found);
        assert_eq!(jinja["raw.events"], "{{ source('raw', 'events') }}");
        assert_eq!(files["bronze/orders.csv"], "bronze.orders");
    }
}
