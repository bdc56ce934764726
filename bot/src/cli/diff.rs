//! `hallmark diff`: what a change does to the rows of the products it touches, each
//! built at both versions and compared by key in the warehouse. Exits 0 when every
//! product was compared, 1 when one could not be built at a version, 2 when a version
//! does not load or git cannot read it.

use super::impact::{bad_versions, Versions};
use super::Outcome;
use hallmark::impact::data::{data_diff, markdown, DiffPlan, Which};
use hallmark::isolated::Opener;
use hallmark_checks::warehouse::Limits;
use std::path::PathBuf;

/// Arguments of `hallmark diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    #[command(flatten)]
    versions: Versions,
    /// Only this product (`orders` or `silver.orders`); else every product whose spec
    /// or SQL the change touches, every new one, and the products built on them.
    #[arg(long)]
    product: Option<String>,
    /// Read the configuration from this file instead of each version's .hallmark.yml.
    #[arg(long)]
    config: Option<PathBuf>,
}

/// Builds both versions, compares them and prints the diff.
pub fn run(args: DiffArgs) -> anyhow::Result<Outcome> {
    let v = &args.versions;
    let plan = DiffPlan {
        base: &v.base,
        head: &v.head,
        which: match &args.product {
            Some(name) => Which::Named(name),
            None => Which::Touched,
        },
        config: args.config.as_deref(),
    };
    let result = match data_diff(&v.path, &plan, Limits::default(), &Opener::default()) {
        Ok(r) => r,
        Err(e) => return bad_versions(e),
    };
    if let Some(name) = &args.product {
        if result.products.is_empty() {
            eprintln!("error: no product `{name}` at {}", v.head);
            return Ok(Outcome::BadInput);
        }
    }
    // The diff's tables read the same at a terminal.
    v.print(&result, markdown, |run, _| markdown(run))?;
    Ok(if result.products.iter().all(|p| p.error.is_none()) {
        Outcome::Passed
    } else {
        Outcome::Failed
    })
}
