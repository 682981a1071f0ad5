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
    SensitiveDataUngoverned = "sensitive-data-ungoverned", Error, "A DataProduct reads a pii/phi Source directly and has no governance SLO.";
    UnaddressedGoal = "unaddressed-goal", Warning, "A Goal that no Initiative lists and no Goal contributes to.";
    Unused = "unused", Warning, "A Source no DataProduct reads, or a Consumer nothing references.";
    MissingSlo = "missing-slo", Warning, "A DataProduct with no SLOs.";
    FreshnessMismatch = "freshness-mismatch", Warning, "A usage pattern asks for fresher data than the product's freshness SLO promises.";
    InvalidatedHypothesis = "invalidated-hypothesis", Warning, "A proposed or active Initiative all of whose hypotheses are invalidated.";
    StaleReview = "stale-review", Warning, "A spec whose `reviewBy` date has passed.";
}

impl Rule {
    pub fn from_name(name: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.name() == name)
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

    /// The key diagnostics are sorted by: file, line, column, rule.
    pub fn sort_key(&self) -> (Option<FileId>, usize, usize, &'static str) {
        match self.location {
            Some(l) => (
                Some(l.file),
                l.span.start.line,
                l.span.start.column,
                self.rule.name(),
            ),
            None => (None, 0, 0, self.rule.name()),
        }
    }
}
