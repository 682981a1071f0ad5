//! The manifest's lineage as an observed graph ([`crate::lineage`]): each
//! node reads its `parent_map` entries, and the specs' `dbt` values name
//! the nodes they stand for.

use crate::lineage::{Graph, Observed, ObservedNode};
use crate::load::Workspace;
use crate::model::Model;

use super::Artifacts;

impl Graph for Artifacts {
    fn system(&self) -> &str {
        "dbt"
    }

    fn key(&self, node: ObservedNode) -> &str {
        &self.manifest.node(node).unique_id
    }

    fn upstream(&self, node: ObservedNode) -> &[ObservedNode] {
        &self.manifest.parents[node as usize]
    }

    fn evidence(&self, node: ObservedNode, parent: ObservedNode) -> String {
        format!(
            "`{}` reads `{}` in the manifest's parent_map, {}",
            self.key(node),
            self.key(parent),
            self.manifest_path
        )
    }
}

/// The manifest's graph, with the nodes the specs' `dbt` values name.
pub fn observed<'a>(ws: &Workspace, model: &Model, artifacts: &'a Artifacts) -> Observed<'a> {
    let mut observed = Observed::new(artifacts);
    for named in super::names::named(ws, model, &artifacts.manifest) {
        if let Ok(node) = named.node {
            observed.name(node, named.entity, named.file, named.span);
        }
    }
    observed
}
