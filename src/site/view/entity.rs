//! The view of one entity's page: its fields, links, findings, contracts.

use super::*;

impl<'a> SiteModel<'a> {
    /// [`SiteModel::entity`] without the summary.
    pub fn entity_unsummarized(&self, e: EntityId) -> EntityView {
        let entity = &self.model.entities[e];
        let node = self.node(e);
        let kind = entity.kind.unwrap_or(Kind::Source);
        let file = &self.ws.files[entity.file];
        let description = node.get_str("description");
        // The latest observation is an indicator's current value.
        let measured: Vec<&crate::outcomes::Indicator> = self.analysis.outcomes.of(e).collect();
        let mut progress = Vec::new();
        if let Some(metric) = node.get("metric") {
            progress.push(progress_of(
                metric,
                measured.first().and_then(|i| i.value()),
            ));
        }
        let items = node
            .get("successIndicators")
            .and_then(Node::as_seq)
            .unwrap_or(&[]);
        for indicator in items {
            let value = measured
                .iter()
                .find(|i| i.name_span == indicator.get("name").map_or(indicator.span, |n| n.span))
                .and_then(|i| i.value());
            progress.push(progress_of(indicator, value));
        }
        let ref_keys: HashSet<&str> = kind.ref_fields().iter().map(|f| f.key()).collect();
        let mut fields = Vec::new();
        let mut tables = Vec::new();
        for entry in node.as_map().unwrap_or(&[]) {
            let key = entry.key.as_str();
            if SHOWN_APART.contains(&key) || (ref_keys.contains(key) && key != "usagePatterns") {
                continue;
            }
            match table_of(&entry.value) {
                Some((columns, rows)) => {
                    let link_column = (key == "usagePatterns")
                        .then(|| columns.iter().position(|c| c == "Consumer"))
                        .flatten();
                    let rows = rows
                        .into_iter()
                        .map(|row| {
                            row.into_iter()
                                .enumerate()
                                .map(|(i, text)| {
                                    // A consumer's id shows as its name, linked.
                                    let target = (Some(i) == link_column)
                                        .then(|| self.model.get(&text))
                                        .flatten()
                                        .filter(|&t| self.path(t).is_some());
                                    match target {
                                        Some(t) => {
                                            let r = self.entity_ref(t);
                                            Cell {
                                                text: r.name,
                                                path: r.path,
                                            }
                                        }
                                        None => Cell { text, path: None },
                                    }
                                })
                                .collect()
                        })
                        .collect();
                    tables.push(Table {
                        title: title_case(key),
                        columns,
                        rows,
                    })
                }
                None => fields.push((title_case(key), text_of(&entry.value))),
            }
        }
        let findings = self
            .analysis
            .diagnostics
            .iter()
            .filter(|d| d.doc == Some(entity.doc))
            .map(|d| self.finding(d))
            .collect();
        let (suspect, below) = crate::site::review::marks(self, e);
        let doc_span = node.span;
        let first = doc_span.start.line();
        let last = doc_span.end.line().max(first).min(file.line_count());
        // `build` checks lean: the text is read back for the page.
        let source = match file.read_back() {
            Some(text) => (first..=last)
                .map(|n| SourceLine {
                    n,
                    text: file.line_text_in(&text, n).to_string(),
                })
                .collect(),
            None => Vec::new(),
        };
        EntityView {
            entity: self.entity_ref(e),
            dir: kind.dir(),
            owner: node.get_str("owner").map(str::to_string),
            status: node.get_str("status").map(str::to_string),
            tags: node
                .get("tags")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .map(text_of)
                .collect(),
            summary: String::new(),
            description: description.map(markdown::render),
            evidence: node.get_str("evidence").map(markdown::render),
            fields,
            progress,
            charts: self.charts(e),
            evidence_charts: Vec::new(),
            goal: None,
            outcome: self.analysis.outcomes.status_of(e).map(Outcome::of),
            tables,
            links: self.links(e),
            backlinks: self.backlinks(e),
            chain: self.chain(e),
            impact: String::new(),
            serves: String::new(),
            findings,
            suspect,
            below,
            file: file.rel_path.clone(),
            line: entity.id_span.start.line(),
            source,
            // Only web links: a `javascript:` or `data:` base never reaches a
            // page (the configuration refuses one too).
            edit_url: self
                .config
                .site
                .repo_url
                .as_ref()
                .filter(|base| crate::config::is_web_url(base))
                .map(|base| format!("{}/{}", base.trim_end_matches('/'), file.rel_path)),
            change: self.change(e),
            contracts: self.contracts(e),
            dbt: self.dbt_html(e) + &self.lineage_html(e),
        }
    }

    /// The contracts behind a data product's output ports.
    pub fn contracts(&self, e: EntityId) -> Vec<PortContract> {
        use crate::model::contract;
        if !self.model.entities[e].is(Kind::DataProduct) {
            return Vec::new();
        }
        crate::rules::contracts::ports(self.node(e))
            .map(|(port, id, _)| match self.model.contract(id) {
                Some(c) => {
                    let node = c.node(self.ws);
                    PortContract {
                        port: port.to_string(),
                        id: id.to_string(),
                        found: true,
                        version: node.get_str("version").map(str::to_string),
                        status: node.get_str("status").map(str::to_string),
                        name: node.get_str("name").map(str::to_string),
                        purpose: node
                            .get("description")
                            .and_then(|d| d.get_str("purpose"))
                            .map(str::to_string),
                        file: Some(self.ws.files[c.file].rel_path.clone()),
                        line: Some(c.id_span.start.line()),
                        tables: contract::tables(node),
                        slas: contract::slas(node),
                    }
                }
                None => PortContract {
                    port: port.to_string(),
                    id: id.to_string(),
                    found: false,
                    version: None,
                    status: None,
                    name: None,
                    purpose: None,
                    file: None,
                    line: None,
                    tables: Vec::new(),
                    slas: Vec::new(),
                },
            })
            .collect()
    }
}
