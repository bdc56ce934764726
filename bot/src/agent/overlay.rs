//! The repository as it would be with the drafted files committed: drafted products
//! are parsed like files on disk (same errors, same lines) and replace the products at
//! the same path, without writing anything to the working tree.

use super::files::DraftFiles;
use hallmark_checks::project::DIALECTS;
use hallmark_checks::spec::{level_from_file_name, parse_spec, DialectSql, Product, QuarantineSql};
use hallmark_checks::{Level, Project, SourceError, SourceErrors};

/// `base` with the products of `files` added or replacing those at the same path.
pub fn with_drafts(base: &Project, files: &DraftFiles) -> Result<Project, SourceErrors> {
    let mut project = base.clone();
    let mut errors = Vec::new();
    for (rel, text) in files.iter() {
        let path = base.root.join(rel);
        if !(rel.ends_with(".yml") || rel.ends_with(".yaml")) {
            continue;
        }
        let level = match level_from_file_name(&path) {
            Some(Level::Bronze) => continue,
            Some(level) => level,
            None => {
                errors.push(SourceError::new(
                    &path,
                    0,
                    "cannot tell the product level from the file name; name it silver.yml or gold_<metric>.yml",
                ));
                continue;
            }
        };
        let spec = match parse_spec(text, &path, Some(level)) {
            Ok(spec) => spec,
            Err(e) => {
                errors.extend(e.0);
                continue;
            }
        };
        let stem = rel.rsplit_once('.').map_or(rel, |(s, _)| s);
        let sql_rel = format!("{stem}.sql");
        let Some(sql) = files.get(&sql_rel) else {
            errors.push(SourceError::new(
                &path,
                0,
                format!("no SQL: {sql_rel} is missing from the draft"),
            ));
            continue;
        };
        let dialect_sql = DIALECTS
            .iter()
            .filter_map(|d| {
                let variant = format!("{stem}.{d}.sql");
                files.get(&variant).map(|sql| DialectSql {
                    dialect: d.to_string(),
                    sql: sql.to_string(),
                    path: base.root.join(&variant),
                })
            })
            .collect();
        let relation = spec.relation();
        project
            .products
            .retain(|p| p.spec_path != path && p.spec.relation() != relation);
        let quarantine_rel = format!("{stem}.quarantine.sql");
        let quarantine = files.get(&quarantine_rel).map(|sql| QuarantineSql {
            sql: sql.to_string(),
            path: base.root.join(&quarantine_rel),
        });
        project.products.push(Product {
            spec,
            sql: sql.to_string(),
            spec_path: path,
            sql_path: base.root.join(&sql_rel),
            dialect_sql,
            quarantine,
        });
    }
    if !errors.is_empty() {
        return Err(SourceErrors(errors));
    }
    project
        .products
        .sort_by(|a, b| (a.spec.level, &a.spec.name).cmp(&(b.spec.level, &b.spec.name)));
    Ok(project)
}

/// The files a drafted product makes stale: the same product's SQL for one dialect
/// (`silver.clickhouse.sql`) when the draft brings a new `silver.sql` without it.
pub fn stale_variants(base: &Project, files: &DraftFiles) -> Vec<String> {
    let mut stale = Vec::new();
    for p in &base.products {
        let Ok(rel) = p.spec_path.strip_prefix(&base.root) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if files.get(&rel).is_none() {
            continue;
        }
        let quarantine = p.quarantine.iter().map(|q| &q.path);
        for path in p.dialect_sql.iter().map(|v| &v.path).chain(quarantine) {
            if let Ok(vrel) = path.strip_prefix(&base.root) {
                let vrel = vrel.to_string_lossy().replace('\\', "/");
                if files.get(&vrel).is_none() {
                    stale.push(vrel);
                }
            }
        }
    }
    stale
}
