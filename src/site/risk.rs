//! The overview's part on dbt: what failed behind an output port in the
//! last run, under the goals it puts at risk (CONTRACT §11).

use serde::Serialize;

use super::view::{Ref, SiteModel};
use crate::model::EntityId;

/// One failure of dbt's last run on the overview.
#[derive(Serialize)]
struct Failing {
    product: Ref,
    port: String,
    resource_type: &'static str,
    name: String,
    status: String,
    class: &'static str,
}

/// The failures under one goal (`None`: under no goal).
#[derive(Serialize)]
struct AtRisk {
    goal: Option<Ref>,
    failures: Vec<Failing>,
}

#[derive(Serialize)]
pub(super) struct DbtRisk {
    run_at: Option<String>,
    goals: Vec<AtRisk>,
}

/// What failed in dbt's last run, under the goals it puts at risk; `None`
/// without run results.
pub(super) fn dbt_risk(site: &SiteModel) -> Option<DbtRisk> {
    let artifacts = site.ws.dbt.as_deref()?;
    let results = artifacts.run_results.as_ref()?;
    let risks = crate::dbt::risk::at_risk(site.ws, site.model, artifacts);
    let mut goals: Vec<AtRisk> = Vec::new();
    for r in &risks {
        let Some(product) = site.model.get(&r.data_product) else {
            continue;
        };
        let keys: Vec<Option<EntityId>> = if r.goals.is_empty() {
            vec![None]
        } else {
            r.goals.iter().map(|g| site.model.get(g)).collect()
        };
        for key in keys {
            let goal = key.map(|g| site.entity_ref(g));
            let at = match goals
                .iter()
                .position(|a| a.goal.as_ref().map(|g| &g.id) == goal.as_ref().map(|g| &g.id))
            {
                Some(i) => i,
                None => {
                    goals.push(AtRisk {
                        goal,
                        failures: Vec::new(),
                    });
                    goals.len() - 1
                }
            };
            goals[at].failures.push(Failing {
                product: site.entity_ref(product),
                port: r.port.clone(),
                resource_type: r.resource_type,
                name: r.name.clone(),
                status: r.status.clone(),
                class: if r.status == "warn" {
                    "warning"
                } else {
                    "error"
                },
            });
        }
    }
    goals.sort_by_key(|a| a.goal.is_none());
    Some(DbtRisk {
        run_at: results.generated_at.clone(),
        goals,
    })
}
