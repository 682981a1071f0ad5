//! The eight kinds of entity and the references each may hold.

use std::fmt;

/// The kind of an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    NorthStar,
    Goal,
    Initiative,
    Hypothesis,
    UseCase,
    DataProduct,
    Source,
    Consumer,
}

impl Kind {
    /// All kinds, from the North Star outward.
    pub const ALL: [Kind; 8] = [
        Kind::NorthStar,
        Kind::Goal,
        Kind::Initiative,
        Kind::Hypothesis,
        Kind::UseCase,
        Kind::DataProduct,
        Kind::Source,
        Kind::Consumer,
    ];

    /// The name used for `kind:` in specs.
    pub fn name(self) -> &'static str {
        match self {
            Kind::NorthStar => "NorthStar",
            Kind::Goal => "Goal",
            Kind::Initiative => "Initiative",
            Kind::Hypothesis => "Hypothesis",
            Kind::UseCase => "UseCase",
            Kind::DataProduct => "DataProduct",
            Kind::Source => "Source",
            Kind::Consumer => "Consumer",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The kind `name` spells, or a message saying none does, with the
    /// closest name.
    pub fn named(name: &str) -> Result<Kind, String> {
        Kind::from_name(name).ok_or_else(|| {
            let hint = crate::suggest::hint(name, Kind::ALL.iter().map(|k| k.name()));
            format!("unknown kind `{name}`{hint}")
        })
    }

    /// The kind's name with its article: "a Goal", "an Initiative".
    pub fn with_article(self) -> String {
        let article = if matches!(self, Kind::Initiative) {
            "an"
        } else {
            "a"
        };
        format!("{article} {}", self.name())
    }

    /// The site directory of this kind's pages.
    pub fn dir(self) -> &'static str {
        match self {
            Kind::NorthStar => "north-star",
            Kind::Goal => "goals",
            Kind::Initiative => "initiatives",
            Kind::Hypothesis => "hypotheses",
            Kind::UseCase => "use-cases",
            Kind::DataProduct => "data-products",
            Kind::Source => "sources",
            Kind::Consumer => "consumers",
        }
    }

    /// The kind in words: "Data product".
    pub fn label(self) -> &'static str {
        match self {
            Kind::NorthStar => "North Star",
            Kind::Goal => "Goal",
            Kind::Initiative => "Initiative",
            Kind::Hypothesis => "Hypothesis",
            Kind::UseCase => "Use case",
            Kind::DataProduct => "Data product",
            Kind::Source => "Source",
            Kind::Consumer => "Consumer",
        }
    }

    /// The kind in words, plural: "Data products".
    pub fn plural(self) -> &'static str {
        match self {
            Kind::NorthStar => "North Star",
            Kind::Goal => "Goals",
            Kind::Initiative => "Initiatives",
            Kind::Hypothesis => "Hypotheses",
            Kind::UseCase => "Use cases",
            Kind::DataProduct => "Data products",
            Kind::Source => "Sources",
            Kind::Consumer => "Consumers",
        }
    }

    /// Sources and Consumers give context; they are never "traced" or "untraced".
    pub fn is_context(self) -> bool {
        matches!(self, Kind::Source | Kind::Consumer)
    }

    /// The fields of this kind that reference other entities.
    pub fn ref_fields(self) -> &'static [RefField] {
        use RefField::*;
        match self {
            Kind::Goal => &[ContributesTo, GoalConsumers],
            Kind::Initiative => &[Goals],
            Kind::Hypothesis => &[HypothesisInitiative, HypothesisGoal],
            Kind::UseCase => &[Hypotheses, Initiatives, UseCaseConsumers, DataProducts],
            Kind::DataProduct => &[Inputs, UsageConsumer],
            Kind::NorthStar | Kind::Source | Kind::Consumer => &[],
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which way a reference points in the trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The holder sits below what it names: a goal names the goal or North
    /// Star it contributes to, an initiative its goals.
    Up,
    /// The holder sits above what it names: a use case names the data
    /// products it needs, a data product its inputs (upstream, in data terms).
    Down,
    /// A link to a Consumer, who gives context and is outside the trace.
    Context,
}

/// How a reference field holds its ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `field: id`
    One,
    /// `field: [id, …]`
    List,
    /// `usagePatterns: [{consumer: id}, …]`
    UsagePatterns,
}

/// A field that references other entities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefField {
    ContributesTo,
    GoalConsumers,
    Goals,
    HypothesisInitiative,
    HypothesisGoal,
    Hypotheses,
    Initiatives,
    UseCaseConsumers,
    DataProducts,
    Inputs,
    UsageConsumer,
}

impl RefField {
    /// The YAML key the ids are under.
    pub fn key(self) -> &'static str {
        match self {
            RefField::ContributesTo => "contributesTo",
            RefField::GoalConsumers | RefField::UseCaseConsumers => "consumers",
            RefField::Goals => "goals",
            RefField::HypothesisInitiative => "initiative",
            RefField::HypothesisGoal => "goal",
            RefField::Hypotheses => "hypotheses",
            RefField::Initiatives => "initiatives",
            RefField::DataProducts => "dataProducts",
            RefField::Inputs => "inputs",
            RefField::UsageConsumer => "usagePatterns",
        }
    }

    /// The field as users read it in messages.
    pub fn display(self) -> &'static str {
        match self {
            RefField::UsageConsumer => "usagePatterns[].consumer",
            other => other.key(),
        }
    }

    pub fn shape(self) -> Shape {
        match self {
            RefField::ContributesTo | RefField::HypothesisInitiative | RefField::HypothesisGoal => {
                Shape::One
            }
            RefField::UsageConsumer => Shape::UsagePatterns,
            _ => Shape::List,
        }
    }

    /// The kinds this field may name.
    pub fn targets(self) -> &'static [Kind] {
        match self {
            RefField::ContributesTo => &[Kind::NorthStar, Kind::Goal],
            RefField::GoalConsumers | RefField::UseCaseConsumers | RefField::UsageConsumer => {
                &[Kind::Consumer]
            }
            RefField::Goals | RefField::HypothesisGoal => &[Kind::Goal],
            RefField::HypothesisInitiative | RefField::Initiatives => &[Kind::Initiative],
            RefField::Hypotheses => &[Kind::Hypothesis],
            RefField::DataProducts => &[Kind::DataProduct],
            RefField::Inputs => &[Kind::Source, Kind::DataProduct],
        }
    }

    /// The label of the link as seen from the entity that writes it.
    pub fn forward_label(self) -> &'static str {
        match self {
            RefField::ContributesTo => "Contributes to",
            RefField::GoalConsumers | RefField::UseCaseConsumers => "Consumers",
            RefField::Goals => "Goals",
            RefField::HypothesisInitiative => "Initiative",
            RefField::HypothesisGoal => "Goal",
            RefField::Hypotheses => "Hypotheses",
            RefField::Initiatives => "Initiatives",
            RefField::DataProducts => "Data products",
            RefField::Inputs => "Inputs (upstream)",
            RefField::UsageConsumer => "Used by",
        }
    }

    /// The label of the link as seen from the entity it names.
    pub fn reverse_label(self) -> &'static str {
        match self {
            RefField::ContributesTo => "Contributing goals",
            RefField::GoalConsumers => "Goals that serve them",
            RefField::UseCaseConsumers => "Use cases that serve them",
            RefField::Goals => "Initiatives working on it",
            RefField::HypothesisInitiative => "Hypotheses behind it",
            RefField::HypothesisGoal => "Hypotheses aiming at it",
            RefField::Hypotheses => "Use cases applying it",
            RefField::Initiatives => "Use cases serving it",
            RefField::DataProducts => "Needed by use cases",
            RefField::Inputs => "Read by data products",
            RefField::UsageConsumer => "Data products they use",
        }
    }

    /// Which way the link points in the trace. Every other view of a link
    /// (the trace rules, the site's parents and children, the graph layout)
    /// is derived from this one table.
    pub fn direction(self) -> Direction {
        match self {
            RefField::ContributesTo
            | RefField::Goals
            | RefField::HypothesisInitiative
            | RefField::HypothesisGoal
            | RefField::Hypotheses
            | RefField::Initiatives => Direction::Up,
            RefField::DataProducts | RefField::Inputs => Direction::Down,
            RefField::GoalConsumers | RefField::UseCaseConsumers | RefField::UsageConsumer => {
                Direction::Context
            }
        }
    }

    /// Whether the link carries the trace toward the North Star.
    pub fn is_trace(self) -> bool {
        self.direction() != Direction::Context
    }
}
