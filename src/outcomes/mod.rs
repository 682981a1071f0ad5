//! Outcomes over time: the North Star metric and every goal's success
//! indicators, their observations from `*.measurements.csv`, and how each
//! stands at `--today` (CONTRACT §6).
//!
//! [`Outcomes::build`] joins the measurement files to the model and reports
//! what does not fit (`measurement-invalid`); the rules about where
//! indicators stand (`off-track`, `stale-measurement`, `current-mismatch`)
//! are in `rules::outcomes`.

pub mod trend;

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::diagnostic::{Diagnostic, FileId, Rule};
use crate::load::Workspace;
use crate::load::source::Span;
use crate::load::yaml::Node;
use crate::model::time::{Date, parse_duration};
use crate::model::{EntityId, Kind, Model};
use crate::suggest;

/// A number for people: at most two decimals, no trailing zeros.
pub fn shown(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r.fract() == 0.0 && r.abs() < 9e15 {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
}
pub use trend::{Direction, Status};

/// How often an indicator is measured unless it says (`cadence`): 31 days.
pub const DEFAULT_CADENCE_DAYS: i64 = 31;

/// One indicator: the North Star metric, or a goal's success indicator.
#[derive(Debug, Clone)]
pub struct Indicator {
    pub entity: EntityId,
    pub kind: Kind,
    /// How measurement files name it: the indicator's `id`, else its `name`;
    /// `None` for the North Star metric.
    pub key: Option<String>,
    pub name: String,
    pub unit: String,
    pub direction: Direction,
    pub baseline: Option<f64>,
    pub target: Option<f64>,
    pub by: Option<Date>,
    pub cadence_days: i64,
    /// The spec's `current`, if it states one.
    pub current: Option<f64>,
    /// Observations, sorted by date, one per date.
    pub points: Vec<(Date, f64)>,
    pub status: Status,
    pub projected: Option<f64>,
    pub line: Option<trend::Line>,
    /// Where its `target`, `name` and `current` are written.
    pub target_span: Span,
    pub name_span: Span,
    pub current_span: Option<Span>,
    pub file: FileId,
    pub doc: usize,
}

impl Indicator {
    /// One sentence on where the indicator stands.
    pub fn summary(&self, title: &str) -> String {
        let unit = if self.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", self.unit)
        };
        let mut s = match self.latest() {
            Some((d, v)) => format!(
                "{title}: {}{unit} on {d} ({} observation{})",
                shown(v),
                self.points.len(),
                if self.points.len() == 1 { "" } else { "s" }
            ),
            None => match self.current {
                Some(c) => format!(
                    "{title}: {}{unit} (stated in the spec; no observations)",
                    shown(c)
                ),
                None => format!("{title}: no observations"),
            },
        };
        if let Some(b) = self.baseline {
            let _ = write!(s, ", baseline {}", shown(b));
        }
        if let Some(t) = self.target {
            let _ = write!(s, ", target {}{unit}", shown(t));
        }
        if let Some(by) = self.by {
            let _ = write!(s, " by {by}");
        }
        if let Some(p) = self.projected {
            let _ = write!(s, "; projected {}{unit} at the deadline", shown(p));
        }
        let _ = write!(s, ". {}.", self.status.label());
        s
    }

    /// The latest observation.
    pub fn latest(&self) -> Option<(Date, f64)> {
        self.points.last().copied()
    }

    /// The value it stands at: the latest observation, else the spec's `current`.
    pub fn value(&self) -> Option<f64> {
        self.latest().map(|p| p.1).or(self.current)
    }
}

/// Every indicator of a workspace, North Star first, then goals in file order.
#[derive(Debug, Default)]
pub struct Outcomes {
    pub indicators: Vec<Indicator>,
    /// The indicators of each entity, by entity.
    by_entity: HashMap<EntityId, Vec<usize>, crate::model::IdHasher>,
    /// The date the statuses are computed at.
    pub today: Option<Date>,
}

impl Outcomes {
    /// The indicators of `entity` (a NorthStar or a Goal).
    pub fn of(&self, entity: EntityId) -> impl Iterator<Item = &Indicator> + '_ {
        self.by_entity
            .get(&entity)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&i| &self.indicators[i])
    }

    /// The worst status of an entity's indicators, if it has any.
    pub fn status_of(&self, entity: EntityId) -> Option<Status> {
        self.of(entity).map(|i| i.status).min()
    }

    /// Reads the indicators from the specs, joins the observations of the
    /// measurement files to them, and assesses each at `today`.
    pub fn build(
        ws: &Workspace,
        model: &Model,
        today: Date,
        out: &mut Vec<Diagnostic>,
    ) -> Outcomes {
        let mut outcomes = Outcomes {
            today: Some(today),
            ..Outcomes::default()
        };
        // The North Star first, then goals in file order.
        let mut order: Vec<EntityId> = (0..model.entities.len())
            .filter(|&e| model.is_canonical(e))
            .collect();
        order.sort_by_key(|&e| !model.entities[e].is(Kind::NorthStar));
        for e in order {
            let entity = &model.entities[e];
            let node = entity.node(ws);
            let specs: Vec<(&Node, Option<String>)> = match entity.kind {
                Some(Kind::NorthStar) => {
                    node.get("metric").map(|m| (m, None)).into_iter().collect()
                }
                Some(Kind::Goal) => node
                    .get("successIndicators")
                    .and_then(Node::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .filter(|i| i.as_map().is_some())
                    .map(|i| {
                        let key = i.get_str("id").or_else(|| i.get_str("name")).unwrap_or("");
                        (i, Some(key.to_string()))
                    })
                    .collect(),
                _ => continue,
            };
            let mut keys: HashMap<String, Span> = HashMap::new();
            for (spec, key) in specs {
                if let (Some(k), Some(id)) = (&key, spec.get("id")) {
                    if let Some(first) = keys.get(k) {
                        out.push(
                            Diagnostic::new(
                                Rule::Schema,
                                format!("indicator id `{k}` is used twice in goal `{}`", entity.id),
                            )
                            .label("repeated indicator id")
                            .help("measurement files name a goal's indicators by id: give each its own")
                            .entity(entity.id.as_str())
                            .doc(entity.doc)
                            .at(entity.file, id.span)
                            .related(entity.file, *first, "first used here"),
                        );
                        continue;
                    }
                    keys.insert(k.clone(), id.span);
                }
                let num = |k: &str| spec.get(k).and_then(Node::as_f64);
                let index = outcomes.indicators.len();
                outcomes.by_entity.entry(e).or_default().push(index);
                outcomes.indicators.push(Indicator {
                    entity: e,
                    kind: entity.kind.unwrap_or(Kind::Goal),
                    key,
                    name: spec.get_str("name").unwrap_or("").to_string(),
                    unit: spec.get_str("unit").unwrap_or("").to_string(),
                    direction: Direction::parse(spec.get_str("direction")),
                    baseline: num("baseline"),
                    target: num("target"),
                    by: spec.get_str("by").and_then(Date::parse),
                    cadence_days: spec
                        .get_str("cadence")
                        .and_then(parse_duration)
                        .map_or(DEFAULT_CADENCE_DAYS, |s| (s / 86_400).max(1) as i64),
                    current: num("current"),
                    points: Vec::new(),
                    status: Status::NoData,
                    projected: None,
                    line: None,
                    target_span: spec.get("target").map_or(spec.span, |t| t.span),
                    name_span: spec.get("name").map_or(spec.span, |t| t.span),
                    current_span: spec.get("current").map(|c| c.span),
                    file: entity.file,
                    doc: entity.doc,
                });
            }
        }
        outcomes.join(ws, model, out);
        for i in &mut outcomes.indicators {
            // Observations dated after `today` have not happened yet at the
            // date the status is computed for.
            i.points.retain(|p| p.0 <= today);
            let a = trend::assess(
                &i.points,
                i.current,
                trend::Goalpost {
                    direction: i.direction,
                    baseline: i.baseline,
                    target: i.target,
                    by: i.by,
                },
                today,
            );
            (i.status, i.projected, i.line) = (a.status, a.projected, a.line);
        }
        outcomes
    }

    /// Adds each file's observations to their indicators; what names no
    /// indicator, and a second row for one date, is `measurement-invalid`.
    fn join(&mut self, ws: &Workspace, model: &Model, out: &mut Vec<Diagnostic>) {
        let mut by_key: HashMap<(EntityId, &str), usize> = HashMap::new();
        for (n, i) in self.indicators.iter().enumerate() {
            by_key.insert((i.entity, i.key.as_deref().unwrap_or("")), n);
        }
        let measured: Vec<&str> = model
            .entities
            .iter()
            .filter(|e| e.is(Kind::NorthStar) || e.is(Kind::Goal))
            .map(|e| e.id.as_str())
            .collect();
        // Each indicator's observations with where they are written:
        // (date, index into `ws.measurements`, offset, value).
        let mut rows: Vec<Vec<(Date, usize, usize, f64)>> = vec![Vec::new(); self.indicators.len()];
        for (t, (file, table)) in ws.measurements.iter().enumerate() {
            let source = &ws.files[*file];
            for series in &table.series {
                let first = series.observations[0];
                let at = |column: &str| table.cell(source, first.offset, column);
                let count = series.observations.len();
                let rows_note = if count == 1 {
                    String::new()
                } else {
                    format!(
                        " (and {} more row{} like it)",
                        count - 1,
                        if count == 2 { "" } else { "s" }
                    )
                };
                let Some(e) = model.get(&series.entity) else {
                    out.push(
                        Diagnostic::new(
                            Rule::MeasurementInvalid,
                            format!("`{}` is not the id of the NorthStar or of a Goal{rows_note}", series.entity),
                        )
                        .label("no such entity")
                        .help_opt(
                            suggest::did_you_mean(&series.entity, measured.iter().copied())
                                .or_else(|| Some("the `entity` column names the NorthStar or a Goal by its id".into())),
                        )
                        .at(*file, at("entity")),
                    );
                    continue;
                };
                let entity = &model.entities[e];
                if !(entity.is(Kind::NorthStar) || entity.is(Kind::Goal)) {
                    out.push(
                        Diagnostic::new(
                            Rule::MeasurementInvalid,
                            format!(
                                "`{}` is {}; measurements are for the NorthStar and Goals{rows_note}",
                                series.entity,
                                entity.kind.map_or("an entity of an unknown kind".to_string(), Kind::with_article)
                            ),
                        )
                        .label("not a NorthStar or Goal")
                        .help("record the goal this work serves, with one of its success indicators")
                        .at(*file, at("entity"))
                        .related(entity.file, entity.id_span, format!("`{}` is defined here", entity.id)),
                    );
                    continue;
                }
                let Some(&n) = by_key.get(&(e, series.indicator.as_str())) else {
                    let (message, help) = if entity.is(Kind::NorthStar) {
                        (
                            format!(
                                "the North Star has one metric: leave `indicator` empty, not `{}`{rows_note}",
                                series.indicator
                            ),
                            "the `indicator` column is empty for the North Star metric".to_string(),
                        )
                    } else {
                        let keys: Vec<&str> = self.of(e).filter_map(|i| i.key.as_deref()).collect();
                        let message = if series.indicator.is_empty() {
                            format!(
                                "goal `{}` has several indicators: name one in `indicator`{rows_note}",
                                entity.id
                            )
                        } else {
                            format!(
                                "goal `{}` has no indicator `{}`{rows_note}",
                                entity.id, series.indicator
                            )
                        };
                        let help = suggest::did_you_mean(&series.indicator, keys.iter().copied()).unwrap_or_else(|| {
                            format!(
                                "its indicators are {} (an indicator's `id`, or its `name` when it has none)",
                                keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                            )
                        });
                        (message, help)
                    };
                    out.push(
                        Diagnostic::new(Rule::MeasurementInvalid, message)
                            .label("no such indicator")
                            .help(help)
                            .at(*file, at("indicator")),
                    );
                    continue;
                };
                rows[n].extend(
                    series
                        .observations
                        .iter()
                        .map(|o| (o.date, t, o.offset, o.value)),
                );
            }
        }
        // A second row for one date: sorted, the rows of a date sit together,
        // the first (in file order) kept.
        for (n, mut list) in rows.into_iter().enumerate() {
            list.sort_unstable_by_key(|&(date, t, offset, _)| (date, t, offset));
            let mut points = Vec::with_capacity(list.len());
            let mut first: Option<(Date, usize, usize)> = None;
            for (date, t, offset, value) in list {
                match first {
                    Some((d, ft, fo)) if d == date => {
                        let (file, table) = &ws.measurements[t];
                        let (first_file, first_table) = &ws.measurements[ft];
                        let i = &self.indicators[n];
                        out.push(
                            Diagnostic::new(
                                Rule::MeasurementInvalid,
                                format!(
                                    "a second observation of `{}`{} on {date}",
                                    model.entities[i.entity].id,
                                    i.key.as_ref().map_or(String::new(), |k| format!(" `{k}`")),
                                ),
                            )
                            .label("repeated date")
                            .help("keep one row per entity, indicator and date")
                            .at(*file, table.cell(&ws.files[*file], offset, "date"))
                            .related(
                                *first_file,
                                first_table.cell(&ws.files[*first_file], fo, "date"),
                                "the first is here",
                            ),
                        );
                    }
                    _ => {
                        first = Some((date, t, offset));
                        points.push((date, value));
                    }
                }
            }
            self.indicators[n].points = points;
        }
    }
}
