//! The one diagnostic type every rule produces and every report renders.

use std::fmt;

use crate::load::source::Span;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! rules {
    ($( $variant:ident = $name:literal, $severity:ident, $summary:literal; )*) => {
        /// Every rule throughline checks.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule { $( $variant, )* }

        impl Rule {
            /// All rules, in the order the contract lists them.
            pub const ALL: &'static [Rule] = &[ $( Rule::$variant, )* ];

            /// The rule's name as users write it (`broken-ref`).
            pub fn name(self) -> &'static str {
                match self { $( Rule::$variant => $name, )* }
            }

            /// The severity a rule has unless `throughline.toml` says otherwise.
            pub fn default_severity(self) -> Severity {
                match self { $( Rule::$variant => Severity::$severity, )* }
            }

            /// One sentence on when the rule fires.
            pub fn summary(self) -> &'static str {
                match self { $( Rule::$variant => $summary, )* }
            }
        }
    };
}

rules! {
    YamlSyntax = "yaml-syntax", Error, "A file is not valid YAML, or a document is not a mapping.";
    DuplicateKey = "duplicate-key", Error, "A mapping repeats a key.";
    Schema = "schema", Error, "A document does not match its kind's JSON Schema, or its kind is unknown.";
    DuplicateId = "duplicate-id", Error, "Two entities share an id.";
    BrokenRef = "broken-ref", Error, "A reference names no entity.";
    RefKind = "ref-kind", Error, "A reference names an entity of a kind that is not allowed there.";
    NorthStarCount = "north-star-count", Error, "The workspace has no NorthStar, or more than one.";
    Cycle = "cycle", Error, "`contributesTo` or `inputs` links form a cycle.";
    Untraced = "untraced", Error, "A DataProduct that no UseCase lists and no DataProduct takes as input.";
    HypothesisMismatch = "hypothesis-mismatch", Error, "A Hypothesis's initiative does not list the hypothesis's goal.";
    SensitiveDataUngoverned = "sensitive-data-ungoverned", Error, "A DataProduct reads a pii/phi Source, directly or through products that are not deidentified, and has no governance SLO.";
    UnaddressedGoal = "unaddressed-goal", Warning, "A Goal that no Initiative lists and no Goal contributes to.";
    Unused = "unused", Warning, "A Source no DataProduct reads, or a Consumer nothing references.";
    MissingSlo = "missing-slo", Warning, "A DataProduct with no SLOs.";
    FreshnessMismatch = "freshness-mismatch", Warning, "A usage pattern asks for fresher data than the product's freshness SLO promises.";
    InvalidatedHypothesis = "invalidated-hypothesis", Warning, "A proposed or active Initiative all of whose hypotheses are invalidated.";
    StaleReview = "stale-review", Warning, "A spec whose `reviewBy` date has passed.";
    MeasurementInvalid = "measurement-invalid", Error, "A cell of a `*.measurements.csv` file is not a valid observation.";
    OffTrack = "off-track", Warning, "An indicator of an active Goal, or the North Star metric, is flat or moving away from its target.";
    StaleMeasurement = "stale-measurement", Warning, "An indicator's latest observation is older than twice its cadence.";
    CurrentMismatch = "current-mismatch", Warning, "A spec's `current` value differs from the latest observation.";
    ContractRef = "contract-ref", Error, "An output port's `contractId` names no ODCS contract of the workspace (checked when it holds one).";
    SlaMismatch = "sla-mismatch", Warning, "A contract's SLA latency or frequency cannot meet the product's freshness SLO.";
    SuspectLink = "suspect-link", Warning, "A link was reviewed against an earlier version of its parent: the parent changed since.";
    UnreviewedLink = "unreviewed-link", Warning, "A link that has never been reviewed (off unless `[rules]` turns it on).";
    LockInvalid = "lock-invalid", Error, "A line of `throughline.lock` that cannot be read, or a fingerprint of an unknown scheme.";
    DbtRef = "dbt-ref", Error, "A `dbt` value names no model, source or exposure of the right type in the dbt manifest.";
    LineageDrift = "lineage-drift", Warning, "The observed lineage of a DataProduct disagrees with its `inputs`.";
    DbtFailing = "dbt-failing", Warning, "In dbt's last run, a port's model, or a test on it, failed or warned.";
    FreshnessUnmet = "freshness-unmet", Warning, "A dbt source's last freshness check found it older than a product built on it promises.";
    LineageInvalid = "lineage-invalid", Warning, "A line of an OpenLineage events file that is not a run event throughline can read.";
}

impl Rule {
    /// A readable name for the rule as a whole, such as SARIF's rule `name`:
    /// `ReferenceToMissingEntity` for `broken-ref`.
    pub fn title(self) -> &'static str {
        match self {
            Rule::YamlSyntax => "InvalidYaml",
            Rule::DuplicateKey => "DuplicateMappingKey",
            Rule::Schema => "SchemaViolation",
            Rule::DuplicateId => "DuplicateEntityId",
            Rule::BrokenRef => "ReferenceToMissingEntity",
            Rule::RefKind => "ReferenceToWrongKind",
            Rule::NorthStarCount => "NotExactlyOneNorthStar",
            Rule::Cycle => "CyclicLinks",
            Rule::Untraced => "DataProductNobodyNeeds",
            Rule::HypothesisMismatch => "HypothesisGoalNotOnItsInitiative",
            Rule::SensitiveDataUngoverned => "SensitiveDataWithoutGovernance",
            Rule::UnaddressedGoal => "GoalWithoutInitiative",
            Rule::Unused => "UnusedSourceOrConsumer",
            Rule::MissingSlo => "DataProductWithoutSlos",
            Rule::FreshnessMismatch => "FreshnessPromisedTooLow",
            Rule::InvalidatedHypothesis => "InitiativeOnInvalidatedHypotheses",
            Rule::StaleReview => "ReviewOverdue",
            Rule::MeasurementInvalid => "InvalidMeasurement",
            Rule::OffTrack => "IndicatorOffTrack",
            Rule::StaleMeasurement => "MeasurementsOutOfDate",
            Rule::CurrentMismatch => "CurrentValueDisagreesWithMeasurements",
            Rule::ContractRef => "ContractNotInWorkspace",
            Rule::SlaMismatch => "ContractSlaMissesFreshnessSlo",
            Rule::SuspectLink => "ParentChangedSinceReview",
            Rule::UnreviewedLink => "LinkNeverReviewed",
            Rule::LockInvalid => "InvalidLockLine",
            Rule::DbtRef => "DbtNodeNotInManifest",
            Rule::LineageDrift => "ObservedLineageDisagreesWithInputs",
            Rule::DbtFailing => "DbtModelOrTestFailing",
            Rule::FreshnessUnmet => "SourceOlderThanPromised",
            Rule::LineageInvalid => "UnreadableLineageEvent",
        }
    }

    /// Whether the rule reports anything unless `[rules]` says otherwise:
    /// `unreviewed-link` is off until a workspace asks for every link to
    /// be reviewed.
    pub fn on_by_default(self) -> bool {
        self != Rule::UnreviewedLink
    }

    /// `error`, `warning` or `off`: what the rule is set to unless
    /// `[rules]` says otherwise.
    pub fn default_level(self) -> &'static str {
        if self.on_by_default() {
            self.default_severity().as_str()
        } else {
            "off"
        }
    }

    pub fn from_name(name: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.name() == name)
    }

    /// Why the rule exists and how to fix what it finds (for SARIF and docs).
    pub fn help(self) -> &'static str {
        match self {
            Rule::YamlSyntax => {
                "throughline cannot read the file as YAML, so none of its specs are checked. Fix the syntax at the reported position (often indentation, an unclosed bracket or quote, or a tab). Each document must be a mapping with `kind`, `id` and `name`."
            }
            Rule::DuplicateKey => {
                "A repeated key silently loses one of its values in most YAML tools. Remove or rename one of the two keys; throughline keeps the first value."
            }
            Rule::Schema => {
                "Each kind has a JSON Schema (`throughline schema KIND`). Add missing fields, fix values of the wrong type or outside the allowed set, and remove unknown fields, which are usually typos."
            }
            Rule::DuplicateId => {
                "Ids are how specs refer to each other, so each must be unique in the workspace. Rename the later entity and update the references meant for it."
            }
            Rule::BrokenRef => {
                "A reference names an id that no spec defines, which cuts everything behind it off from the North Star. Fix the typo (see the suggestion) or add the missing spec."
            }
            Rule::RefKind => {
                "Each reference field accepts certain kinds only (a goal's `contributesTo` names the NorthStar or a Goal, an initiative's `goals` names Goals, …). Point the reference at an entity of the right kind."
            }
            Rule::NorthStarCount => {
                "Everything traces up to exactly one North Star metric. Add one `kind: NorthStar` spec, or turn the extra ones into goals that contribute to the real one."
            }
            Rule::Cycle => {
                "`contributesTo` and `inputs` links must lead somewhere: a goal cannot contribute to itself through other goals, and a data product cannot be built from itself. Break the cycle at one link."
            }
            Rule::Untraced => {
                "Every data product should exist because a use case needs it. List it under a use case's `dataProducts`, or under `inputs` of a data product that is needed, or retire it."
            }
            Rule::HypothesisMismatch => {
                "A hypothesis says an initiative will help achieve a goal, so the initiative must list that goal. Add the goal to the initiative's `goals`, or fix the hypothesis."
            }
            Rule::SensitiveDataUngoverned => {
                "A data product that reads personal (pii) or health (phi) data directly needs a governance objective, such as access control, retention or masking. Add an SLO with `category: governance`."
            }
            Rule::UnaddressedGoal => {
                "A goal that no initiative works on and no narrower goal contributes to will not be reached. Add an initiative for it, or a sub-goal, or drop it."
            }
            Rule::Unused => {
                "A source that no data product reads, or a consumer that nothing serves, is clutter or a sign of a missing link. Reference it where it belongs, or remove it."
            }
            Rule::MissingSlo => {
                "Consumers depend on a data product's promises. State at least one SLO: architecture (availability, latency), data quality (freshness, completeness, accuracy) or governance."
            }
            Rule::FreshnessMismatch => {
                "A consumer needs data fresher than the product promises to deliver. Tighten the product's freshness SLO, or agree a looser requirement with the consumer."
            }
            Rule::InvalidatedHypothesis => {
                "Every hypothesis behind this initiative has been invalidated, yet it is still proposed or active. Drop it, or add a hypothesis that still holds."
            }
            Rule::StaleReview => {
                "The spec's `reviewBy` date has passed. Review the spec with its owner and move `reviewBy` forward."
            }
            Rule::MeasurementInvalid => {
                "Each row of a measurements file is one observation: a `YYYY-MM-DD` date, the id of the NorthStar or a Goal, the indicator (a success indicator's `id`, or its `name` when it has none; empty for the North Star) and a number. Fix the cell at the reported position; a row that cannot be read is left out of the charts and statuses."
            }
            Rule::OffTrack => {
                "The indicator's observations are flat or moving away from the target. Look at the initiatives working on the goal: the evidence says they are not moving it yet. Revisit the hypotheses, or change the target or the deadline deliberately."
            }
            Rule::StaleMeasurement => {
                "Without recent observations nobody can tell whether the work is moving the indicator. Add the latest measurements (or automate the export), or set a longer `cadence` if the indicator is measured less often."
            }
            Rule::CurrentMismatch => {
                "The spec states a `current` value that the measurements do not agree with. Remove `current` (the latest observation is the current value) or bring the two in line."
            }
            Rule::ContractRef => {
                "The workspace keeps its ODCS data contracts (`kind: DataContract`), so every output port's `contractId` should name one of them. Fix the id (see the suggestion), or add the contract."
            }
            Rule::SlaMismatch => {
                "The contract behind an output port allows data to arrive later (its `latency`) or less often (its `frequency`) than the product's freshness SLO promises, so the promise cannot be kept. Tighten the contract's SLA, or loosen the freshness SLO and tell its consumers."
            }
            Rule::SuspectLink => {
                "The child was argued from an earlier version of the parent: a goal's target moved, a source's classification changed. Read what changed (`throughline review --show CHILD`), check that the child still holds or update it, then run `throughline review CHILD` and commit throughline.lock: the commit is the record of the review."
            }
            Rule::UnreviewedLink => {
                "Once turned on in `[rules]`, every link must have been reviewed once: run `throughline review CHILD` after checking the child against its parents (or `throughline review --all` to adopt reviews in an existing workspace), and commit throughline.lock."
            }
            Rule::LockInvalid => {
                "throughline.lock is written by `throughline review` only: one line `CHILD FIELD PARENT FINGERPRINT [COMMIT]` per link after the header `# throughline.lock v1`. Fix or delete the line (a merge conflict: keep both sides' lines), then run `throughline review --suspect`; a lock from a newer throughline needs that version."
            }
            Rule::DbtRef => {
                "An output port's `dbt` names the model behind it, a Source's the dbt source it is read through, a Consumer's the exposure that stands for it. The name is not in the manifest `[dbt] manifest` points at: the model was renamed or removed, or the manifest is out of date (`dbt parse` writes a new one). Use the suggested name, or write the node's `unique_id`."
            }
            Rule::LineageDrift => {
                "What the product is declared to be built from (`inputs`) and what dbt (or OpenLineage) shows it built from disagree. An undeclared upstream means the trace misses a dependency: a change of that source will surprise the product's consumers. A declared input that nothing reads is stale documentation. Fix `inputs`, or the model."
            }
            Rule::DbtFailing => {
                "In the last dbt run (`[dbt] run-results`), the model behind an output port, or a test on it, ended in `error`, `fail` or `warn`. The port's consumers, and the goals above them, are reading data that did not pass. Fix the data or the model and run dbt again."
            }
            Rule::FreshnessUnmet => {
                "`dbt source freshness` (`[dbt] sources`) found the newest row of the source older than the tightest freshness SLO of a data product built on it, so that promise is broken now, whatever the product's own models do. Get the source loaded again, or loosen the SLO and tell the product's consumers."
            }
            Rule::LineageInvalid => {
                "Each line of an OpenLineage events file (`[openlineage] events`, `check --lineage`) is one JSON event, as the OpenLineage file transport writes them. This line is not JSON, or is a COMPLETE run event without the job or dataset names that lineage needs. The line is skipped and every other line is still read: fix the producer, or drop the line."
            }
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Index of a file in the workspace's file list (which is sorted by path).
pub type FileId = usize;

/// A place in a workspace file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub file: FileId,
    pub span: Span,
}

/// A secondary location that explains a diagnostic ("first defined here").
#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    pub location: Location,
    pub message: String,
}

/// One finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub rule: Rule,
    pub severity: Severity,
    pub message: String,
    /// A short label shown under the highlighted text.
    pub label: Option<String>,
    pub help: Option<String>,
    /// `None` when the finding concerns the workspace as a whole.
    pub location: Option<Location>,
    /// The id of the entity the finding is about.
    pub entity: Option<String>,
    pub related: Vec<Related>,
    /// The document the finding is about; its `allow:` list applies.
    pub doc: Option<usize>,
    /// For `suspect-link`: the parent's fields that changed since the
    /// review (CONTRACT §8 notation), empty when that is not known.
    pub changed: Option<Vec<String>>,
}

impl Diagnostic {
    /// A finding of `rule` at its default severity.
    pub fn new(rule: Rule, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            severity: rule.default_severity(),
            message: message.into(),
            label: None,
            help: None,
            location: None,
            entity: None,
            related: Vec::new(),
            doc: None,
            changed: None,
        }
    }

    pub fn at(mut self, file: FileId, span: Span) -> Self {
        self.location = Some(Location { file, span });
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    pub fn entity(mut self, id: impl Into<String>) -> Self {
        self.entity = Some(id.into());
        self
    }

    pub fn doc(mut self, doc: usize) -> Self {
        self.doc = Some(doc);
        self
    }

    pub fn related(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            location: Location { file, span },
            message: message.into(),
        });
        self
    }

    /// The same finding about document `doc` of file `file` (a finding of
    /// one document, its related locations in the same file).
    pub fn moved(mut self, doc: usize, file: FileId) -> Diagnostic {
        self.doc = self.doc.map(|_| doc);
        if let Some(l) = &mut self.location {
            l.file = file;
        }
        for r in &mut self.related {
            r.location.file = file;
        }
        self
    }

    /// The key diagnostics are sorted by: file, line, column, rule.
    pub fn sort_key(&self) -> (Option<FileId>, usize, usize, &'static str) {
        match self.location {
            Some(l) => (
                Some(l.file),
                l.span.start.line(),
                l.span.start.column(),
                self.rule.name(),
            ),
            None => (None, 0, 0, self.rule.name()),
        }
    }
}
