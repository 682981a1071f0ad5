//! Run events, streamed: each line of each file is parsed on its own and
//! folded into a graph of datasets, so memory follows the number of
//! datasets and edges, not the size of the files. A line that cannot be
//! read is a problem at its line (`lineage-invalid`); the rest is still read.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

use serde::Deserialize;

use crate::lineage::{Graph, ObservedNode};

use super::{EventsError, EventsFile};

/// A line longer than this is skipped (and reported), so that one runaway
/// line cannot take the memory of the whole file.
pub const MAX_LINE: usize = 16 << 20;

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

impl Events {
    /// Reads the lines of `input`, the file numbered `file`.
    pub fn read_from(&mut self, file: usize, input: impl Read) -> std::io::Result<()> {
        let mut reader = BufReader::with_capacity(1 << 20, input);
        let mut line = Vec::new();
        let mut number = 0;
        loop {
            line.clear();
            let (read, complete) = read_line(&mut reader, &mut line)?;
            if read == 0 {
                break;
            }
            number += 1;
            self.lines += 1;
            if !complete {
                self.problem(
                    file,
                    number,
                    1,
                    format!(
                        "the line is longer than {} MiB; it was skipped",
                        MAX_LINE >> 20
                    ),
                );
                continue;
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            self.event(file, number, &line);
        }
        Ok(())
    }

    fn problem(&mut self, file: usize, line: usize, column: usize, message: String) {
        self.problems.push(Problem {
            file,
            line,
            column,
            message,
        });
    }

    fn event(&mut self, file: usize, number: usize, line: &[u8]) {
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
                    serde_json::error::Category::Data => {
                        format!("not an OpenLineage event: {e}")
                    }
                    _ => format!("not JSON: {e}"),
                };
                self.problem(file, number, column, strip_position(&what));
                return;
            }
        };
        // Static lineage (JobEvent, DatasetEvent) is declared, not
        // observed; START, RUNNING, FAIL and ABORT runs did not finish.
        if raw.run.is_none() || raw.event_type.as_deref() != Some("COMPLETE") {
            return;
        }
        let Some((job_ns, job_name)) = raw.job.and_then(RawName::both) else {
            self.problem(
                file,
                number,
                1,
                "a COMPLETE run event without `job.namespace` and `job.name`".into(),
            );
            return;
        };
        let run = raw
            .run
            .and_then(|r| r.run_id)
            .unwrap_or_default()
            .into_boxed_str();
        let time = raw.event_time.unwrap_or_default().into_boxed_str();
        let datasets = |list: Option<Vec<RawName>>, side: &str| {
            let mut out = Vec::new();
            for (i, d) in list.unwrap_or_default().into_iter().enumerate() {
                match d.both() {
                    Some(n) => out.push(n),
                    None => {
                        return Err(format!(
                            "{side}[{i}] of a COMPLETE run event has no `namespace` and `name`"
                        ));
                    }
                }
            }
            Ok(out)
        };
        let (inputs, outputs) = match (
            datasets(raw.inputs, "inputs"),
            datasets(raw.outputs, "outputs"),
        ) {
            (Ok(i), Ok(o)) => (i, o),
            (Err(m), _) | (_, Err(m)) => {
                self.problem(file, number, 1, m);
                return;
            }
        };
        self.complete += 1;
        let job_key = format!("{job_ns}/{job_name}").into_boxed_str();
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
                            slot.insert(seen);
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

/// Reads one line (without its `\n`) into `line`, up to [`MAX_LINE`]
/// bytes; a longer line is consumed without being kept. Returns the bytes
/// consumed and whether the line was kept whole.
fn read_line(reader: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<(usize, bool)> {
    let mut consumed = 0;
    let mut whole = true;
    loop {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok((consumed, whole));
        }
        let (chunk, done) = match memchr(buf) {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        if whole && line.len() + chunk.len() <= MAX_LINE {
            line.extend_from_slice(chunk);
        } else {
            whole = false;
            line.clear();
        }
        let used = done.unwrap_or(buf.len());
        reader.consume(used);
        consumed += used;
        if done.is_some() {
            return Ok((consumed, whole));
        }
    }
}

fn memchr(buf: &[u8]) -> Option<usize> {
    buf.iter().position(|&b| b == b'\n')
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
        assert_eq!((e.problems[0].line, e.problems[0].column), (2, 28));
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
