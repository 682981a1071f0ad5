//! The run events' lineage as an observed graph ([`crate::lineage`]): the
//! specs' `dataset` values name the datasets they stand for.

use crate::diagnostic::FileId;
use crate::lineage::{Graph, Observed, ObservedNode};
use crate::load::Workspace;
use crate::load::source::Span;
use crate::load::yaml::Node;
use crate::model::{EntityId, Kind, Model};

use super::Events;

/// One `dataset` value of a spec: an output port's or a Source's.
#[derive(Debug, Clone)]
pub struct DatasetValue<'w> {
    pub entity: EntityId,
    /// The output port's index and name, for a DataProduct.
    pub port: Option<(usize, &'w str)>,
    pub namespace: &'w str,
    pub name: &'w str,
    pub file: FileId,
    pub span: Span,
}

/// The namespace and name of a `dataset` value.
pub(super) fn dataset(node: &Node) -> Option<(&str, &str)> {
    Some((node.get_str("namespace")?, node.get_str("name")?))
}

/// Every `dataset` value of the workspace's ports and Sources (the first
/// entity of each id), in entity order.
pub fn datasets<'w>(ws: &'w Workspace, model: &Model) -> Vec<DatasetValue<'w>> {
    let mut out = Vec::new();
    for kind in [Kind::DataProduct, Kind::Source] {
        for e in model.of_kind(kind) {
            if !model.is_canonical(e) {
                continue;
            }
            let entity = &model.entities[e];
            let node = entity.node(ws);
            let mut push = |port, value: &'w Node| {
                if let Some((namespace, name)) = dataset(value) {
                    out.push(DatasetValue {
                        entity: e,
                        port,
                        namespace,
                        name,
                        file: entity.file,
                        span: value.span,
                    });
                }
            };
            match kind {
                Kind::DataProduct => {
                    for (i, port) in node
                        .get("outputPorts")
                        .and_then(Node::as_seq)
                        .unwrap_or(&[])
                        .iter()
                        .enumerate()
                    {
                        if let Some(v) = port.get("dataset") {
                            push(Some((i, port.get_str("name").unwrap_or(""))), v);
                        }
                    }
                }
                _ => {
                    if let Some(v) = node.get("dataset") {
                        push(None, v);
                    }
                }
            }
        }
    }
    out
}

/// The events' graph with a node more for each dataset a spec names and no
/// event does: such an input could be observed, and is missed when a
/// product's runs never read it.
pub struct Declared<'a> {
    pub events: &'a Events,
    extra: Vec<Box<str>>,
    names: Vec<(ObservedNode, EntityId, FileId, Span)>,
}

impl<'a> Declared<'a> {
    pub fn new(ws: &Workspace, model: &Model, events: &'a Events) -> Self {
        let mut extra: Vec<Box<str>> = Vec::new();
        let mut extra_ids: std::collections::HashMap<(String, String), ObservedNode> =
            Default::default();
        let mut names = Vec::new();
        for d in datasets(ws, model) {
            let node = match events.find(d.namespace, d.name) {
                Some(n) => n,
                None => *extra_ids
                    .entry((d.namespace.to_string(), d.name.to_string()))
                    .or_insert_with(|| {
                        extra.push(format!("{}/{}", d.namespace, d.name).into_boxed_str());
                        (events.len() + extra.len() - 1) as ObservedNode
                    }),
            };
            names.push((node, d.entity, d.file, d.span));
        }
        Declared {
            events,
            extra,
            names,
        }
    }

    /// The graph with the nodes the specs name mapped to their entities.
    pub fn observed(mut self) -> Observed<'a> {
        let names = std::mem::take(&mut self.names);
        let mut observed = Observed::owning(Box::new(self));
        for (node, entity, file, span) in names {
            observed.name(node, entity, file, span);
        }
        observed
    }
}

impl Graph for Declared<'_> {
    fn system(&self) -> &str {
        self.events.system()
    }

    fn key(&self, node: ObservedNode) -> &str {
        match (node as usize).checked_sub(self.events.len()) {
            Some(i) => &self.extra[i],
            None => self.events.key(node),
        }
    }

    fn upstream(&self, node: ObservedNode) -> &[ObservedNode] {
        self.events.upstream(node)
    }

    fn built(&self, node: ObservedNode) -> bool {
        self.events.written(node)
    }

    fn evidence(&self, node: ObservedNode, parent: ObservedNode) -> String {
        self.events.evidence(node, parent)
    }
}
