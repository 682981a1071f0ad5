//! `throughline export dbt-exposures`: the trace written back for dbt, an
//! exposure per Consumer that a traced UseCase names, depending on the
//! models behind the ports it reads, so `dbt docs` shows who reads what and
//! `dbt ls -s +exposure:NAME` selects everything a consumer needs.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::Checked;
use crate::model::{EntityId, Kind, RefField};
use crate::site::Route;

use super::names::named;
use super::{Artifacts, Want};

/// The exported file, and what a user should know about it.
pub struct Exposures {
    /// A dbt properties file (`version: 2`, `exposures:`), as YAML.
    pub yaml: String,
    pub count: usize,
    pub notes: Vec<String>,
}

/// An exposure name dbt accepts (letters, digits and `_`) from an id.
fn exposure_name(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// dbt's exposure `maturity` from a use case's `priority`.
fn maturity(priority: Option<&str>) -> Option<u8> {
    match priority? {
        "must" => Some(3),
        "should" => Some(2),
        "could" => Some(1),
        _ => None,
    }
}

/// The exposures of `checked`, whose workspace has the dbt `artifacts`.
pub fn exposures(checked: &Checked, artifacts: &Artifacts) -> Exposures {
    let ws = &checked.workspace;
    let model = &checked.analysis.model;
    let trace = &checked.analysis.trace;
    let manifest = &artifacts.manifest;
    let mut notes = Vec::new();

    // The models behind each product's ports, as the `ref()` dbt resolves.
    let mut refs_of: BTreeMap<EntityId, BTreeSet<String>> = BTreeMap::new();
    let mut existing: BTreeMap<EntityId, &super::manifest::Node> = BTreeMap::new();
    for n in named(ws, model, manifest) {
        let Ok(node) = n.node else { continue };
        let node = manifest.node(node);
        match n.want {
            Want::Model => {
                // A bare name follows the latest version; a pinned one stays.
                let pinned = n.value != node.name;
                refs_of
                    .entry(n.entity)
                    .or_default()
                    .insert(node.reference(&manifest.project, pinned));
            }
            Want::Exposure => {
                existing.insert(n.entity, node);
            }
            Want::Source => {}
        }
    }

    // Each consumer: the traced use cases naming it, and the products it reads.
    let mut reads: BTreeMap<EntityId, (BTreeSet<EntityId>, BTreeSet<EntityId>)> = BTreeMap::new();
    for uc in model.of_kind(Kind::UseCase) {
        if !model.is_canonical(uc) || !trace.traced[uc] {
            continue;
        }
        let products: Vec<EntityId> = model.targets(uc, RefField::DataProducts).collect();
        for consumer in model.targets(uc, RefField::UseCaseConsumers) {
            let entry = reads.entry(consumer).or_default();
            entry.0.insert(uc);
            entry.1.extend(products.iter().copied());
        }
    }
    // A usage pattern says a consumer reads that product too.
    for dp in model.of_kind(Kind::DataProduct) {
        if !model.is_canonical(dp) || !trace.traced[dp] {
            continue;
        }
        for consumer in model.targets(dp, RefField::UsageConsumer) {
            if let Some(entry) = reads.get_mut(&consumer) {
                entry.1.insert(dp);
            }
        }
    }

    let base = checked.config.site.base_url();
    if base.is_none() {
        notes.push(
            "[site] url is not set: each exposure's url is its page's path within the site; set it to link the published page".into(),
        );
    }
    let mut taken: BTreeMap<String, &str> = BTreeMap::new();
    let mut exposures = Vec::new();
    for (&consumer, (use_cases, products)) in &reads {
        let c = &model.entities[consumer];
        let node = c.node(ws);
        let mut name = exposure_name(&c.id);
        if let Some(other) = taken.get(&name) {
            let mut n = 2;
            while taken.contains_key(&format!("{name}_{n}")) {
                n += 1;
            }
            notes.push(format!(
                "`{}` and `{other}` both make the exposure name `{name}`: `{}` is exported as `{name}_{n}`",
                c.id, c.id
            ));
            name = format!("{name}_{n}");
        }
        taken.insert(name.clone(), &c.id);

        let depends_on: BTreeSet<&String> = products
            .iter()
            .filter_map(|p| refs_of.get(p))
            .flatten()
            .collect();
        let first_uc = &model.entities[*use_cases.iter().next().expect("a use case")];
        let owner_text = node
            .get_str("owner")
            .or_else(|| first_uc.node(ws).get_str("owner"));
        let mut owner = Map::new();
        match owner_text {
            Some(o) if o.contains('@') => {
                owner.insert("email".into(), json!(o));
            }
            Some(o) => {
                owner.insert("name".into(), json!(o));
            }
            None => {
                owner.insert("name".into(), json!(node.get_str("name").unwrap_or(&c.id)));
            }
        }
        let kind = existing
            .get(&consumer)
            .and_then(|e| e.exposure.as_ref()?.exposure_type.clone())
            .unwrap_or_else(|| {
                match node.get_str("type") {
                    Some("system") => "application",
                    _ => "analysis",
                }
                .to_string()
            });
        let path = Route::Entity(Kind::Consumer, &c.id).path();
        let url = match &base {
            Some(base) => format!("{base}{path}"),
            None => path,
        };
        let uc_ids: Vec<&str> = use_cases
            .iter()
            .map(|&u| model.entities[u].id.as_str())
            .collect();
        let mut description = node.get_str("description").unwrap_or("").trim().to_string();
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        let quoted = |ids: &mut dyn Iterator<Item = &str>| {
            ids.map(|u| format!("`{u}`")).collect::<Vec<_>>().join(", ")
        };
        description.push_str(&format!(
            "A consumer in the throughline trace: use cases {}; reads {}.",
            quoted(&mut uc_ids.iter().copied()),
            quoted(&mut products.iter().map(|&p| model.entities[p].id.as_str()))
        ));
        let mut e = Map::new();
        e.insert("name".into(), json!(name));
        e.insert("label".into(), json!(node.get_str("name").unwrap_or(&c.id)));
        e.insert("type".into(), json!(kind));
        if let Some(m) = use_cases
            .iter()
            .filter_map(|&u| maturity(model.entities[u].node(ws).get_str("priority")))
            .max()
        {
            let m = ["low", "medium", "high"][usize::from(m) - 1];
            e.insert("maturity".into(), json!(m));
        }
        e.insert("url".into(), json!(url));
        e.insert("description".into(), json!(description));
        e.insert("owner".into(), Value::Object(owner));
        e.insert(
            "depends_on".into(),
            Value::Array(depends_on.into_iter().map(|r| json!(r)).collect()),
        );
        let mut meta = Map::new();
        meta.insert("id".into(), json!(c.id.as_str()));
        meta.insert("use_cases".into(), json!(uc_ids));
        meta.insert(
            "data_products".into(),
            json!(
                products
                    .iter()
                    .map(|&p| model.entities[p].id.as_str())
                    .collect::<Vec<_>>()
            ),
        );
        if let Some(ex) = existing.get(&consumer) {
            meta.insert("dbt".into(), json!(ex.unique_id));
        }
        e.insert("meta".into(), json!({ "throughline": meta }));
        exposures.push(Value::Object(e));
    }
    let count = exposures.len();
    let doc = json!({ "version": 2, "exposures": exposures });
    let yaml = format!(
        "# Written by `throughline export dbt-exposures`: the consumers of the\n# throughline trace, for dbt. Do not edit; export again instead.\n{}",
        crate::interop::yaml::to_yaml(&doc)
    );
    Exposures { yaml, count, notes }
}
