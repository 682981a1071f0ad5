//! Identity and references: `duplicate-id`, `broken-ref`, `ref-kind`.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Rule};
use crate::load::Damaged;
use crate::model::{Kind, Model, Reference};
use crate::suggest;

use super::trace::{Trace, cut_off_phrase};

/// `duplicate-id`: each later entity that reuses an id.
pub fn duplicate_ids(model: &Model, out: &mut Vec<Diagnostic>) {
    for &(later, first) in &model.duplicates {
        let (l, f) = (&model.entities[later], &model.entities[first]);
        let first_kind = f.kind.map_or("an entity".to_string(), Kind::with_article);
        out.push(
            Diagnostic::new(
                Rule::DuplicateId,
                format!("id `{}` is already used by {first_kind}", l.id),
            )
            .label("duplicate id")
            .help("ids must be unique in the whole workspace; rename one of them")
            .entity(l.id.as_str())
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

/// `broken-ref` and `ref-kind`: references that name no entity, or one of the
/// wrong kind. A reference to an id that a damaged document defines is not
/// reported; the syntax error says, once, how many such references wait on it.
pub fn references(model: &Model, trace: &Trace, damaged: &[Damaged], out: &mut Vec<Diagnostic>) {
    let damaged_ids: HashMap<&str, usize> = damaged
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.as_str(), i))
        .collect();
    let mut waiting = vec![0usize; damaged.len()];
    for r in &model.refs {
        let holder = &model.entities[r.from];
        let diag = match r.resolved {
            None => {
                if let Some(&i) = damaged_ids.get(r.target.as_str()) {
                    waiting[i] += 1;
                    continue;
                }
                broken(model, r)
            }
            Some(t) => match model.entities[t].kind {
                Some(kind) if !r.field.targets().contains(&kind) => {
                    let target = &model.entities[t];
                    Diagnostic::new(
                        Rule::RefKind,
                        format!(
                            "`{}` must name {}, but `{}` is {}",
                            r.field.display(),
                            expected(r),
                            r.target,
                            kind.with_article()
                        ),
                    )
                    .label(format!("{}, not {}", kind.with_article(), expected(r)))
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
                .entity(holder.id.as_str())
                .doc(holder.doc)
                .at(holder.file, r.span)
        });
    }
    for (d, n) in damaged.iter().zip(waiting) {
        if n == 0 {
            continue;
        }
        let Some(syntax) = out.iter_mut().find(|x| {
            x.rule == Rule::YamlSyntax
                && x.location
                    .is_some_and(|l| l.file == d.file && l.span == d.error)
        }) else {
            continue;
        };
        let note = format!(
            "this document defines `{}`; {n} reference{} to it {} not checked until it parses",
            d.id,
            if n == 1 { "" } else { "s" },
            if n == 1 { "is" } else { "are" }
        );
        syntax.related.push(crate::diagnostic::Related {
            location: crate::diagnostic::Location {
                file: d.file,
                span: d.span,
            },
            message: note,
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
    let names: Vec<String> = r
        .field
        .targets()
        .iter()
        .enumerate()
        .map(|(i, k)| {
            if i == 0 {
                k.with_article()
            } else {
                k.name().to_string()
            }
        })
        .collect();
    names.join(" or ")
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
