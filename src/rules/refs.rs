//! Identity and references: `duplicate-id`, `broken-ref`, `ref-kind`.

use crate::diagnostic::{Diagnostic, Rule};
use crate::model::{Model, Reference};
use crate::suggest;

use super::trace::{Trace, cut_off_phrase};

/// `duplicate-id`: each later entity that reuses an id.
pub fn duplicate_ids(model: &Model, out: &mut Vec<Diagnostic>) {
    for &(later, first) in &model.duplicates {
        let (l, f) = (&model.entities[later], &model.entities[first]);
        let first_kind = f.kind.map_or("an entity".to_string(), |k| format!("a {k}"));
        out.push(
            Diagnostic::new(
                Rule::DuplicateId,
                format!("id `{}` is already used by {first_kind}", l.id),
            )
            .label("duplicate id")
            .help("ids must be unique in the whole workspace; rename one of them")
            .entity(&l.id)
            .doc(l.doc)
            .at(l.file, l.id_span)
            .related(
                f.file,
                f.id_span,
                format!("`{}` is first defined here", f.id),
            ),
        );
    }
}

/// `broken-ref` and `ref-kind`: references that name no entity, or one of the wrong kind.
pub fn references(model: &Model, trace: &Trace, out: &mut Vec<Diagnostic>) {
    for r in &model.refs {
        let holder = &model.entities[r.from];
        let diag = match r.resolved {
            None => broken(model, r),
            Some(t) => match model.entities[t].kind {
                Some(kind) if !r.field.targets().contains(&kind) => {
                    let target = &model.entities[t];
                    Diagnostic::new(
                        Rule::RefKind,
                        format!(
                            "`{}` must name {}, but `{}` is a {kind}",
                            r.field.display(),
                            expected(r),
                            r.target
                        ),
                    )
                    .label(format!("a {kind}, not {}", expected(r)))
                    .help_opt(nearest(model, r))
                    .related(
                        target.file,
                        target.id_span,
                        format!("`{}` is defined here", target.id),
                    )
                }
                _ => continue,
            },
        };
        let message = if r.field.is_trace() {
            format!(
                "{}{}",
                diag.message,
                cut_off_phrase(trace.cut_off(model, &[r.from]))
            )
        } else {
            diag.message.clone()
        };
        out.push(Diagnostic {
            message,
            ..diag
                .entity(&holder.id)
                .doc(holder.doc)
                .at(holder.file, r.span)
        });
    }
}

fn broken(model: &Model, r: &Reference) -> Diagnostic {
    Diagnostic::new(
        Rule::BrokenRef,
        format!(
            "`{}` names `{}`, but no entity has that id",
            r.field.display(),
            r.target
        ),
    )
    .label("no such entity")
    .help_opt(
        nearest(model, r)
            .or_else(|| Some(format!("`{}` must name {}", r.field.display(), expected(r)))),
    )
}

/// "a Goal", "a Source or DataProduct"
fn expected(r: &Reference) -> String {
    let names: Vec<&str> = r.field.targets().iter().map(|k| k.name()).collect();
    format!("a {}", names.join(" or "))
}

/// The id closest to the reference among entities of an allowed kind.
fn nearest(model: &Model, r: &Reference) -> Option<String> {
    let allowed = model
        .entities
        .iter()
        .enumerate()
        .filter(|&(i, e)| i != r.from && e.kind.is_some_and(|k| r.field.targets().contains(&k)))
        .map(|(_, e)| e)
        .map(|e| e.id.as_str());
    suggest::did_you_mean(&r.target, allowed)
}
