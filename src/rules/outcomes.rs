//! Where indicators stand: `off-track`, `stale-measurement` and
//! `current-mismatch` (CONTRACT §6). `measurement-invalid` comes from
//! reading and joining the measurement files (`load::measurements`,
//! `outcomes::Outcomes::build`).

use crate::diagnostic::{Diagnostic, Rule};
use crate::load::Workspace;
use crate::model::time::Date;
use crate::model::{Kind, Model};
use crate::outcomes::{Indicator, Outcomes, Status};
use crate::report::status::shown as number;

/// "the North Star metric" or "indicator `repeat-rate` of goal `g`".
fn called(model: &Model, i: &Indicator) -> String {
    let e = &model.entities[i.entity];
    match &i.key {
        None => "the North Star metric".to_string(),
        Some(k) => format!("indicator `{k}` of goal `{}`", e.id),
    }
}

fn on(model: &Model, i: &Indicator, d: Diagnostic) -> Diagnostic {
    d.entity(model.entities[i.entity].id.as_str()).doc(i.doc)
}

pub fn check(
    ws: &Workspace,
    model: &Model,
    outcomes: &Outcomes,
    today: Date,
    out: &mut Vec<Diagnostic>,
) {
    for i in &outcomes.indicators {
        let entity = &model.entities[i.entity];
        let active =
            entity.is(Kind::NorthStar) || entity.node(ws).get_str("status") == Some("active");
        if i.status == Status::OffTrack && active {
            let why = match (i.by, i.line) {
                (Some(by), _) if by < today => {
                    format!("its deadline {by} passed short of the target")
                }
                (_, Some(l))
                    if l.slope
                        * if i.direction == crate::outcomes::Direction::Increase {
                            1.0
                        } else {
                            -1.0
                        }
                        < 0.0 =>
                {
                    "its observations are moving away from the target".to_string()
                }
                _ => "its observations are flat".to_string(),
            };
            let target = i.target.map(number).unwrap_or_default();
            let latest = i.value().map(number).unwrap_or_default();
            out.push(on(
                model,
                i,
                Diagnostic::new(
                    Rule::OffTrack,
                    format!(
                        "{} is off track: {why} (latest {latest}, target {target}{})",
                        called(model, i),
                        i.projected.map_or(String::new(), |p| format!(", projected {} at the deadline", number(p)))
                    ),
                )
                .label("not on course for this target")
                .help("look at the initiatives meant to move it: the evidence says they are not moving it yet; revisit their hypotheses, or change the target or deadline deliberately")
                .at(i.file, i.target_span),
            ));
        }
        if let Some((date, _)) = i.latest() {
            let age = today.days() - date.days();
            if age > 2 * i.cadence_days {
                out.push(on(
                    model,
                    i,
                    Diagnostic::new(
                        Rule::StaleMeasurement,
                        format!(
                            "{} was last measured on {date}, {age} days ago; it is measured every {} days",
                            called(model, i),
                            i.cadence_days
                        ),
                    )
                    .label("no recent observation")
                    .help("add the latest observations to its measurements file, or set `cadence` if it is measured less often")
                    .at(i.file, i.name_span),
                ));
            }
            if let (Some(current), Some(span), Some((date, value))) =
                (i.current, i.current_span, i.latest())
                && (current - value).abs() > 1e-9 * current.abs().max(value.abs()).max(1.0)
            {
                out.push(on(
                    model,
                    i,
                    Diagnostic::new(
                        Rule::CurrentMismatch,
                        format!(
                            "`current` says {} but the latest observation of {} ({date}) is {}",
                            number(current),
                            called(model, i),
                            number(value)
                        ),
                    )
                    .label("differs from the measurements")
                    .help("remove `current` (the latest observation is the current value), or bring the two in line")
                    .at(i.file, span),
                ));
            }
        }
    }
}
