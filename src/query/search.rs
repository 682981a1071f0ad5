//! Entities that match a few words, best first: the scoring the site's
//! search box uses (`templates/static/search.js`), over the whole text of
//! each entity's description rather than the site's 200-character summary.

use std::cmp::Reverse;

use crate::model::{EntityId, Kind};

use super::Query;

/// What to look for.
#[derive(Debug, Clone, Default)]
pub struct Search<'s> {
    /// Words, each of which must occur (case-insensitive) in the entity's
    /// id, name, kind or description.
    pub query: &'s str,
    /// Only entities of this kind.
    pub kind: Option<Kind>,
    /// Only entities whose `status` is this (case-insensitive).
    pub status: Option<&'s str>,
}

/// The entities that match, best first, then by name; at most `limit`, and
/// how many matched in all.
pub fn search(q: &Query, s: &Search, limit: usize) -> (Vec<EntityId>, usize) {
    let terms: Vec<String> = s.query.split_whitespace().map(str::to_lowercase).collect();
    let status = s.status.map(str::to_lowercase);
    let mut hits: Vec<(usize, String, EntityId)> = (0..q.model.entities.len())
        .filter(|&e| q.model.is_canonical(e))
        .filter(|&e| {
            let entity = &q.model.entities[e];
            entity.kind.is_some() && s.kind.is_none_or(|k| entity.kind == Some(k))
        })
        .filter(|&e| {
            status.as_ref().is_none_or(|want| {
                q.node(e)
                    .get_str("status")
                    .is_some_and(|have| have.to_lowercase() == *want)
            })
        })
        .filter_map(|e| {
            let score = score(q, e, &terms)?;
            Some((score, q.name(e).to_lowercase(), e))
        })
        .collect();
    let total = hits.len();
    hits.sort_by(|a, b| Reverse(a.0).cmp(&Reverse(b.0)).then_with(|| a.1.cmp(&b.1)));
    hits.truncate(limit);
    (hits.into_iter().map(|(_, _, e)| e).collect(), total)
}

/// How well `e` matches every term (`None`: it misses one). No terms match
/// every entity equally.
fn score(q: &Query, e: EntityId, terms: &[String]) -> Option<usize> {
    let id = q.model.entities[e].id.as_str();
    let id_lower = id.to_lowercase();
    let name = q.name(e).to_lowercase();
    let node = q.node(e);
    let description = node
        .get_str("description")
        .or_else(|| node.get_str("statement"))
        .or_else(|| node.get_str("vision"))
        .unwrap_or("")
        .to_lowercase();
    let text = format!(
        "{name} {id_lower} {} {description}",
        q.kind_label(e).to_lowercase()
    );
    let mut score = 0;
    for term in terms {
        if !text.contains(term.as_str()) {
            return None;
        }
        if id_lower == *term {
            score += 100;
        }
        if name.starts_with(term.as_str()) || id_lower.starts_with(term.as_str()) {
            score += 10;
        }
        if name.contains(term.as_str()) || id_lower.contains(term.as_str()) {
            score += 5;
        }
        score += 1;
    }
    Some(score)
}
