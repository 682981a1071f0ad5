//! The `dbt` values of the specs (CONTRACT §11): an output port names a
//! model, a Source a dbt source, a Consumer an exposure.

use crate::diagnostic::FileId;
use crate::load::Workspace;
use crate::load::source::Span;
use crate::load::yaml::Node;
use crate::model::{EntityId, Kind, Model};

use super::manifest::{Manifest, NodeId, Unresolved, Want};

/// One `dbt` value of a spec, and what it names in the manifest.
#[derive(Debug)]
pub struct Named<'w> {
    pub entity: EntityId,
    /// The output port, for a DataProduct: its index and name.
    pub port: Port<'w>,
    pub want: Want,
    pub value: &'w str,
    pub file: FileId,
    pub span: Span,
    pub node: Result<NodeId, Unresolved>,
}

/// An output port: its index and name.
type Port<'w> = Option<(usize, &'w str)>;

/// The `dbt` values of `node`, an entity of `kind`, with what each names.
fn values_of(kind: Kind, node: &Node) -> Vec<(Port<'_>, Want, &Node)> {
    match kind {
        Kind::DataProduct => node
            .get("outputPorts")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .filter_map(|(i, port)| {
                let name = port.get_str("name").unwrap_or("");
                Some((Some((i, name)), Want::Model, port.get("dbt")?))
            })
            .collect(),
        Kind::Source => node
            .get("dbt")
            .map(|v| (None, Want::Source, v))
            .into_iter()
            .collect(),
        Kind::Consumer => node
            .get("dbt")
            .map(|v| (None, Want::Exposure, v))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

/// Every `dbt` value of the workspace's entities (the first entity of each
/// id), in entity order, resolved against `manifest`.
pub fn named<'w>(ws: &'w Workspace, model: &Model, manifest: &Manifest) -> Vec<Named<'w>> {
    let mut out = Vec::new();
    for kind in [Kind::DataProduct, Kind::Source, Kind::Consumer] {
        for entity in model.of_kind(kind) {
            if !model.is_canonical(entity) {
                continue;
            }
            let e = &model.entities[entity];
            for (port, want, value) in values_of(kind, e.node(ws)) {
                let Some(text) = value.as_str() else { continue };
                out.push(Named {
                    entity,
                    port,
                    want,
                    value: text,
                    file: e.file,
                    span: value.span,
                    node: manifest.resolve(text, want),
                });
            }
        }
    }
    out
}
