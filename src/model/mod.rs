//! Typed entities, the id index and resolved references.

pub mod contract;
pub mod kind;
pub mod reads;
pub mod time;

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use compact_str::CompactString;
use rayon::prelude::*;

use crate::diagnostic::FileId;
use crate::load::Workspace;
use crate::load::source::Span;
use crate::load::yaml::Node;
pub use kind::{Direction, Kind, RefField, Shape};

/// The hasher of the id index: ids are short, and the index is read for
/// every reference (SipHash, the default, was a tenth of the model's build).
pub type IdHasher = foldhash::fast::RandomState;

/// Index of an entity in [`Model::entities`].
pub type EntityId = usize;

/// Documents (or entities) per parallel task when the model is built: enough
/// that a small workspace is built on one core.
const MIN_PER_TASK: usize = 512;

/// What a document is to the model, read from its tree.
enum Classified<'w> {
    /// An ODCS contract with a non-empty id.
    Contract { id: &'w str, id_span: Span },
    /// An entity with a valid id (of a kind throughline may not know).
    Entity {
        kind: Option<Kind>,
        id: &'w str,
        id_span: Span,
    },
}

/// What `node` is, or `None` for a document with no usable `kind` and `id`.
fn classify(node: &Node) -> Option<Classified<'_>> {
    let kind_name = node.get_str("kind")?;
    let id_node = node.get("id")?;
    if kind_name == contract::KIND {
        let id = id_node.as_str().filter(|id| !id.is_empty())?;
        return Some(Classified::Contract {
            id,
            id_span: id_node.span,
        });
    }
    let id = id_node.as_str().filter(|id| is_valid_id(id))?;
    Some(Classified::Entity {
        kind: Kind::from_name(kind_name),
        id,
        id_span: id_node.span,
    })
}

/// A document with a usable `kind` and `id`.
#[derive(Debug)]
pub struct Entity {
    /// `None` when the document names a kind throughline does not know; such
    /// an entity still owns its id, so references to it are not "broken".
    pub kind: Option<Kind>,
    pub id: CompactString,
    pub id_span: Span,
    pub file: FileId,
    /// Index into [`Workspace::documents`].
    pub doc: usize,
}

impl Entity {
    pub fn node<'w>(&self, ws: &'w Workspace) -> &'w Node {
        &ws.documents[self.doc].node
    }

    pub fn is(&self, kind: Kind) -> bool {
        self.kind == Some(kind)
    }
}

/// One id written in a reference field.
#[derive(Debug)]
pub struct Reference {
    pub from: EntityId,
    pub field: RefField,
    pub target: CompactString,
    pub span: Span,
    /// The entity the id names (the first one, when the id is duplicated).
    pub resolved: Option<EntityId>,
}

/// The entities of a workspace and the links between them.
#[derive(Debug, Default)]
pub struct Model {
    pub entities: Vec<Entity>,
    /// Each id's first entity, in file order.
    pub by_id: HashMap<CompactString, EntityId, IdHasher>,
    /// Later entities that reuse an id: `(later, first)`.
    pub duplicates: Vec<(EntityId, EntityId)>,
    pub refs: Vec<Reference>,
    /// For each entity, the range of its references in `refs`.
    refs_of: Vec<std::ops::Range<usize>>,
    /// For each entity, the indices in `refs` of the references that resolve
    /// to it: entity `e`'s are `incoming[incoming_starts[e]..incoming_starts[e + 1]]`
    /// (one list for all, not a list per entity).
    incoming: Vec<usize>,
    incoming_starts: Vec<usize>,
    /// For each entity, whether it is the first with its id.
    canonical: Vec<bool>,
    /// For each document, its entity.
    entity_of_doc: Vec<Option<EntityId>>,
    /// The ODCS contracts (`kind: DataContract`) with an id, in file order.
    pub contracts: Vec<contract::Contract>,
    /// Each contract id's first contract.
    pub contract_ids: HashMap<String, usize>,
}

impl Model {
    /// Builds the model from the parsed workspace.
    pub fn build(ws: &Workspace) -> Model {
        // Sized up front: at 100,000 entities a growing list or map briefly
        // holds its old and its new buffer, which set the peak of `check`.
        let mut model = Model {
            entity_of_doc: vec![None; ws.documents.len()],
            entities: Vec::with_capacity(ws.documents.len()),
            by_id: HashMap::with_capacity_and_hasher(ws.documents.len(), IdHasher::default()),
            ..Model::default()
        };
        // Each document's tree is read on any core; the ids are numbered and
        // indexed in file order, on one.
        let classified: Vec<Option<Classified>> = ws
            .documents
            .par_iter()
            .with_min_len(MIN_PER_TASK)
            .map(|d| classify(&d.node))
            .collect();
        for (doc, (d, found)) in ws.documents.iter().zip(classified).enumerate() {
            match found {
                None => {}
                Some(Classified::Contract { id, id_span }) => {
                    // A contract is not an entity; output ports name it.
                    model
                        .contract_ids
                        .entry(id.to_string())
                        .or_insert(model.contracts.len());
                    model.contracts.push(contract::Contract {
                        id: id.into(),
                        id_span,
                        file: d.file,
                        doc,
                    });
                }
                Some(Classified::Entity { kind, id, id_span }) => {
                    let eid = model.entities.len();
                    model.entities.push(Entity {
                        kind,
                        id: id.into(),
                        id_span,
                        file: d.file,
                        doc,
                    });
                    model.entity_of_doc[doc] = Some(eid);
                    match model.by_id.entry(id.into()) {
                        Entry::Occupied(first) => model.duplicates.push((eid, *first.get())),
                        Entry::Vacant(slot) => {
                            slot.insert(eid);
                        }
                    }
                }
            }
        }
        // The references: counted, then written in place, each entity's on
        // any core.
        let counts: Vec<usize> = model
            .entities
            .par_iter()
            .with_min_len(MIN_PER_TASK)
            .map(|e| match e.kind {
                Some(kind) => kind
                    .ref_fields()
                    .iter()
                    .map(|&f| ref_values(e.node(ws), f).len())
                    .sum(),
                None => 0,
            })
            .collect();
        model.refs_of.reserve_exact(model.entities.len());
        let mut total = 0;
        for n in counts {
            model.refs_of.push(total..total + n);
            total += n;
        }
        model.refs.reserve_exact(total);
        model.refs.resize_with(total, || Reference {
            from: 0,
            field: RefField::ContributesTo,
            target: CompactString::default(),
            span: Span::default(),
            resolved: None,
        });
        let mut slots: Vec<&mut [Reference]> = Vec::with_capacity(model.entities.len());
        let mut rest = &mut model.refs[..];
        for range in &model.refs_of {
            let (head, tail) = rest.split_at_mut(range.len());
            slots.push(head);
            rest = tail;
        }
        let (entities, by_id) = (&model.entities, &model.by_id);
        slots
            .into_par_iter()
            .with_min_len(MIN_PER_TASK)
            .enumerate()
            .for_each(|(eid, slots)| {
                let entity = &entities[eid];
                let Some(kind) = entity.kind else { return };
                let node = entity.node(ws);
                let found = kind.ref_fields().iter().flat_map(|&field| {
                    ref_values(node, field).into_iter().map(move |v| (field, v))
                });
                for (slot, (field, (target, span))) in slots.iter_mut().zip(found) {
                    *slot = Reference {
                        from: eid,
                        field,
                        resolved: by_id.get(target).copied(),
                        target: target.into(),
                        span,
                    };
                }
            });
        model.canonical = (0..model.entities.len())
            .into_par_iter()
            .with_min_len(MIN_PER_TASK)
            .map(|e| by_id.get(&entities[e].id) == Some(&e))
            .collect();
        // Counted, then placed: each entity's list in `refs` order.
        let mut starts = vec![0; model.entities.len() + 1];
        for t in model.refs.iter().filter_map(|r| r.resolved) {
            starts[t + 1] += 1;
        }
        for e in 0..model.entities.len() {
            starts[e + 1] += starts[e];
        }
        let mut next = starts.clone();
        model.incoming = vec![0; starts[model.entities.len()]];
        for (i, r) in model.refs.iter().enumerate() {
            if let Some(t) = r.resolved {
                model.incoming[next[t]] = i;
                next[t] += 1;
            }
        }
        model.incoming_starts = starts;
        model
    }

    /// The references that name `entity`, in file order of their holders.
    pub fn refs_to(&self, entity: EntityId) -> impl Iterator<Item = &Reference> + '_ {
        let (start, end) = (
            self.incoming_starts[entity],
            self.incoming_starts[entity + 1],
        );
        self.incoming[start..end].iter().map(|&i| &self.refs[i])
    }

    /// The entities that name `entity` in `field`.
    pub fn referrers(
        &self,
        entity: EntityId,
        field: RefField,
    ) -> impl Iterator<Item = EntityId> + '_ {
        self.refs_to(entity)
            .filter(move |r| r.field == field)
            .map(|r| r.from)
    }

    /// Whether `entity` is the one its id resolves to (not a later duplicate).
    pub fn is_canonical(&self, entity: EntityId) -> bool {
        self.canonical[entity]
    }

    pub fn get(&self, id: &str) -> Option<EntityId> {
        self.by_id.get(id).copied()
    }

    /// The entity `id` names, or a message saying none does, with the
    /// closest id.
    pub fn find(&self, id: &str) -> Result<EntityId, String> {
        self.get(id).ok_or_else(|| {
            let hint = crate::suggest::hint(id, self.entities.iter().map(|e| e.id.as_str()));
            format!("no entity has the id `{id}`{hint}")
        })
    }

    /// The entity a document defines, if any.
    pub fn entity_of_doc(&self, doc: usize) -> Option<EntityId> {
        self.entity_of_doc.get(doc).copied().flatten()
    }

    /// The references written on `entity`.
    pub fn refs_from(&self, entity: EntityId) -> &[Reference] {
        &self.refs[self.refs_of[entity].clone()]
    }

    /// The entities `entity` names in `field` that exist and have an allowed kind.
    pub fn targets(
        &self,
        entity: EntityId,
        field: RefField,
    ) -> impl Iterator<Item = EntityId> + '_ {
        self.refs_from(entity)
            .iter()
            .filter(move |r| r.field == field)
            .filter_map(|r| r.resolved)
            .filter(move |&t| {
                self.entities[t]
                    .kind
                    .is_some_and(|k| field.targets().contains(&k))
            })
    }

    /// Whether reference `r` resolves to an entity of a kind its field allows.
    fn fits(&self, r: &Reference) -> Option<EntityId> {
        r.resolved.filter(|&t| {
            self.entities[t]
                .kind
                .is_some_and(|k| r.field.targets().contains(&k))
        })
    }

    /// The entities directly above `e` in the trace (toward the North Star),
    /// each once, in the order of the links.
    pub fn parents(&self, e: EntityId) -> Vec<EntityId> {
        self.neighbours(e, Direction::Up, Direction::Down)
    }

    /// The entities directly below `e` in the trace (what depends on it, and
    /// for a data product its inputs), each once, in the order of the links.
    pub fn children(&self, e: EntityId) -> Vec<EntityId> {
        self.neighbours(e, Direction::Down, Direction::Up)
    }

    /// Targets of `e`'s links that point `out`, then holders of links to `e`
    /// that point `back`.
    fn neighbours(&self, e: EntityId, out: Direction, back: Direction) -> Vec<EntityId> {
        self.neighbour_links(e, out, back).map(|(n, _)| n).collect()
    }

    /// [`Model::neighbours`], each with the field of the first link that
    /// makes it one.
    pub fn neighbour_links(
        &self,
        e: EntityId,
        out: Direction,
        back: Direction,
    ) -> impl Iterator<Item = (EntityId, RefField)> + '_ {
        let forward = self
            .refs_from(e)
            .iter()
            .filter(move |r| r.field.direction() == out)
            .filter_map(|r| Some((self.fits(r)?, r.field)));
        let reverse = self
            .refs_to(e)
            .filter(move |r| r.field.direction() == back && self.fits(r).is_some())
            .map(|r| (r.from, r.field))
            .filter(|&(f, _)| self.entities[f].kind.is_some());
        let mut seen = std::collections::HashSet::new();
        forward
            .chain(reverse)
            .filter(move |&(n, _)| n != e && seen.insert(n))
    }

    /// The contract `id` names, if the workspace has one.
    pub fn contract(&self, id: &str) -> Option<&contract::Contract> {
        self.contract_ids.get(id).map(|&i| &self.contracts[i])
    }

    /// Entities of `kind`, in file order.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = EntityId> + '_ {
        (0..self.entities.len()).filter(move |&e| self.entities[e].is(kind))
    }
}

/// Whether an id is kept for the site's own pages (CONTRACT §1): `index`
/// and `page-<digits>`.
pub fn is_reserved_id(id: &str) -> bool {
    id == "index" || list_page_number(id).is_some()
}

/// The number of a list page's file stem: `page-12` → 12. Digits too many
/// for a `usize` still name a list page (one that is never written).
pub fn list_page_number(stem: &str) -> Option<usize> {
    let digits = stem.strip_prefix("page-")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse().unwrap_or(usize::MAX))
}

/// The ids in `field` of an entity's node, with their spans. Values of the
/// wrong type are skipped here; the schema reports them.
fn ref_values(node: &Node, field: RefField) -> Vec<(&str, Span)> {
    fn one(n: &Node) -> Option<(&str, Span)> {
        // An empty id is the schema's to report, not a broken reference.
        n.as_str().filter(|s| !s.is_empty()).map(|s| (s, n.span))
    }
    let Some(value) = node.get(field.key()) else {
        return Vec::new();
    };
    match field.shape() {
        Shape::One => one(value).into_iter().collect(),
        Shape::List => value
            .as_seq()
            .unwrap_or(&[])
            .iter()
            .filter_map(one)
            .collect(),
        Shape::UsagePatterns => value
            .as_seq()
            .unwrap_or(&[])
            .iter()
            .filter_map(|p| p.get("consumer").and_then(one))
            .collect(),
    }
}

/// `^[a-z0-9]+([-_.][a-z0-9]+)*$`, at most 64 characters.
pub fn is_valid_id(id: &str) -> bool {
    id.len() <= 64
        && !id.is_empty()
        && id.split(['-', '_', '.']).all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_pattern() {
        for ok in ["a", "north-star", "dp.orders_v2", "x1-2"] {
            assert!(is_valid_id(ok), "{ok}");
        }
        for bad in ["", "A", "-a", "a-", "a--b", "a b", "é", &"a".repeat(65)] {
            assert!(!is_valid_id(bad), "{bad}");
        }
    }
}

#[cfg(test)]
mod neighbour_tests {
    use super::*;
    use crate::load::{from_texts, yaml::Limits};

    /// A goal and `n` initiatives, each naming the goal twice (one
    /// initiative per file, in id order).
    fn goal_with_initiatives(n: usize) -> Workspace {
        let mut files = vec![(
            "g.yaml".to_string(),
            "kind: Goal\nid: g\nname: G\n".to_string(),
        )];
        for i in 0..n {
            files.push((
                format!("i{i:03}.yaml"),
                format!("kind: Initiative\nid: i{i:03}\nname: I\ngoals: [g, g]\n"),
            ));
        }
        from_texts(files, Limits::default())
    }

    #[test]
    fn children_are_listed_once_each_in_link_order_past_the_scan_threshold() {
        for n in [3, 31, 32, 33, 100] {
            let ws = goal_with_initiatives(n);
            let model = Model::build(&ws);
            let g = model.get("g").unwrap();
            let children: Vec<&str> = model
                .children(g)
                .into_iter()
                .map(|c| model.entities[c].id.as_str())
                .collect();
            let expected: Vec<String> = (0..n).map(|i| format!("i{i:03}")).collect();
            assert_eq!(children, expected, "{n} initiatives");
            let i = model.get("i000").unwrap();
            assert_eq!(model.parents(i), vec![g], "{n} initiatives");
        }
    }
}
