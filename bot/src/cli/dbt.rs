//! How `check` and `ci` load the project — from products/, or with `--dbt` from a dbt
//! project's manifest — and place dbt's models (where dbt built them, or built in the
//! sandbox).

use hallmark_checks::dbt::coverage::{also_tested, markdown as coverage_markdown};
use hallmark_checks::dbt::DbtProject;
use hallmark_checks::runner::{RunOptions, Selection};
use hallmark_checks::{Checklist, Project};
use std::path::{Path, PathBuf};

/// `--dbt` and `--manifest`: the products come from a dbt project's manifest.
#[derive(Debug, Clone, clap::Args)]
pub struct DbtSource {
    /// Read the products from the dbt project's manifest instead of products/ (and
    /// check each model in place where dbt built it, `<schema>.<alias>`).
    #[arg(long)]
    pub dbt: bool,
    /// The dbt manifest to read (default: `.hallmark.yml`'s `dbt:`, else
    /// target/manifest.json).
    #[arg(long, requires = "dbt")]
    pub manifest: Option<PathBuf>,
}

/// `--dbt`, `--manifest`, `--build`.
#[derive(Debug, Clone, clap::Args)]
pub struct DbtArgs {
    /// Where the products come from.
    #[command(flatten)]
    pub source: DbtSource,
    /// With --dbt: build each model's compiled SQL in Hallmark's sandbox (from the
    /// sources up) instead of reading where dbt built it.
    #[arg(long, requires = "dbt")]
    pub build: bool,
}

/// The project at `path` (with the configuration `config` instead of its own, if
/// given; its products from the manifest with `--dbt`), or `None` after printing
/// every problem found in it; the models that are not products are said on stderr.
pub fn load(path: &Path, config: Option<&Path>, args: &DbtSource) -> Option<(Project, Option<DbtProject>)> {
    if !args.dbt {
        let loaded = match config {
            Some(file) => Project::load_with_config(path, file),
            None => Project::load(path),
        };
        return loaded.map_err(|errors| eprintln!("{errors}")).ok().map(|p| (p, None));
    }
    match Project::load_dbt(path, config, args.manifest.as_deref()) {
        Ok((project, dbt)) => {
            for (model, why) in &dbt.not_products {
                eprintln!("hallmark: dbt model {model} is not checked: {why}");
            }
            Some((project, Some(dbt)))
        }
        Err(errors) => {
            eprintln!("{errors}");
            None
        }
    }
}

/// Places the selected dbt products: where dbt built them, or (`--build`) nowhere, as
/// the sandbox builds them. `Err` names the products `--build` cannot build.
pub fn place(
    dbt: &DbtProject,
    args: &DbtArgs,
    project: &Project,
    selection: &Selection,
    options: &mut RunOptions,
) -> Result<(), String> {
    if !args.build {
        let at = options.deployed.take().unwrap_or_default();
        options.deployed = Some(at.with_exact(dbt.locations.clone()));
        return Ok(());
    }
    require_compiled(
        dbt,
        project
            .products
            .iter()
            .filter(|p| selection.includes(&p.spec))
            .map(|p| p.spec.relation()),
    )
}

/// Refuses to build any of `relations` whose SQL the manifest holds only as written
/// (a `dbt parse` manifest), naming them and the command that compiles them.
pub fn require_compiled(dbt: &DbtProject, relations: impl IntoIterator<Item = String>) -> Result<(), String> {
    let uncompiled: Vec<String> = relations.into_iter().filter(|r| dbt.uncompiled.contains(r)).collect();
    if uncompiled.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the manifest holds no compiled SQL for {}: run `dbt compile` (or `dbt build`) to write it",
            uncompiled.join(", ")
        ))
    }
}

/// Which checks dbt's own tests also make, as a markdown section for people.
pub fn overlap_markdown(checklist: &Checklist, dbt: &DbtProject) -> String {
    coverage_markdown(&also_tested(checklist, &dbt.tests), dbt.tests.len())
}

/// The same, a line each on stderr, for runs whose output is for tools.
pub fn say_overlap(checklist: &Checklist, dbt: &DbtProject) {
    for a in also_tested(checklist, &dbt.tests) {
        eprintln!(
            "hallmark: {} {} {}({}) is also tested by dbt: {}",
            a.product,
            a.standard_id,
            a.check,
            a.columns.join(", "),
            a.dbt_tests.join(", ")
        );
    }
}
