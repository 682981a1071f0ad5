//! Run events, streamed: each line of each file is parsed on its own and
//! folded into a graph of datasets, so memory follows the number of
//! datasets and edges, not the size of the files. A line that cannot be
//! read is a problem at its line (`lineage-invalid`); the rest is still read.

use std::collections::HashMap;
use std::io::Read;

use serde::Deserialize;

use crate::lineage::{Graph, ObservedNode};

use super::{EventsError, EventsFile};

/// A line longer than this is skipped (and reported), so that one runaway
/// line cannot take the memory of the whole file.
pub const MAX_LINE: usize = 16 << 20;

/// At most this many lines of one file are reported as `lineage-invalid`
/// (a file of garbage would otherwise be a finding a line); one more finding
/// says how many more there were.
pub const MAX_PROBLEMS: usize = 100;

/// A line of an events file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Index into [`Events::files`].
    pub file: usize,
    /// 1-based line and column (in characters).
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The run that showed an edge: the latest COMPLETE event with it.
#[derive(Debug, Clone)]
struct Seen {
    job: u32,
    run: Box<str>,
    time: Box<str>,
    file: u32,
    line: u32,
}

/// What the run events show: datasets, and for each the datasets the jobs
/// that wrote it read.
#[derive(Debug, Default)]
pub struct Events {
    pub files: Vec<EventsFile>,
    /// Each file's size and modification time when it was read.
    pub stamps: Vec<Option<(u64, Option<std::time::SystemTime>)>>,
    /// Each dataset's `namespace` and `name`.
    datasets: Vec<(Box<str>, Box<str>)>,
    /// `namespace/name`, as messages and pages show a dataset.
    keys: Vec<Box<str>>,
    by_name: HashMap<(Box<str>, Box<str>), ObservedNode>,
    upstream: Vec<Vec<ObservedNode>>,
    /// Whether a COMPLETE event wrote the dataset.
    written: Vec<bool>,
    seen: HashMap<(ObservedNode, ObservedNode), Seen>,
    jobs: Vec<Box<str>>,
    job_ids: HashMap<Box<str>, u32>,
    pub problems: Vec<Problem>,
    /// Where the problems of the file being read start, and how many of
    /// them are past [`MAX_PROBLEMS`] and only counted.
    file_start: usize,
    unreported: usize,
    /// Lines read, COMPLETE run events used.
    pub lines: usize,
    pub complete: usize,
}

#[derive(Deserialize)]
struct RawEvent {
    #[serde(rename = "eventType")]
    event_type: Option<String>,
    #[serde(rename = "eventTime")]
    event_time: Option<String>,
    run: Option<RawRun>,
    job: Option<RawName>,
    #[serde(default)]
    inputs: Option<Vec<RawName>>,
    #[serde(default)]
    outputs: Option<Vec<RawName>>,
}

#[derive(Deserialize)]
struct RawRun {
    #[serde(rename = "runId")]
    run_id: Option<String>,
}

#[derive(Deserialize)]
struct RawName {
    namespace: Option<String>,
    name: Option<String>,
}

impl RawName {
    fn both(self) -> Option<(String, String)> {
        Some((self.namespace?, self.name?))
    }
}

/// Reads every file of `files` in turn.
pub fn read(files: Vec<EventsFile>) -> Result<Events, EventsError> {
    let mut events = Events::default();
    for (i, f) in files.iter().enumerate() {
        events.stamps.push(crate::load::stamp(&f.path));
        let file = std::fs::File::open(&f.path).map_err(|source| EventsError::Unreadable {
            path: f.rel_path.clone(),
            source,
        })?;
        events
            .read_from(i, file)
            .map_err(|source| EventsError::Unreadable {
                path: f.rel_path.clone(),
                source,
            })?;
    }
    events.files = files;
    for up in &mut events.upstream {
        up.sort_unstable();
        up.shrink_to_fit();
    }
    Ok(events)
}

/// What one line says, parsed on any core.
enum Parsed {
    /// Blank, or an event that is not an observation.
    Nothing,
    Problem {
        column: usize,
        message: String,
    },
    Complete {
        job: String,
        run: String,
        time: String,
        inputs: Vec<(String, String)>,
        outputs: Vec<(String, String)>,
    },
}

/// How much of a file is read at a time: its lines are parsed in parallel,
/// then folded into the graph in order.
const BLOCK: usize = 4 << 20;

/// What a line longer than [`MAX_LINE`] is reported as.
fn too_long() -> String {
    format!(
        "the line is longer than {} MiB; it was skipped",
        MAX_LINE >> 20
    )
}

fn parse(line: &[u8]) -> Parsed {
    if line.len() > MAX_LINE {
        return Parsed::Problem {
            column: 1,
            message: too_long(),
        };
    }
    if line.iter().all(u8::is_ascii_whitespace) {
        return Parsed::Nothing;
    }
    let raw: RawEvent = match serde_json::from_slice(line) {
        Ok(raw) => raw,
        Err(e) => {
            let column = if e.line() <= 1 {
                let upto = &line[..line.len().min(e.column().saturating_sub(1))];
                String::from_utf8_lossy(upto).chars().count() + 1
            } else {
                1
            };
            let what = match e.classify() {
                serde_json::error::Category::Data => format!("not an OpenLineage event: {e}")
                    .replace(
                        "expected struct RawEvent",
                        "expected an event (a JSON object)",
                    ),
                _ => format!("not JSON: {e}"),
            };
            return Parsed::Problem {
                column,
                message: strip_position(&what),
            };
        }
    };
    // Static lineage (JobEvent, DatasetEvent) is declared, not observed;
    // START, RUNNING, FAIL and ABORT runs did not finish.
    if raw.run.is_none() || raw.event_type.as_deref() != Some("COMPLETE") {
        return Parsed::Nothing;
    }
    let problem = |message: String| Parsed::Problem { column: 1, message };
    let Some((job_ns, job_name)) = raw.job.and_then(RawName::both) else {
        return problem("a COMPLETE run event without `job.namespace` and `job.name`".into());
    };
    let datasets = |list: Option<Vec<RawName>>, side: &str| {
        list.unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, d)| {
                d.both().ok_or_else(|| {
                    format!("{side}[{i}] of a COMPLETE run event has no `namespace` and `name`")
                })
            })
            .collect::<Result<Vec<_>, _>>()
    };
    match (
        datasets(raw.inputs, "inputs"),
        datasets(raw.outputs, "outputs"),
    ) {
        (Ok(inputs), Ok(outputs)) => Parsed::Complete {
            job: format!("{job_ns}/{job_name}"),
            run: raw.run.and_then(|r| r.run_id).unwrap_or_default(),
            time: raw.event_time.unwrap_or_default(),
            inputs,
            outputs,
        },
        (Err(m), _) | (_, Err(m)) => problem(m),
    }
}

/// Reads from `input` until `buf` holds `want` bytes more, or the input
/// ends; returns how many were read.
fn fill(input: &mut impl Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<usize> {
    let start = buf.len();
    buf.resize(start + want, 0);
    let mut at = start;
    while at < buf.len() {
        match input.read(&mut buf[at..]) {
            Ok(0) => break,
            Ok(n) => at += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                buf.truncate(at);
                return Err(e);
            }
        }
    }
    buf.truncate(at);
    Ok(at - start)
}

impl Events {
    /// Reads the lines of `input`, the file numbered `file`, a block at a
    /// time (a line longer than [`MAX_LINE`] is skipped and reported).
    pub fn read_from(&mut self, file: usize, mut input: impl Read) -> std::io::Result<()> {
        use rayon::prelude::*;
        let mut buf: Vec<u8> = Vec::with_capacity(2 * BLOCK);
        // Lines read so far, and whether the start of `buf` is the middle
        // of a line too long to keep.
        let (mut number, mut skipping) = (0usize, false);
        self.file_start = self.problems.len();
        let (problems_before, mut first_block) = (self.file_start, true);
        loop {
            let read = fill(&mut input, &mut buf, BLOCK)?;
            // A byte-order mark an editor left is not part of the first event.
            if first_block && buf.starts_with(b"\xEF\xBB\xBF") {
                buf.drain(..3);
            }
            first_block = false;
            let end_of_input = read == 0;
            let complete = if end_of_input {
                buf.len()
            } else {
                match buf.iter().rposition(|&b| b == b'\n') {
                    Some(i) => i + 1,
                    None => {
                        if buf.len() > MAX_LINE && !skipping {
                            skipping = true;
                            self.problem(file, number + 1, 1, too_long());
                        }
                        if skipping {
                            buf.clear();
                        }
                        continue;
                    }
                }
            };
            let mut region = &buf[..complete];
            if skipping {
                // The rest of the overlong line, up to its line break.
                match region.iter().position(|&b| b == b'\n') {
                    Some(i) => region = &region[i + 1..],
                    None => region = &[],
                }
                number += 1;
                skipping = false;
            }
            let mut lines: Vec<&[u8]> = region.split(|&b| b == b'\n').collect();
            if region.ends_with(b"\n") || region.is_empty() {
                lines.pop();
            }
            let parsed: Vec<Parsed> = lines
                .par_iter()
                .with_min_len(256)
                .map(|l| parse(l))
                .collect();
            for (i, p) in parsed.into_iter().enumerate() {
                self.apply(file, number + i + 1, p);
            }
            number += lines.len();
            self.lines += lines.len();
            buf.drain(..complete);
            if end_of_input {
                self.cap_problems(problems_before);
                return Ok(());
            }
        }
    }

    /// Turns the last problem kept of a file that had more than
    /// [`MAX_PROBLEMS`] into one that counts them.
    fn cap_problems(&mut self, from: usize) {
        if self.problems.len() - from <= MAX_PROBLEMS {
            return;
        }
        let last = self.problems.last_mut().expect("a problem");
        last.message = format!(
            "{} more lines of this file cannot be read either (from this one on; the first {MAX_PROBLEMS} are reported one by one)",
            self.unreported + 1
        );
        self.unreported = 0;
    }

    /// Records a problem: the first [`MAX_PROBLEMS`] of the file being read
    /// (since `self.file_start`) one by one, then only the place of the next
    /// and how many follow, so a file of garbage takes no memory.
    fn problem(&mut self, file: usize, line: usize, column: usize, message: String) {
        if self.problems.len() - self.file_start > MAX_PROBLEMS {
            self.unreported += 1;
            return;
        }
        self.problems.push(Problem {
            file,
            line,
            column,
            message,
        });
    }

    fn apply(&mut self, file: usize, number: usize, parsed: Parsed) {
        let (job_key, run, time, inputs, outputs) = match parsed {
            Parsed::Nothing => return,
            Parsed::Problem { column, message } => {
                self.problem(file, number, column, message);
                return;
            }
            Parsed::Complete {
                job,
                run,
                time,
                inputs,
                outputs,
            } => (
                job.into_boxed_str(),
                run.into_boxed_str(),
                time.into_boxed_str(),
                inputs,
                outputs,
            ),
        };
        self.complete += 1;
        let job = match self.job_ids.get(&job_key) {
            Some(&j) => j,
            None => {
                let j = self.jobs.len() as u32;
                self.jobs.push(job_key.clone());
                self.job_ids.insert(job_key, j);
                j
            }
        };
        let inputs: Vec<ObservedNode> = inputs
            .into_iter()
            .map(|(n, m)| self.dataset(n, m))
            .collect();
        for (ns, name) in outputs {
            let out = self.dataset(ns, name);
            self.written[out as usize] = true;
            for &input in &inputs {
                if input == out {
                    continue;
                }
                let seen = Seen {
                    job,
                    run: run.clone(),
                    time: time.clone(),
                    file: file as u32,
                    line: number as u32,
                };
                match self.seen.entry((out, input)) {
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert(seen);
                        self.upstream[out as usize].push(input);
                    }
                    std::collections::hash_map::Entry::Occupied(mut slot) => {
                        if seen.time >= slot.get().time {
                            *slot.get_mut() = seen;
                        }
                    }
                }
            }
        }
    }

    fn dataset(&mut self, namespace: String, name: String) -> ObservedNode {
        let key = (namespace.into_boxed_str(), name.into_boxed_str());
        if let Some(&n) = self.by_name.get(&key) {
            return n;
        }
        let n = self.datasets.len() as ObservedNode;
        self.keys
            .push(format!("{}/{}", key.0, key.1).into_boxed_str());
        self.datasets.push(key.clone());
        self.by_name.insert(key, n);
        self.upstream.push(Vec::new());
        self.written.push(false);
        n
    }

    /// The dataset `namespace`/`name`, if an event named it.
    pub fn find(&self, namespace: &str, name: &str) -> Option<ObservedNode> {
        self.by_name
            .get(&(Box::from(namespace), Box::from(name)))
            .copied()
    }

    /// How many datasets the events name.
    pub fn len(&self) -> usize {
        self.datasets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.datasets.is_empty()
    }

    /// Whether a COMPLETE run wrote `node`.
    pub fn written(&self, node: ObservedNode) -> bool {
        self.written.get(node as usize).copied().unwrap_or(false)
    }

    /// The job, run, time and line of the latest COMPLETE event that showed
    /// `node` built from `parent`.
    pub fn seen(&self, node: ObservedNode, parent: ObservedNode) -> Option<Evidence<'_>> {
        let s = self.seen.get(&(node, parent))?;
        Some(Evidence {
            job: &self.jobs[s.job as usize],
            run: &s.run,
            time: &s.time,
            file: &self.files[s.file as usize].rel_path,
            line: s.line as usize,
        })
    }
}

/// What showed one edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evidence<'a> {
    /// `namespace/name` of the job.
    pub job: &'a str,
    pub run: &'a str,
    pub time: &'a str,
    pub file: &'a str,
    pub line: usize,
}

impl std::fmt::Display for Evidence<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "job `{}` run `{}`", self.job, self.run)?;
        if !self.time.is_empty() {
            write!(f, " at {}", self.time)?;
        }
        write!(f, ", {}:{}", self.file, self.line)
    }
}

impl Graph for Events {
    fn system(&self) -> &str {
        "OpenLineage"
    }

    fn key(&self, node: ObservedNode) -> &str {
        &self.keys[node as usize]
    }

    fn upstream(&self, node: ObservedNode) -> &[ObservedNode] {
        self.upstream
            .get(node as usize)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    fn built(&self, node: ObservedNode) -> bool {
        self.written(node)
    }

    fn evidence(&self, node: ObservedNode, parent: ObservedNode) -> String {
        match self.seen(node, parent) {
            Some(e) => format!("{e}"),
            None => "the run events".into(),
        }
    }
}

/// serde_json ends its messages with "at line L column C", which the
/// finding's own position says better.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Events {
        let mut e = Events {
            files: vec![EventsFile {
                rel_path: "events.jsonl".into(),
                path: "events.jsonl".into(),
            }],
            ..Events::default()
        };
        e.read_from(0, text.as_bytes()).unwrap();
        e
    }

    const RUN: &str = r#"{"eventType":"COMPLETE","eventTime":"2026-12-01T10:00:00Z","run":{"runId":"r1"},"job":{"namespace":"airflow","name":"daily.orders"},"inputs":[{"namespace":"pg","name":"raw.orders"}],"outputs":[{"namespace":"wh","name":"orders"}],"producer":"p","schemaURL":"s"}"#;

    #[test]
    fn a_complete_run_makes_its_outputs_read_its_inputs() {
        let e = events(&format!("{RUN}\n"));
        let out = e.find("wh", "orders").unwrap();
        let input = e.find("pg", "raw.orders").unwrap();
        assert_eq!(e.upstream(out), &[input]);
        assert!(e.written(out) && !e.written(input));
        assert_eq!(
            e.evidence(out, input),
            "job `airflow/daily.orders` run `r1` at 2026-12-01T10:00:00Z, events.jsonl:1"
        );
        assert_eq!(e.key(out), "wh/orders");
    }

    #[test]
    fn a_malformed_line_is_one_problem_at_its_line_and_the_rest_is_read() {
        let e = events(&format!(
            "{RUN}\n{{\"eventType\": \"COMPLETE\", oops}}\n\n[1,2]\n{}\n",
            RUN.replace("r1", "r2")
                .replace("2026-12-01T10", "2026-12-02T10")
        ));
        assert_eq!(e.problems.len(), 2, "{:?}", e.problems);
        assert_eq!((e.problems[0].line, e.problems[0].column), (2, 27));
        assert!(
            e.problems[0].message.starts_with("not JSON"),
            "{}",
            e.problems[0].message
        );
        assert_eq!(e.problems[1].line, 4);
        assert!(
            e.problems[1]
                .message
                .starts_with("not an OpenLineage event")
        );
        assert_eq!(e.complete, 2);
        let (out, input) = (
            e.find("wh", "orders").unwrap(),
            e.find("pg", "raw.orders").unwrap(),
        );
        // The latest run is the evidence.
        assert!(e.evidence(out, input).contains("`r2`"));
    }

    #[test]
    fn a_file_of_garbage_is_a_hundred_findings_and_a_count_and_a_bom_is_skipped() {
        let mut text = String::from("\u{feff}");
        text.push_str(RUN);
        text.push('\n');
        for _ in 0..250 {
            text.push_str("garbage\n");
        }
        let e = events(&text);
        assert_eq!(e.complete, 1, "the first line, after its BOM, is read");
        assert_eq!(e.problems.len(), MAX_PROBLEMS + 1);
        let last = e.problems.last().unwrap();
        assert_eq!(last.line, 2 + MAX_PROBLEMS);
        assert!(
            last.message.starts_with("150 more lines"),
            "{}",
            last.message
        );
        let e = events("\"str\"\n");
        assert!(
            e.problems[0]
                .message
                .contains("expected an event (a JSON object)"),
            "{}",
            e.problems[0].message
        );
    }

    #[test]
    fn other_events_are_not_observations() {
        let start = RUN.replace("COMPLETE", "START");
        let job_event = r#"{"eventTime":"2026-12-01T10:00:00Z","job":{"namespace":"a","name":"b"},"inputs":[{"namespace":"x","name":"y"}],"outputs":[{"namespace":"x","name":"z"}],"producer":"p","schemaURL":"s"}"#;
        let e = events(&format!("{start}\r\n{job_event}\n"));
        assert!(e.is_empty() && e.problems.is_empty());
    }

    #[test]
    fn a_complete_event_without_names_is_a_problem() {
        let e = events(
            r#"{"eventType":"COMPLETE","run":{"runId":"r"},"job":{"namespace":"a","name":"b"},"outputs":[{"name":"z"}]}"#,
        );
        assert_eq!(e.problems.len(), 1);
        assert!(e.problems[0].message.contains("outputs[0]"));
    }

    #[test]
    fn an_overlong_line_is_skipped() {
        let long = "x".repeat(MAX_LINE + 10);
        let e = events(&format!("{long}\n{RUN}\n"));
        assert_eq!(e.problems.len(), 1);
        assert_eq!(e.problems[0].line, 1);
        assert_eq!(e.complete, 1);
    }
}
