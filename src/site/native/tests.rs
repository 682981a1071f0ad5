//! The native pages against the templates they stand in for.

use std::path::{Path, PathBuf};

use super::*;
use crate::site::view::{Cell, Group, Outcome, PortContract, SiteModel, Table};
use crate::site::{Prepared, pages};

/// Every fixture, and the example.
pub(super) fn workspaces() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("tests/fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.push(root.join("example-spec"));
    dirs
}

/// Changes to a view that reach the branches the workspaces may not:
/// each is applied on top of the ones before it.
fn variations() -> Vec<fn(&mut EntityView)> {
    vec![
        |_| {},
        |v| {
            v.change = Some("changed");
            v.edit_url = Some("https://example.com/edit?a=1&b=<2>".into());
            v.owner = Some("O'Brien & \"co\"".into());
            v.status = Some(String::new());
            v.tags = vec!["a<b".into(), "c".into()];
            v.outcome = Some(Outcome::of(crate::outcomes::Status::AtRisk));
            v.entity.traced = !v.entity.traced;
            v.suspect = vec![crate::site::review::SuspectMark {
                parent: v.entity.clone(),
                field: "a<b>".into(),
                changed: vec!["x&y".into(), "z".into()],
            }];
            v.below = 1;
        },
        |v| {
            v.suspect.push(crate::site::review::SuspectMark {
                parent: v.entity.clone(),
                field: "inputs".into(),
                changed: Vec::new(),
            });
            v.below = 0;
        },
        |v| {
            v.description = Some(String::new());
            v.evidence = Some("<p>seen</p>".into());
            v.evidence_charts = vec!["<svg></svg>".into()];
            v.goal = v.chain.first().cloned();
            v.charts = vec!["<figure>1</figure>".into(), "<figure>2</figure>".into()];
            v.fields.push(("Odd & <name>".into(), "it's".into()));
            v.tables.push(Table {
                title: "Usage".into(),
                columns: vec!["A".into(), "B".into()],
                rows: vec![vec![
                    Cell {
                        text: "x".into(),
                        path: Some("goals/g.html".into()),
                    },
                    Cell {
                        text: "<y>".into(),
                        path: Some(String::new()),
                    },
                ]],
            });
            v.links.push(Group {
                label: "Many",
                items: v.chain.clone(),
                more: 3,
            });
            for (i, value) in [
                None,
                Some(f64::NAN),
                Some(-12.5),
                Some(150.0),
                Some(0.1 + 0.2),
            ]
            .into_iter()
            .enumerate()
            {
                v.progress.push(Progress {
                    name: format!("indicator {i}"),
                    unit: if i % 2 == 0 {
                        String::new()
                    } else {
                        "%".into()
                    },
                    baseline: value,
                    current: value,
                    target: value.map(|x| x * 2.0),
                    direction: if i % 2 == 0 { "decrease" } else { "increase" }.into(),
                    by: (i == 1).then(|| "2027-01-01".into()),
                    percent: value,
                    bar: value.map(|x| x.clamp(0.0, 100.0)),
                    timeframe: (i == 2).then(|| "quarter".into()),
                    definition: (i == 3).then(|| "share of <orders>".into()),
                });
            }
        },
        |v| {
            v.goal = Some(Ref {
                id: "gone".into(),
                name: String::new(),
                kind: "Goal",
                kind_label: "Goal",
                path: None,
                traced: false,
            });
            let column = |name: &str, personal: bool, classification: Option<&str>| {
                crate::model::contract::Column {
                    name: name.into(),
                    logical_type: (!personal).then(|| "string".into()),
                    physical_type: personal.then(|| "varchar".into()),
                    description: None,
                    classification: classification.map(Into::into),
                    personal,
                    primary_key: personal,
                    required: !personal,
                    quality: vec![
                        crate::model::contract::Quality {
                            what: "not null".into(),
                            dimension: Some("completeness".into()),
                            severity: None,
                        },
                        crate::model::contract::Quality {
                            what: "unique".into(),
                            dimension: None,
                            severity: None,
                        },
                    ],
                }
            };
            let found = PortContract {
                port: "orders".into(),
                id: "orders-contract".into(),
                found: true,
                version: Some("1.0.0".into()),
                status: Some("active".into()),
                name: None,
                purpose: Some("Orders & returns".into()),
                file: Some("contracts/orders.yaml".into()),
                line: Some(3),
                tables: vec![crate::model::contract::Table {
                    name: "orders".into(),
                    physical_type: Some("table".into()),
                    description: Some("one row an order".into()),
                    columns: vec![
                        column("email", true, Some("pii")),
                        column("id", false, None),
                        column("phone", true, None),
                        column("region", false, Some("public")),
                    ],
                    quality: vec![crate::model::contract::Quality {
                        what: "rows > 0".into(),
                        dimension: Some("volume".into()),
                        severity: None,
                    }],
                }],
                slas: vec![crate::model::contract::Sla {
                    property: "latency".into(),
                    value: "4 d".into(),
                    element: Some("orders.id".into()),
                    driver: None,
                    seconds: None,
                    span: Default::default(),
                }],
            };
            let missing = PortContract {
                port: "returns".into(),
                id: "nowhere".into(),
                found: false,
                version: None,
                status: None,
                name: Some("Returns".into()),
                purpose: None,
                file: None,
                line: None,
                tables: Vec::new(),
                slas: Vec::new(),
            };
            v.contracts.push(found);
            v.contracts.push(missing);
            v.impact = "<ul class=\"tree\"></ul>".into();
            v.serves = String::new();
        },
    ]
}

/// Calls `f` with the site of every workspace that checks, prepared
/// twice: as `build` renders it, and with `serve`'s live-reload script.
pub(super) fn each_site(mut f: impl FnMut(&Path, &Prepared, &SiteModel, &Shells)) {
    let today = crate::model::time::Date::from_days_since_epoch(20_400);
    for dir in workspaces() {
        let Ok(checked) = crate::check_dir_lean_excluding(&dir, today, &[]) else {
            continue;
        };
        let (ws, analysis, config) = (&checked.workspace, &checked.analysis, &checked.config);
        let plain = Prepared::new(ws, analysis, config, &dir).unwrap();
        assert!(plain.native && plain.native_lists, "{}", dir.display());
        let live = Prepared::new(ws, analysis, config, &dir)
            .unwrap()
            .with_live_reload("/_live.js");
        for prepared in [&plain, &live] {
            let site = SiteModel::new(ws, analysis, config).for_every_page();
            f(&dir, prepared, &site, &Shells::default());
        }
    }
}

#[test]
fn the_native_entity_page_is_the_template_s() {
    let mut compared = 0;
    each_site(|dir, prepared, site, shells| {
        for e in site.pages() {
            let (mut v, graph) = pages::entity_view(site, e);
            for vary in variations() {
                vary(&mut v);
                let render = |shells| {
                    pages::render_entity(
                        &prepared.tera,
                        &prepared.common,
                        shells,
                        &v,
                        &graph,
                        "page.html",
                    )
                    .unwrap()
                };
                let (by_tera, native) = (render(None), render(Some(shells)));
                assert_eq!(native, by_tera, "{} {}", dir.display(), v.entity.id);
                compared += 1;
            }
        }
    });
    assert!(compared > 400, "{compared} pages compared");
}
