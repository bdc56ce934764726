//! dbt's own artefact, `target/manifest.json` (written by `dbt parse`, `dbt compile`,
//! `dbt build`): the parts Hallmark reads, as serde types. Jinja is never rendered
//! here; a model's SQL is dbt's compiled SQL when the manifest has it.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The manifest schema versions this reader knows (dbt 1.6 wrote v10, 1.7 v11, 1.8 to
/// 1.11 v12): the fields read here are the same in all three.
pub const SUPPORTED_VERSIONS: std::ops::RangeInclusive<u32> = 10..=12;

/// The largest manifest read, in bytes: a large dbt project writes tens of megabytes;
/// a repository's file far beyond that is refused before it is read into memory.
pub const MAX_MANIFEST_BYTES: u64 = 512 * 1024 * 1024;

/// Why a manifest cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file is not there or not readable.
    #[error("cannot read the dbt manifest {path}: {message} (run `dbt parse` or `dbt compile` to write it)")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The file is not a manifest.
    #[error("{path} is not a dbt manifest: {message}")]
    Shape {
        /// The file.
        path: PathBuf,
        /// serde's message, with line and column.
        message: String,
    },
    /// A file too large to be a manifest Hallmark reads.
    #[error("{path} is {bytes} bytes, more than the {MAX_MANIFEST_BYTES}-byte limit for a dbt manifest")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        bytes: u64,
    },
    /// A manifest from a dbt whose schema this reader does not know.
    #[error(
        "{path} is a dbt manifest of schema {found}, which Hallmark does not read (it reads v{}–v{}, written by dbt 1.6 to 1.11); \
         write it with a dbt of those versions, or tell us which dbt wrote it",
        SUPPORTED_VERSIONS.start(),
        SUPPORTED_VERSIONS.end()
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// `metadata.dbt_schema_version` as written.
        found: String,
    },
}

/// The manifest, as far as Hallmark reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    /// Which dbt wrote it, and in which schema.
    pub metadata: Metadata,
    /// Models, tests, seeds, snapshots... by unique id.
    #[serde(default)]
    pub nodes: BTreeMap<String, Node>,
    /// Sources by unique id.
    #[serde(default)]
    pub sources: BTreeMap<String, Source>,
    /// Groups by unique id (a model's group owner).
    #[serde(default)]
    pub groups: BTreeMap<String, Group>,
}

/// `metadata`.
#[derive(Debug, Clone, Deserialize)]
pub struct Metadata {
    /// `https://schemas.getdbt.com/dbt/manifest/v12.json`.
    pub dbt_schema_version: String,
    /// `1.11.16`.
    #[serde(default)]
    pub dbt_version: String,
}

/// A node: a model, a data test, a seed...
#[derive(Debug, Clone, Deserialize)]
pub struct Node {
    /// `model.shop.orders`.
    pub unique_id: String,
    /// `model`, `test`, `seed`, `snapshot`...
    pub resource_type: String,
    /// The node's name.
    pub name: String,
    /// The relation's name in the warehouse (the name unless aliased).
    #[serde(default)]
    pub alias: Option<String>,
    /// The database (DuckDB: the file's catalogue).
    #[serde(default)]
    pub database: Option<String>,
    /// The schema it is built in.
    #[serde(default)]
    pub schema: String,
    /// Its SQL file, relative to the dbt project.
    #[serde(default)]
    pub original_file_path: String,
    /// The YAML file that describes it (`shop://models/silver/schema.yml`).
    #[serde(default)]
    pub patch_path: Option<String>,
    /// Its description.
    #[serde(default)]
    pub description: String,
    /// Its tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Its `meta`.
    #[serde(default)]
    pub meta: BTreeMap<String, Value>,
    /// Its config (tags, meta, group, materialization).
    #[serde(default)]
    pub config: NodeConfig,
    /// Its columns, in the YAML's order.
    #[serde(default, deserialize_with = "in_order")]
    pub columns: Vec<Column>,
    /// What it reads.
    #[serde(default)]
    pub depends_on: DependsOn,
    /// How compiled SQL names the node (`"warehouse"."main"."orders"`); none for an
    /// ephemeral model, which dbt inlines as a CTE.
    #[serde(default)]
    pub relation_name: Option<String>,
    /// The SQL with Jinja rendered, when the manifest was compiled.
    #[serde(default)]
    pub compiled_code: Option<String>,
    /// The SQL as written.
    #[serde(default)]
    pub raw_code: String,
    /// A data test's kind and arguments (`not_null`, `unique`, `accepted_values`...).
    #[serde(default)]
    pub test_metadata: Option<TestMetadata>,
    /// The column a data test is on.
    #[serde(default)]
    pub column_name: Option<String>,
    /// The node a data test is attached to.
    #[serde(default)]
    pub attached_node: Option<String>,
    /// Model-level constraints (`primary_key`).
    #[serde(default)]
    pub constraints: Vec<Constraint>,
}

impl Node {
    /// The relation's own name: the alias, else the name.
    pub fn relation_name(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.name)
    }
}

/// A node's `config`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NodeConfig {
    /// Tags from `config:` (dbt also merges them into the node's `tags`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// `meta` from `config:`.
    #[serde(default)]
    pub meta: BTreeMap<String, Value>,
    /// The model's group.
    #[serde(default)]
    pub group: Option<String>,
    /// `table`, `view`, `incremental`, `ephemeral`...
    #[serde(default)]
    pub materialized: Option<String>,
    /// Whether the node is enabled.
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn enabled() -> bool {
    true
}

/// A column as the YAML describes it.
#[derive(Debug, Clone, Deserialize)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// Its description.
    #[serde(default)]
    pub description: String,
    /// Its declared type.
    #[serde(default)]
    pub data_type: Option<String>,
    /// Its tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Its `meta`.
    #[serde(default)]
    pub meta: BTreeMap<String, Value>,
    /// Column-level constraints (`not_null`, `primary_key`...).
    #[serde(default)]
    pub constraints: Vec<Constraint>,
    /// Its config (dbt 1.10+ keeps tags and meta here too).
    #[serde(default)]
    pub config: ColumnConfig,
}

/// A column's `config`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ColumnConfig {
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// `meta`.
    #[serde(default)]
    pub meta: BTreeMap<String, Value>,
}

/// A model or column constraint.
#[derive(Debug, Clone, Deserialize)]
pub struct Constraint {
    /// `primary_key`, `not_null`, `unique`, `foreign_key`, `check`, `custom`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The columns of a model-level constraint.
    #[serde(default)]
    pub columns: Vec<String>,
}

/// `depends_on`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DependsOn {
    /// Unique ids of the nodes and sources read.
    #[serde(default)]
    pub nodes: Vec<String>,
}

/// A data test's `test_metadata`.
#[derive(Debug, Clone, Deserialize)]
pub struct TestMetadata {
    /// `not_null`, `unique`, `accepted_values`, `relationships`, or a package's test.
    pub name: String,
    /// Its arguments.
    #[serde(default)]
    pub kwargs: BTreeMap<String, Value>,
}

/// A source table.
#[derive(Debug, Clone, Deserialize)]
pub struct Source {
    /// `source.shop.bronze.orders`.
    pub unique_id: String,
    /// `bronze`.
    pub source_name: String,
    /// `orders`.
    pub name: String,
    /// The table's name in the warehouse.
    #[serde(default)]
    pub identifier: Option<String>,
    /// The schema.
    #[serde(default)]
    pub schema: String,
    /// The table's `meta`.
    #[serde(default)]
    pub meta: BTreeMap<String, Value>,
    /// The YAML file that declares it, relative to the dbt project.
    #[serde(default)]
    pub original_file_path: String,
    /// How compiled SQL names it (`"db"."raw"."orders"`, or dbt-duckdb's
    /// `'bronze/orders.csv'` for an external file).
    #[serde(default)]
    pub relation_name: Option<String>,
    /// The source's `meta` (dbt-duckdb reads `external_location` here too).
    #[serde(default)]
    pub source_meta: BTreeMap<String, Value>,
    /// Its description.
    #[serde(default)]
    pub description: String,
}

/// A group (an owner for the models in it).
#[derive(Debug, Clone, Deserialize)]
pub struct Group {
    /// The group's name.
    pub name: String,
    /// Its owner.
    #[serde(default)]
    pub owner: GroupOwner,
}

/// A group's owner.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupOwner {
    /// An e-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// A name.
    #[serde(default)]
    pub name: Option<String>,
}

/// A JSON object's values in the order they are written (a map would sort them, and
/// the order of a model's columns is the YAML's).
fn in_order<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Column>, D::Error> {
    struct Columns;
    impl<'de> serde::de::Visitor<'de> for Columns {
        type Value = Vec<Column>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of columns by name")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Vec<Column>, A::Error> {
            let mut out = Vec::new();
            while let Some((_, column)) = map.next_entry::<String, Column>()? {
                out.push(column);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Columns)
}

/// The schema version number in `https://schemas.getdbt.com/dbt/manifest/v12.json`.
pub fn schema_version(url: &str) -> Option<u32> {
    let file = url.rsplit('/').next()?;
    file.strip_prefix('v')?.strip_suffix(".json")?.parse().ok()
}

impl Manifest {
    /// Reads the manifest at `path`, refusing a schema this reader does not know by
    /// its name before reading anything else.
    pub fn read(path: &Path) -> Result<Manifest, ManifestError> {
        let unreadable = |e: std::io::Error| ManifestError::Read {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let bytes = std::fs::metadata(path).map_err(unreadable)?.len();
        if bytes > MAX_MANIFEST_BYTES {
            return Err(ManifestError::TooLarge {
                path: path.to_path_buf(),
                bytes,
            });
        }
        let text = std::fs::read_to_string(path).map_err(unreadable)?;
        Self::parse(&text, path)
    }

    /// [`Manifest::read`] on text already read; `path` names it in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Manifest, ManifestError> {
        let shape = |message: String| ManifestError::Shape {
            path: path.to_path_buf(),
            message,
        };
        #[derive(Deserialize)]
        struct Head {
            metadata: Metadata,
        }
        let head: Head = serde_json::from_str(text).map_err(|e| shape(e.to_string()))?;
        let version = &head.metadata.dbt_schema_version;
        match schema_version(version) {
            Some(v) if SUPPORTED_VERSIONS.contains(&v) => {}
            _ => {
                return Err(ManifestError::Version {
                    path: path.to_path_buf(),
                    found: version.clone(),
                })
            }
        }
        serde_json::from_str(text).map_err(|e| shape(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_versions_are_read_from_the_url() {
        assert_eq!(
            schema_version("https://schemas.getdbt.com/dbt/manifest/v12.json"),
            Some(12)
        );
        assert_eq!(
            schema_version("https://schemas.getdbt.com/dbt/manifest/v9.json"),
            Some(9)
        );
        assert_eq!(schema_version("nonsense"), None);
    }

    #[test]
    fn an_unknown_schema_is_refused_by_name() {
        for (version, refused) in [("v9", true), ("v10", false), ("v12", false), ("v13", true)] {
            let text = format!(
                r#"{{"metadata": {{"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/{version}.json"}}, "nodes": {{}}, "sources": {{}}}}"#
            );
            let read = Manifest::parse(&text, Path::new("target/manifest.json"));
            match read {
                Err(ManifestError::Version { found, .. }) => {
                    assert!(refused, "{version}");
                    assert!(found.ends_with(&format!("{version}.json")));
                }
                Ok(_) => assert!(!refused, "{version}"),
                Err(e) => panic!("{e}"),
            }
        }
        let e = Manifest::parse("{\"nodes\": 1}", Path::new("m.json")).unwrap_err();
        assert!(e.to_string().contains("is not a dbt manifest"), "{e}");
    }

    #[test]
    fn a_file_too_large_for_a_manifest_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.json");
        // Sparse: its length says it is huge, nothing is written.
        std::fs::File::create(&path)
            .unwrap()
            .set_len(MAX_MANIFEST_BYTES + 1)
            .unwrap();
        let e = Manifest::read(&path).unwrap_err();
        assert!(matches!(e, ManifestError::TooLarge { .. }), "{e}");
        assert!(e.to_string().contains("byte limit for a dbt manifest"), "{e}");
    }
}
