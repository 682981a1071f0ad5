//! `throughline export backstage` (CONTRACT §13): the trace as Backstage
//! catalog descriptors (`backstage.io/v1alpha1`, one YAML stream).
//!
//! Backstage has no kind for a data product; teams model one as a
//! Component with APIs, and so does this export:
//!
//! | throughline | Backstage |
//! |---|---|
//! | a DataProduct `domain` | a `Domain`, and a `System` of the same name in it |
//! | a DataProduct | a `Component` (`type: data-product`) in its domain's System, `dependsOn` its inputs, `providesApis` its ports, `consumesApis` the ports of the products it reads |
//! | an output port | an `API` (`type: odcs` with the ODCS contract as `definition`, else `data-port`) |
//! | a Source | a `Resource` (`type: data-source`) |
//!
//! Names are made valid Backstage names deterministically; two entities
//! whose names collide are both kept, the later one with a suffix, and a
//! note says so. Every relation names an entity of the export.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value, json};

use crate::Checked;
use crate::load::yaml::Node;
use crate::model::{EntityId, Kind, RefField};
use crate::site::Route;

/// The exported stream, and what a user should know about it.
pub struct Descriptors {
    pub yaml: String,
    /// Entities written, by Backstage kind.
    pub counts: BTreeMap<&'static str, usize>,
    pub notes: Vec<String>,
}

/// The longest Backstage name.
const MAX_NAME: usize = 63;

fn is_separator(c: char) -> bool {
    matches!(c, '-' | '_' | '.')
}

/// A valid Backstage name from `text`: lower case, characters outside
/// `[a-z0-9-_.]` made `-`, runs of separators cut to one, none at either
/// end, at most 63 characters (a longer one keeps its first 54 and a hash
/// of the whole text).
pub fn name(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() || is_separator(c) {
            c
        } else {
            '-'
        };
        if is_separator(c) && (out.is_empty() || out.ends_with(is_separator)) {
            continue;
        }
        out.push(c);
    }
    while out.ends_with(is_separator) {
        out.pop();
    }
    if out.is_empty() {
        out.push('x');
    }
    if out.len() > MAX_NAME {
        let hash = crate::hash::content_hash(text.as_bytes());
        out.truncate(54);
        while out.ends_with(is_separator) {
            out.pop();
        }
        out = format!("{out}-{:08x}", hash as u32);
    }
    out
}

/// A Backstage tag (`^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$`, at most 63
/// characters) from a spec's tag, or `None` when nothing is left.
fn tag(text: &str) -> Option<String> {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        let keep = c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, ':' | '+' | '#');
        if keep {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out.truncate(MAX_NAME);
    while out.ends_with('-') {
        out.pop();
    }
    (!out.is_empty()).then_some(out)
}

/// An owner reference: `user:`/`group:` kept, anything else a group.
fn owner_ref(owner: &str) -> String {
    match owner.split_once(':') {
        Some((kind @ ("user" | "group"), rest)) if !rest.is_empty() => {
            format!("{kind}:{}", name(rest))
        }
        _ => format!("group:{}", name(owner)),
    }
}

/// Hands out unique names per Backstage kind, noting collisions.
#[derive(Default)]
struct Names {
    taken: HashMap<(&'static str, String), String>,
    notes: Vec<String>,
}

impl Names {
    /// The name of `what` (shown in notes) of `kind` made from `text`.
    fn give(&mut self, kind: &'static str, text: &str, what: &str) -> String {
        let base = name(text);
        let mut candidate = base.clone();
        let mut n = 2;
        while let Some(other) = self.taken.get(&(kind, candidate.clone())) {
            if n == 2 {
                self.notes.push(format!(
                    "{what} and {other} both make the Backstage {kind} name `{base}`"
                ));
            }
            let suffix = format!("-{n}");
            let mut stem = base.clone();
            stem.truncate(MAX_NAME - suffix.len());
            while stem.ends_with(is_separator) {
                stem.pop();
            }
            candidate = format!("{stem}{suffix}");
            n += 1;
        }
        if n > 2 {
            let last = self.notes.last_mut().expect("a note");
            last.push_str(&format!(": {what} is exported as `{candidate}`"));
        }
        self.taken
            .insert((kind, candidate.clone()), what.to_string());
        candidate
    }
}

fn lifecycle(status: Option<&str>) -> &'static str {
    match status {
        Some("proposed" | "development") => "experimental",
        Some("deprecated" | "retired") => "deprecated",
        _ => "production",
    }
}

/// The first paragraph of a Markdown description, on one line.
fn short(description: Option<&str>) -> Option<String> {
    let first = description?.trim().split("\n\n").next()?;
    let line = first.split_whitespace().collect::<Vec<_>>().join(" ");
    (!line.is_empty()).then_some(line)
}

struct Metadata<'a> {
    name: String,
    title: Option<&'a str>,
    description: Option<String>,
    id: Option<&'a str>,
    annotations: Vec<(&'static str, String)>,
    tags: Vec<String>,
    link: Option<String>,
}

impl Metadata<'_> {
    fn json(self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        if let Some(t) = self.title {
            m.insert("title".into(), json!(t));
        }
        if let Some(d) = self.description {
            m.insert("description".into(), json!(d));
        }
        let mut annotations = Map::new();
        if let Some(id) = self.id {
            annotations.insert("throughline.dev/id".into(), json!(id));
        }
        for (k, v) in self.annotations {
            annotations.insert(k.into(), json!(v));
        }
        if !annotations.is_empty() {
            m.insert("annotations".into(), Value::Object(annotations));
        }
        if !self.tags.is_empty() {
            m.insert("tags".into(), json!(self.tags));
        }
        if let Some(url) = self.link {
            m.insert(
                "links".into(),
                json!([{ "url": url, "title": "Trace in throughline", "icon": "docs" }]),
            );
        }
        Value::Object(m)
    }
}

fn entity(kind: &str, metadata: Value, spec: Map<String, Value>) -> Value {
    json!({
        "apiVersion": "backstage.io/v1alpha1",
        "kind": kind,
        "metadata": metadata,
        "spec": Value::Object(spec),
    })
}

fn tags_of(node: &Node) -> Vec<String> {
    let mut tags: Vec<String> = node
        .get("tags")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::as_str)
        .filter_map(tag)
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

/// The descriptors of `checked`.
pub fn descriptors(checked: &Checked) -> Descriptors {
    let ws = &checked.workspace;
    let model = &checked.analysis.model;
    let trace = &checked.analysis.trace;
    let base = checked.config.site.base_url();
    let link = |kind: Kind, id: &str| {
        base.as_ref()
            .map(|b| format!("{b}{}", Route::Entity(kind, id).path()))
    };
    let mut names = Names::default();
    let canonical = |kind| {
        let mut ids: Vec<EntityId> = model
            .of_kind(kind)
            .filter(|&e| model.is_canonical(e))
            .collect();
        ids.sort_by(|&a, &b| model.entities[a].id.cmp(&model.entities[b].id));
        ids
    };
    let products = canonical(Kind::DataProduct);
    let sources = canonical(Kind::Source);

    // Names first, so every relation can name its target.
    let mut domains: BTreeMap<String, Vec<EntityId>> = BTreeMap::new();
    for &p in &products {
        let domain = model.entities[p]
            .node(ws)
            .get_str("domain")
            .unwrap_or("default");
        domains.entry(domain.to_string()).or_default().push(p);
    }
    let domain_names: BTreeMap<&str, String> = domains
        .keys()
        .map(|d| {
            (
                d.as_str(),
                names.give("Domain", d, &format!("domain `{d}`")),
            )
        })
        .collect();
    let component: HashMap<EntityId, String> = products
        .iter()
        .map(|&p| {
            let id = &model.entities[p].id;
            (
                p,
                names.give("Component", id, &format!("data product `{id}`")),
            )
        })
        .collect();
    let resource: HashMap<EntityId, String> = sources
        .iter()
        .map(|&s| {
            let id = &model.entities[s].id;
            (s, names.give("Resource", id, &format!("source `{id}`")))
        })
        .collect();
    let mut apis: HashMap<EntityId, Vec<(String, &Node)>> = HashMap::new();
    for &p in &products {
        let e = &model.entities[p];
        for port in e
            .node(ws)
            .get("outputPorts")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
        {
            let port_name = port.get_str("name").unwrap_or("port");
            let api = names.give(
                "API",
                &format!("{}-{port_name}", e.id),
                &format!("port `{port_name}` of `{}`", e.id),
            );
            apis.entry(p).or_default().push((api, port));
        }
    }
    let owner_of = |e: EntityId| model.entities[e].node(ws).get_str("owner").map(owner_ref);

    let mut out: Vec<Value> = Vec::new();
    let mut notes = Vec::new();
    // Domains and their Systems: owned by the owner of most of their products.
    for (domain, members) in &domains {
        let mut owners: BTreeMap<String, usize> = BTreeMap::new();
        for &p in members {
            if let Some(o) = owner_of(p) {
                *owners.entry(o).or_default() += 1;
            }
        }
        let owner = owners
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(o, _)| o.clone())
            .unwrap_or_else(|| "group:unknown".into());
        let dn = &domain_names[domain.as_str()];
        // A domain has no spec of its own: its id is the `domain` value, and
        // its page the list of data products.
        let meta = |what: &str| Metadata {
            name: dn.clone(),
            title: Some(domain),
            description: Some(format!(
                "{what} of the data products of the `{domain}` domain in the throughline trace."
            )),
            id: Some(domain),
            annotations: vec![("throughline.dev/domain", domain.clone())],
            tags: Vec::new(),
            link: base
                .as_ref()
                .map(|b| format!("{b}{}", Route::List(Kind::DataProduct, 1).path())),
        };
        let mut spec = Map::new();
        spec.insert("owner".into(), json!(owner));
        out.push(entity("Domain", meta("The domain").json(), spec.clone()));
        spec.insert("domain".into(), json!(dn));
        out.push(entity("System", meta("The system").json(), spec));
    }
    for &p in &products {
        let e = &model.entities[p];
        let node = e.node(ws);
        let owner = owner_of(p).unwrap_or_else(|| "group:unknown".into());
        let life = lifecycle(node.get_str("status"));
        let domain = node.get_str("domain").unwrap_or("default");
        let system = domain_names[domain].clone();
        let mut depends = BTreeSet::new();
        let mut consumes = BTreeSet::new();
        for input in model.targets(p, RefField::Inputs) {
            if let Some(r) = resource.get(&input) {
                depends.insert(format!("resource:{r}"));
            } else if let Some(c) = component.get(&input) {
                depends.insert(format!("component:{c}"));
                for (api, _) in apis.get(&input).map(Vec::as_slice).unwrap_or(&[]) {
                    consumes.insert(format!("api:{api}"));
                }
            }
        }
        let (goals, _) = crate::query::impact::reach(model, &[p], true);
        let mut goals: Vec<&str> = goals
            .into_iter()
            .filter(|&g| model.entities[g].is(Kind::Goal))
            .map(|g| model.entities[g].id.as_str())
            .collect();
        goals.sort_unstable();
        let mut annotations = vec![
            ("throughline.dev/kind", "DataProduct".to_string()),
            ("throughline.dev/traced", trace.traced[p].to_string()),
        ];
        if let Some(t) = node.get_str("type") {
            annotations.push(("throughline.dev/type", t.to_string()));
        }
        if !goals.is_empty() {
            annotations.push(("throughline.dev/goals", goals.join(",")));
        }
        let meta = Metadata {
            name: component[&p].clone(),
            title: node.get_str("name"),
            description: short(node.get_str("description")),
            id: Some(&e.id),
            annotations,
            tags: tags_of(node),
            link: link(Kind::DataProduct, &e.id),
        };
        let mut spec = Map::new();
        spec.insert("type".into(), json!("data-product"));
        spec.insert("lifecycle".into(), json!(life));
        spec.insert("owner".into(), json!(owner));
        spec.insert("system".into(), json!(system));
        let provided: Vec<String> = apis
            .get(&p)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|(a, _)| format!("api:{a}"))
            .collect();
        if !provided.is_empty() {
            spec.insert("providesApis".into(), json!(provided));
        }
        if !consumes.is_empty() {
            spec.insert("consumesApis".into(), json!(consumes));
        }
        if !depends.is_empty() {
            spec.insert("dependsOn".into(), json!(depends));
        }
        out.push(entity("Component", meta.json(), spec));

        for (api, port) in apis.get(&p).map(Vec::as_slice).unwrap_or(&[]) {
            let port_name = port.get_str("name").unwrap_or("port");
            let contract = port.get_str("contractId").and_then(|c| model.contract(c));
            let (kind, definition) = match contract {
                Some(c) => ("odcs", crate::interop::yaml::to_yaml(&c.node(ws).to_json())),
                None => {
                    let mut d = Map::new();
                    d.insert("name".into(), json!(port_name));
                    for key in ["type", "description", "contractId", "dbt"] {
                        if let Some(v) = port.get_str(key) {
                            d.insert(key.into(), json!(v));
                        }
                    }
                    if let Some(ds) = port.get("dataset") {
                        d.insert("dataset".into(), ds.to_json());
                    }
                    (
                        "data-port",
                        crate::interop::yaml::to_yaml(&Value::Object(d)),
                    )
                }
            };
            let mut annotations = vec![("throughline.dev/port", port_name.to_string())];
            if let Some(c) = port.get_str("contractId") {
                annotations.push(("throughline.dev/contract", c.to_string()));
            }
            let meta = Metadata {
                name: api.clone(),
                title: Some(port_name),
                description: short(port.get_str("description")),
                id: Some(&e.id),
                annotations,
                tags: Vec::new(),
                link: link(Kind::DataProduct, &e.id),
            };
            let mut spec = Map::new();
            spec.insert("type".into(), json!(kind));
            spec.insert("lifecycle".into(), json!(life));
            spec.insert("owner".into(), json!(owner));
            spec.insert("system".into(), json!(system));
            spec.insert("definition".into(), json!(definition));
            out.push(entity("API", meta.json(), spec));
        }
    }
    for &s in &sources {
        let e = &model.entities[s];
        let node = e.node(ws);
        // A Source without an owner is owned by the first product reading it.
        let owner = owner_of(s)
            .or_else(|| {
                let mut readers: Vec<EntityId> = model
                    .referrers(s, RefField::Inputs)
                    .collect();
                readers.sort_by(|&a, &b| model.entities[a].id.cmp(&model.entities[b].id));
                readers.into_iter().find_map(owner_of)
            })
            .unwrap_or_else(|| {
                notes.push(format!(
                    "source `{}` has no owner and no product reads it: its Resource is owned by `group:unknown`",
                    e.id
                ));
                "group:unknown".into()
            });
        let mut annotations = vec![("throughline.dev/kind", "Source".to_string())];
        if let Some(system) = node.get_str("system") {
            annotations.push(("throughline.dev/system", system.to_string()));
        }
        if let Some(sens) = node.get_str("sensitivity") {
            annotations.push(("throughline.dev/sensitivity", sens.to_string()));
        }
        let meta = Metadata {
            name: resource[&s].clone(),
            title: node.get_str("name"),
            description: short(node.get_str("description")),
            id: Some(&e.id),
            annotations,
            tags: tags_of(node),
            link: link(Kind::Source, &e.id),
        };
        let mut spec = Map::new();
        spec.insert("type".into(), json!("data-source"));
        spec.insert("owner".into(), json!(owner));
        out.push(entity("Resource", meta.json(), spec));
    }
    if base.is_none() {
        notes.push("[site] base-url is not set: the entities carry no link to their page".into());
    }
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for kind in ["API", "Component", "Domain", "Resource", "System"] {
        let n = out.iter().filter(|e| e["kind"] == kind).count();
        if n > 0 {
            counts.insert(kind, n);
        }
    }
    let mut notes_all = names.notes;
    notes_all.extend(notes);
    let mut yaml = String::from(
        "# Written by `throughline export backstage`: the data products of the\n# throughline trace as Backstage catalog entities. Do not edit; export again instead.\n",
    );
    for (i, e) in out.iter().enumerate() {
        if i > 0 {
            yaml.push_str("---\n");
        }
        yaml.push_str(&crate::interop::yaml::to_yaml(e));
    }
    Descriptors {
        yaml,
        counts,
        notes: notes_all,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_valid_backstage_names() {
        assert_eq!(name("orders"), "orders");
        assert_eq!(name("Daily Orders (v2)"), "daily-orders-v2");
        assert_eq!(name("--a__b..c--"), "a_b.c");
        assert_eq!(name("Ünïcode"), "n-code");
        assert_eq!(name("!!!"), "x");
        let long = name(&"a".repeat(80));
        assert_eq!(long.len(), 63);
        assert_ne!(long, name(&"a".repeat(81)), "a hash keeps long names apart");
        assert!(
            long.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        );
    }

    #[test]
    fn collisions_are_numbered_and_noted() {
        let mut n = Names::default();
        assert_eq!(n.give("API", "orders-Daily", "port a"), "orders-daily");
        assert_eq!(n.give("API", "orders daily", "port b"), "orders-daily-2");
        assert_eq!(
            n.give("Component", "orders-daily", "product"),
            "orders-daily"
        );
        assert_eq!(n.notes.len(), 1);
        assert!(
            n.notes[0].contains("port b is exported as `orders-daily-2`"),
            "{}",
            n.notes[0]
        );
    }

    #[test]
    fn tags_and_owners() {
        assert_eq!(tag("Customer 360").as_deref(), Some("customer-360"));
        assert_eq!(tag("   "), None);
        assert_eq!(owner_ref("Sales data team"), "group:sales-data-team");
        assert_eq!(owner_ref("user:Jane.Doe"), "user:jane.doe");
    }
}
