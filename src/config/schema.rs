//! A JSON Schema of `throughline.toml`, for editors: taplo and Even Better
//! TOML complete and validate the file with it (`#:schema` on its first
//! line, as `init` writes). It states what [`super::Config::parse`] accepts.

use serde_json::{Map, Value, json};

use crate::diagnostic::Rule;

/// File name of the configuration's schema (`throughline schema --config`).
pub const FILE_NAME: &str = "throughline-config.schema.json";

/// The schema (JSON Schema draft-07, which every TOML tool reads).
pub fn schema() -> Value {
    let rules: Map<String, Value> = Rule::ALL
        .iter()
        .map(|r| {
            let default = r.default_level();
            let doc = crate::explain::url(*r);
            (
                r.name().to_string(),
                json!({
                    "enum": ["error", "warning", "off"],
                    "default": default,
                    "description": format!("{} Default: {default}. {doc}", r.summary()),
                    "markdownDescription": format!("{} Default: `{default}`. [More]({doc})", r.summary()),
                }),
            )
        })
        .collect();
    let limits = crate::load::yaml::Limits::default();
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://throughline.dev/schemas/v1/throughline-config.schema.json",
        "title": "throughline.toml",
        "description": "Settings of a throughline workspace.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "rules": {
                "description": "Rule severities: \"error\", \"warning\" or \"off\". `throughline explain --list` lists the rules.",
                "type": "object",
                "additionalProperties": false,
                "properties": rules,
            },
            "site": {
                "description": "The generated site (`throughline build`).",
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "title": { "type": "string", "description": "Title in the site's header; the North Star's name by default." },
                    "repo_url": { "type": "string", "description": "Base URL for \"Edit this spec\" links, such as https://github.com/acme/specs/edit/main; the spec's path is appended." },
                    "templates": { "type": "string", "description": "Directory of template overrides, relative to the workspace; `templates` by default." },
                    "url": { "type": "string", "description": "Where the built site is published; the workbook, the dbt exposures and the Backstage export link each entity to its page there." },
                    "base-url": { "type": "string", "description": "Another name of `url` (CONTRACT §13)." },
                },
            },
            "schemas": {
                "description": "The organisation's own JSON Schemas, applied on top of the built-in ones.",
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "dir": { "type": "string", "description": "Directory of `<Kind>.schema.json` files, relative to the workspace." },
                },
            },
            "workspace": {
                "description": "Which files are specs.",
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "include": { "type": "array", "items": { "type": "string" }, "description": "Globs of files to read; `**/*.yaml` and `**/*.yml` by default." },
                    "exclude": { "type": "array", "items": { "type": "string" }, "description": "Globs of files to leave out, such as a dbt project's `**/schema.yml`." },
                },
            },
            "review": {
                "description": "Suspect links (`throughline review`): which changes of a parent ask for its links to be reviewed again.",
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "ignore": {
                        "type": "array",
                        "items": { "type": "string", "pattern": "^([A-Za-z]+\\.)?[^.]+$" },
                        "uniqueItems": true,
                        "description": "Top-level fields left out of every parent's fingerprint (`description`), or of one kind's (`Goal.successIndicators`). `owner`, `status`, `tags`, `reviewBy`, `allow` and measured `current` values never count.",
                    },
                },
            },
            "dbt": {
                "description": "The dbt project the specs describe (CONTRACT §11): its artifacts, checked against the trace by `dbt-ref`, `lineage-drift`, `dbt-failing` and `freshness-unmet`. Paths are relative to the workspace.",
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "manifest": { "type": "string", "description": "dbt's `manifest.json` (`target/manifest.json`); required for the rest of the section." },
                    "run-results": { "type": "string", "description": "dbt's `run_results.json`, for `dbt-failing` and the tests' last status on the site." },
                    "sources": { "type": "string", "description": "The `sources.json` that `dbt source freshness` writes, for `freshness-unmet`." },
                },
                "dependencies": { "run-results": ["manifest"], "sources": ["manifest"] },
            },
            "openlineage": {
                "description": "OpenLineage (CONTRACT §13): the namespace `export openlineage` writes jobs under, and the run-event files read as observed lineage for `lineage-drift`.",
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "namespace": { "type": "string", "minLength": 1, "default": "throughline", "description": "Job namespace of the exported events, and the dataset namespace of ports and Sources without `dataset`." },
                    "events": { "type": "array", "items": { "type": "string", "minLength": 1 }, "description": "Files of OpenLineage run events, one JSON event a line (the file transport's output), relative to the workspace; globs allowed (`lineage/*.jsonl`)." },
                },
            },
            "limits": {
                "description": "Limits that keep hostile input from exhausting memory or the stack.",
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "max-file-size": { "type": "integer", "minimum": 0, "maximum": u32::MAX, "default": limits.max_file_size, "description": "Largest spec file read, in bytes; a larger one is reported and skipped (at most 4 GiB)." },
                    "max-depth": { "type": "integer", "minimum": 0, "default": limits.max_depth, "description": "Deepest nesting of mappings and lists." },
                    "max-alias-nodes": { "type": "integer", "minimum": 0, "default": limits.max_alias_nodes, "description": "Most nodes that YAML aliases may expand to, per file." },
                },
            },
        },
    })
}
