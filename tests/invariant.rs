//! The contract's invariant: a workspace with no error-severity finding has
//! every entity traced. Checked on randomly generated workspaces.

use proptest::prelude::*;
use throughline::config::Config;
use throughline::load;
use throughline::model::time::Date;
use throughline::rules::{self, Schemas};

/// A randomly shaped workspace: how many entities of each kind, and for each
/// reference a choice that is usually right, sometimes wrong.
#[derive(Debug, Clone)]
struct Shape {
    counts: [usize; 8],
    picks: Vec<u8>,
}

fn shape() -> impl Strategy<Value = Shape> {
    // Mostly one North Star, sometimes none or two.
    let stars = prop_oneof![6 => Just(1usize), 1 => Just(0usize), 1 => Just(2usize)];
    (
        stars,
        [1..4usize, 1..4, 0..3, 1..4, 1..4, 1..3, 1..3],
        proptest::collection::vec(any::<u8>(), 64..256),
    )
        .prop_map(|(stars, rest, picks)| {
            let mut counts = [stars; 8];
            counts[1..].copy_from_slice(&rest);
            Shape { counts, picks }
        })
}

const KINDS: [&str; 8] = [
    "NorthStar",
    "Goal",
    "Initiative",
    "Hypothesis",
    "UseCase",
    "DataProduct",
    "Source",
    "Consumer",
];

struct Gen<'a> {
    shape: &'a Shape,
    next: usize,
}

impl Gen<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.shape.picks[self.next % self.shape.picks.len()];
        self.next += 1;
        b
    }

    fn id(kind: usize, n: usize) -> String {
        format!("{}-{n}", KINDS[kind].to_lowercase())
    }

    /// An id for a reference to one of `kinds`: mostly a right one, sometimes
    /// one of another kind, sometimes one that does not exist.
    fn pick(&mut self, kinds: &[usize]) -> String {
        let roll = self.byte();
        let kind = if roll < 6 {
            usize::from(self.byte()) % 8
        } else {
            kinds[usize::from(self.byte()) % kinds.len()]
        };
        let count = self.shape.counts[kind];
        if roll.is_multiple_of(53) || count == 0 {
            return "missing-id".to_string();
        }
        Gen::id(kind, usize::from(self.byte()) % count)
    }

    fn list(&mut self, kinds: &[usize], min: usize) -> String {
        let n = min + usize::from(self.byte()) % 3;
        let ids: Vec<String> = (0..n).map(|_| self.pick(kinds)).collect();
        format!("[{}]", ids.join(", "))
    }

    fn entity(&mut self, kind: usize, n: usize) -> String {
        let id = Gen::id(kind, n);
        let head = format!("kind: {}\nid: {id}\nname: {id}\n", KINDS[kind]);
        let body = match kind {
            0 => "vision: v\nmetric: {name: m, definition: d, unit: u, direction: increase, target: 1}\n".to_string(),
            1 => {
                // Mostly straight to the North Star, so goal cycles stay rare.
                let to = if self.byte() < 170 {
                    self.pick(&[0])
                } else {
                    self.pick(&[1])
                };
                format!("contributesTo: {to}\nsuccessIndicators: [{{name: x, unit: u, target: 1}}]\n")
            }
            2 => format!("goals: {}\n", self.list(&[1], 1)),
            3 => format!(
                "statement: s\ninitiative: {}\ngoal: {}\n",
                self.pick(&[2]),
                self.pick(&[1])
            ),
            4 => {
                let links = if self.byte().is_multiple_of(2) {
                    format!("hypotheses: {}\n", self.list(&[3], 1))
                } else {
                    format!("initiatives: {}\n", self.list(&[2], 1))
                };
                format!(
                    "{links}consumers: {}\ndataProducts: {}\n",
                    self.list(&[7], 1),
                    self.list(&[5], 1)
                )
            }
            5 => format!(
                "owner: o\ndomain: d\ntype: aggregate\ninputs: {}\nslos: [{{category: governance, property: p, target: t}}]\n",
                self.list(&[6, 6, 6, 6, 6, 6, 6, 5], 0)
            ),
            6 => "system: s\nsensitivity: pii\n".to_string(),
            _ => "type: human\n".to_string(),
        };
        head + &body
    }

    fn files(&mut self) -> Vec<(String, String)> {
        let mut files = Vec::new();
        for kind in 0..8 {
            for n in 0..self.shape.counts[kind] {
                let text = self.entity(kind, n);
                files.push((format!("{}.yaml", Gen::id(kind, n)), text));
            }
        }
        files
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn no_error_means_every_entity_is_traced(shape in shape()) {
        let files = Gen { shape: &shape, next: 0 }.files();
        let ws = load::from_texts(files, Default::default());
        let schemas = Schemas::builtin();
        let today = Date::parse("2026-06-01").unwrap();
        let analysis = rules::check(&ws, &Config::default(), &schemas, today);
        if analysis.errors() == 0 {
            for (i, e) in analysis.model.entities.iter().enumerate() {
                let context = e.kind.is_none_or(|k| k.is_context());
                prop_assert!(context || analysis.trace.traced[i], "{} is untraced", e.id);
            }
        }
    }
}

/// The generator must produce clean workspaces often enough for the
/// property above to mean something.
#[test]
fn generator_produces_clean_and_broken_workspaces() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let schemas = Schemas::builtin();
    let today = Date::parse("2026-06-01").unwrap();
    let (mut clean, mut broken) = (0, 0);
    for _ in 0..300 {
        let shape = shape().new_tree(&mut runner).unwrap().current();
        let files = Gen {
            shape: &shape,
            next: 0,
        }
        .files();
        let ws = load::from_texts(files, Default::default());
        let analysis = rules::check(&ws, &Config::default(), &schemas, today);
        let nontrivial = analysis.model.entities.len() > 3;
        match analysis.errors() {
            0 if nontrivial => clean += 1,
            0 => {}
            _ => broken += 1,
        }
    }
    assert!(clean >= 15, "only {clean} clean workspaces of 300");
    assert!(broken >= 10, "only {broken} broken workspaces of 300");
}
