//! How the tool arrives: completions, man pages, rule explanations (and the
//! examples in docs/rules run as workspaces), the configuration's schema,
//! the GitHub Action and the release workflow, `--version`.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::{TODAY, check_json, findings, stderr, stdout, throughline, workspace};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The files of the `### Fails` or `### Passes` section of a rule's page:
/// every fenced block with a `title="PATH"`.
fn example(page: &str, section: &str) -> Vec<(String, String)> {
    let start = page
        .find(&format!("### {section}\n"))
        .unwrap_or_else(|| panic!("no {section}"));
    let rest = &page[start + section.len() + 5..];
    let end = [rest.find("\n## "), rest.find("\n### ")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(rest.len());
    let rest = &rest[..end];
    let mut files = Vec::new();
    let mut lines = rest.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let name = info
            .split("title=\"")
            .nth(1)
            .and_then(|n| n.strip_suffix('"'))
            .unwrap_or_else(|| panic!("a block without a title in {section}: {line}"));
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        let name = name.to_string();
        assert!(
            files.iter().all(|(n, _)| *n != name),
            "{section} repeats {name}"
        );
        files.push((name, body.join("\n") + "\n"));
    }
    assert!(!files.is_empty(), "{section} has no files");
    files
}

fn rule_pages() -> Vec<(String, String)> {
    let out = throughline(&["explain", "--list"]);
    assert_eq!(out.status.code(), Some(0));
    let names: Vec<String> = stdout(&out)
        .lines()
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 31, "{names:?}");
    names
        .into_iter()
        .map(|name| {
            let page = std::fs::read_to_string(repo().join(format!("docs/rules/{name}.md")))
                .unwrap_or_else(|e| panic!("docs/rules/{name}.md: {e}"));
            (name, page)
        })
        .collect()
}

/// The JSON report of a workspace holding just `files`.
fn check_files(files: &[(String, String)]) -> Value {
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = workspace(&files);
    check_json(dir.path(), &[]).0
}

#[test]
fn every_rule_page_example_fails_and_passes_as_it_says() {
    for (rule, page) in rule_pages() {
        let fails = example(&page, "Fails");
        let report = check_files(&fails);
        let found = findings(&report, &rule);
        assert!(
            !found.is_empty(),
            "{rule}: the failing example does not fire it: {report}"
        );
        // A finding with a place points into the example's own files.
        for f in found.iter().filter(|f| !f["file"].is_null()) {
            let file = f["file"].as_str().unwrap();
            assert!(fails.iter().any(|(p, _)| p == file), "{rule}: {f}");
            assert!(f["line"].as_u64().unwrap() >= 1);
        }

        let report = check_files(&example(&page, "Passes"));
        assert!(
            findings(&report, &rule).is_empty(),
            "{rule}: the passing example fires it: {report}"
        );
        assert!(
            page.contains(&format!("{rule} = \"off\"")),
            "{rule}: how to turn it off"
        );
        assert!(
            page.contains(&format!("--today {TODAY}")),
            "{rule}: the date the examples hold on"
        );
    }
}

#[test]
fn explain_prints_the_page_and_refuses_an_unknown_rule() {
    let out = throughline(&["explain", "untraced"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for part in [
        "untraced\n",
        "Why it matters\n--------------",
        "How to fix it",
        "Fails:",
        "Passes:",
        "Turning it off",
        "untraced = \"off\"",
    ] {
        assert!(text.contains(part), "{part:?} in\n{text}");
    }
    assert!(text.contains("docs/rules/untraced.md"), "{text}");
    assert!(
        text.lines()
            .all(|l| l.chars().count() <= 100 || l.starts_with("      ")),
        "{text}"
    );

    let out = throughline(&["explain", "untraced", "--markdown"]);
    let page = std::fs::read_to_string(repo().join("docs/rules/untraced.md")).unwrap();
    assert_eq!(
        stdout(&out),
        page,
        "--markdown prints docs/rules/untraced.md as it is"
    );

    let out = throughline(&["explain", "untracd"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("a similar value exists: 'untraced'"),
        "{}",
        stderr(&out)
    );

    let list = stdout(&throughline(&["explain", "--list"]));
    assert!(
        list.contains("broken-ref")
            && list.contains("error")
            && list.contains("A reference names no entity."),
        "{list}"
    );
    assert!(
        list.lines()
            .any(|l| l.starts_with("stale-review") && l.contains("warning")),
        "{list}"
    );
}

/// The address every rule's findings link to, in SARIF and the language server.
fn page_url(rule: &str) -> String {
    format!(
        "{}/blob/v{}/docs/rules/{rule}.md",
        env!("CARGO_PKG_REPOSITORY"),
        env!("CARGO_PKG_VERSION")
    )
}

#[test]
fn sarif_rules_link_their_pages() {
    let dir = crate::common::fixture("broken-ref");
    let out = throughline(&[
        "check",
        dir.to_str().unwrap(),
        "--format",
        "sarif",
        "--today",
        TODAY,
    ]);
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), 31);
    for r in rules {
        let id = r["id"].as_str().unwrap();
        assert_eq!(r["helpUri"], page_url(id));
        assert!(repo().join(format!("docs/rules/{id}.md")).is_file());
        assert!(
            r["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains(&page_url(id))
        );
    }
}

fn bash_complete(line: &str) -> Vec<String> {
    let script = stdout(&throughline(&["completions", "bash"]));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("throughline.bash");
    std::fs::write(&path, script).unwrap();
    // What bash does on TAB: the words so far, the one being completed last.
    let program = r#"source "$1"
complete -p throughline >/dev/null || exit 3
read -ra COMP_WORDS <<< "$2"
[[ "$2" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="$2"; COMP_POINT=${#COMP_LINE}
prev=""; (( COMP_CWORD > 0 )) && prev="${COMP_WORDS[COMP_CWORD-1]}"
_throughline throughline "${COMP_WORDS[COMP_CWORD]}" "$prev"
printf '%s\n' "${COMPREPLY[@]}""#;
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", program, "bash"])
        .arg(&path)
        .arg(line)
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_commands_flags_and_format_values() {
    let commands = bash_complete("throughline ");
    for c in [
        "check",
        "build",
        "serve",
        "diff",
        "explain",
        "completions",
        "man",
    ] {
        assert!(commands.contains(&c.to_string()), "{c} in {commands:?}");
    }
    let mut ex = bash_complete("throughline ex");
    ex.sort();
    assert_eq!(ex, vec!["explain", "export"]);
    let flags = bash_complete("throughline check --");
    for f in ["--format", "--baseline", "--today", "--strict"] {
        assert!(flags.contains(&f.to_string()), "{f} in {flags:?}");
    }
    let formats = bash_complete("throughline check --format ");
    assert_eq!(formats, vec!["human", "json", "sarif", "github", "junit"]);
    assert_eq!(bash_complete("throughline check --format s"), vec!["sarif"]);
    assert_eq!(
        bash_complete("throughline explain broken"),
        vec!["broken-ref"]
    );
}

#[test]
fn every_shell_gets_a_script() {
    for (shell, marker) in [
        ("bash", "complete -F _throughline"),
        ("zsh", "#compdef throughline"),
        ("fish", "complete -c throughline"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[throughline]"),
    ] {
        let out = throughline(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(stdout(&out).contains(marker), "{shell}: {}", stdout(&out));
    }
    let out = throughline(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    if Command::new("zsh").arg("--version").output().is_ok() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("_throughline");
        std::fs::write(&path, stdout(&throughline(&["completions", "zsh"]))).unwrap();
        let out = Command::new("zsh").arg("-n").arg(&path).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `man -l` when `man` is installed (scripts/test.sh installs it and
/// requires it with THROUGHLINE_REQUIRE_MAN=1).
fn man_renders(page: &Path) -> Option<String> {
    let out = Command::new("man")
        .arg("-l")
        .arg(page)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "100")
        .env("MAN_KEEP_FORMATTING", "0")
        .output();
    match out {
        Ok(out) => {
            assert!(
                out.status.success(),
                "man -l: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Err(_) if std::env::var_os("THROUGHLINE_REQUIRE_MAN").is_none() => None,
        Err(e) => panic!("man: {e}"),
    }
}

/// Text without the overstrike bold and underline some `man` versions keep.
fn plain(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c == '\u{8}' {
            out.pop();
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn the_man_pages_render() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("throughline.1");
    let out = throughline(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    std::fs::write(&page, &out.stdout).unwrap();
    assert!(
        stdout(&out).starts_with(".ie"),
        "roff: {}",
        &stdout(&out)[..80]
    );

    let pages = dir.path().join("pages");
    let out = throughline(&["man", "--out", pages.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for name in [
        "throughline.1",
        "throughline-check.1",
        "throughline-explain.1",
        "throughline-export-odps.1",
    ] {
        assert!(pages.join(name).is_file(), "{name}");
    }

    let Some(text) = man_renders(&page) else {
        return;
    };
    let text = plain(&text);
    for part in [
        "NAME",
        "throughline",
        "SYNOPSIS",
        "SUBCOMMANDS",
        "check",
        "explain",
        "VERSION",
    ] {
        assert!(text.contains(part), "{part} in\n{text}");
    }
    let text = plain(&man_renders(&pages.join("throughline-check.1")).unwrap());
    assert!(
        text.contains("--format") && text.contains("sarif"),
        "{text}"
    );
}

#[test]
fn version_names_the_commit() {
    let out = throughline(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!("throughline {}", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(repo())
        .output();
    if let Ok(head) = head
        && head.status.success()
    {
        let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
        assert!(text.contains(&format!("({head} ")), "{text} names {head}");
    }
}

fn toml_json(text: &str) -> Value {
    let value: toml::Value = toml::from_str(text).unwrap();
    serde_json::to_value(value).unwrap()
}

#[test]
fn the_config_schema_accepts_what_throughline_reads_and_init_points_to_it() {
    let out = throughline(&["schema", "--config"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let rules = schema["properties"]["rules"]["properties"]
        .as_object()
        .unwrap();
    let list = stdout(&throughline(&["explain", "--list"]));
    assert_eq!(rules.len(), 31);
    for name in rules.keys() {
        assert!(list.contains(&format!("{name} ")), "{name}");
    }

    let full = r#"[rules]
missing-slo = "off"
stale-review = "error"

[site]
title = "Our data products"
repo_url = "https://github.com/acme/specs/edit/main"
url = "https://specs.example.com/"

[workspace]
include = ["**/*.yaml"]
exclude = ["**/schema.yml"]

[limits]
max-file-size = 1048576
max-depth = 50
max-alias-nodes = 1000

[review]
ignore = ["description", "Goal.successIndicators"]
"#;
    let example = std::fs::read_to_string(repo().join("example-spec/throughline.toml")).unwrap();
    for text in [full, example.as_str()] {
        let errors: Vec<String> = validator
            .iter_errors(&toml_json(text))
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}\n{text}");
    }
    let ws = workspace(&[
        ("throughline.toml", full),
        ("specs.yaml", &crate::common::base_yaml()),
    ]);
    let (_, code) = check_json(ws.path(), &[]);
    assert_eq!(code, 0, "throughline reads every key the schema offers");

    for bad in [
        "[rules]\nunused = \"warn\"\n",
        "[rulez]\n",
        "[limits]\nmax-depth = -1\n",
        "[site]\nrepo-url = \"x\"\n",
        "[dbt]\nrun-results = \"target/run_results.json\"\n",
        "[dbt]\nmanifest = \"m.json\"\nrun_results = \"r.json\"\n",
    ] {
        assert!(
            !validator.is_valid(&toml_json(bad)),
            "the schema accepts {bad}"
        );
        let ws = workspace(&[
            ("throughline.toml", bad),
            ("specs.yaml", &crate::common::base_yaml()),
        ]);
        let out = throughline(&["check", ws.path().to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "throughline accepts {bad}");
    }

    // `init` writes the schema beside the others and names it on the first line.
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    assert_eq!(
        throughline(&["init", ws.to_str().unwrap()]).status.code(),
        Some(0)
    );
    let config = std::fs::read_to_string(ws.join("throughline.toml")).unwrap();
    let first = config.lines().next().unwrap();
    let path = first.strip_prefix("#:schema ./").expect("a #:schema line");
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.join(path)).unwrap()).unwrap();
    assert_eq!(written, schema);
    assert!(validator.is_valid(&toml_json(&config)));
}

/// A YAML file as JSON, read by throughline's own parser (YAML 1.2: `on` stays a key).
fn yaml_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    yaml_text_json(&text)
}

fn yaml_text_json(text: &str) -> Value {
    use throughline::load::{source::SourceFile, yaml};
    let file = SourceFile::new("f.yaml".into(), "f.yaml".into(), text);
    let parsed = yaml::parse(&file, yaml::Limits::default());
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    parsed.documents[0].to_json()
}

fn vendored(name: &str) -> jsonschema::Validator {
    let path = repo().join("tests/vendor/schemastore").join(name);
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid(validator: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

#[test]
fn the_action_is_valid_action_metadata_and_says_what_it_uses() {
    let schema = vendored("github-actions.json");
    let action = yaml_json(&repo().join("action.yml"));
    assert_valid(&schema, &action, "action.yml");
    // The schema can fail: a composite step without `shell` is refused.
    let mut broken = action.clone();
    broken["runs"]["steps"][0]
        .as_object_mut()
        .unwrap()
        .remove("shell");
    assert!(
        !schema.is_valid(&broken),
        "the vendored schema accepts a step without shell"
    );

    assert_eq!(action["runs"]["using"], "composite");
    assert_eq!(
        action["inputs"]["version"]["default"],
        env!("CARGO_PKG_VERSION")
    );
    let text = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    let inputs = action["inputs"].as_object().unwrap();
    for used in text.split("inputs.").skip(1) {
        let name: String = used
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        assert!(
            inputs.contains_key(&name),
            "action.yml uses undeclared input `{name}`"
        );
    }
    let steps: Vec<&str> = action["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    for used in text.split("steps.").skip(1) {
        let id: String = used
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        assert!(
            steps.contains(&id.as_str()),
            "action.yml reads step `{id}`, which has no id"
        );
    }
    for input in inputs.values() {
        assert!(input["description"].as_str().is_some_and(|d| !d.is_empty()));
    }
    // Every input is documented in docs/ci.md.
    let ci = std::fs::read_to_string(repo().join("docs/ci.md")).unwrap();
    for name in inputs.keys() {
        assert!(
            ci.contains(&format!("| `{name}` |")),
            "docs/ci.md documents input `{name}`"
        );
    }
}

fn workflow_text_names_archives() -> bool {
    let workflow = std::fs::read_to_string(repo().join(".github/workflows/release.yml")).unwrap();
    workflow.contains("name=\"throughline-$TAG-${{ matrix.target }}\"")
        && workflow.contains("cp \"$bin\" \"dist/$name/\"")
}

#[test]
fn the_workflows_are_valid_and_use_this_version_of_the_action() {
    let schema = vendored("github-workflows.json");
    let release = yaml_json(&repo().join(".github/workflows/release.yml"));
    assert_valid(&schema, &release, ".github/workflows/release.yml");
    let mut broken = release.clone();
    broken["jobs"]["build"]
        .as_object_mut()
        .unwrap()
        .remove("runs-on");
    assert!(
        !schema.is_valid(&broken),
        "the vendored schema accepts a job without runs-on"
    );
    let targets: Vec<&str> = release["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    for t in [
        "x86_64-unknown-linux-gnu",
        "x86_64-unknown-linux-musl",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(targets.contains(&t), "release builds {t}");
    }
    // Published binaries are the stripped `dist` profile, built and installed alike.
    let cargo = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap();
    assert!(cargo.contains("[profile.dist]"));
    // cargo-binstall finds the archives by the names the workflow gives them.
    let manifest: toml::Value = toml::from_str(&cargo).unwrap();
    let binstall = &manifest["package"]["metadata"]["binstall"];
    let expand = |t: &str, target: &str| {
        t.replace("{ repo }", env!("CARGO_PKG_REPOSITORY"))
            .replace("{ version }", env!("CARGO_PKG_VERSION"))
            .replace("{ target }", target)
            .replace("{ bin }", "throughline")
            .replace("{ binary-ext }", "")
    };
    let url = expand(
        binstall["pkg-url"].as_str().unwrap(),
        "x86_64-unknown-linux-musl",
    );
    assert_eq!(
        url,
        format!(
            "{}/releases/download/v{v}/throughline-v{v}-x86_64-unknown-linux-musl.tar.gz",
            env!("CARGO_PKG_REPOSITORY"),
            v = env!("CARGO_PKG_VERSION")
        )
    );
    let windows = &binstall["overrides"]["x86_64-pc-windows-msvc"];
    assert!(
        expand(
            windows["pkg-url"].as_str().unwrap(),
            "x86_64-pc-windows-msvc"
        )
        .ends_with("-x86_64-pc-windows-msvc.zip")
    );
    // The workflow names archives `throughline-$TAG-TARGET` with the binary inside that directory.
    assert!(workflow_text_names_archives(), "release.yml archive names");
    let workflow = std::fs::read_to_string(repo().join(".github/workflows/release.yml")).unwrap();
    assert!(workflow.contains("--profile dist") && workflow.contains("/dist/throughline"));
    let action = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    assert!(action.contains("cargo install --locked --profile dist"));
    for t in &targets {
        if t.contains("musl") || t.contains("apple") || t.contains("windows") {
            assert!(action.contains(t), "the action downloads {t}");
        }
    }

    // The workflow in docs/ci.md, as users copy it.
    let ci = std::fs::read_to_string(repo().join("docs/ci.md")).unwrap();
    let start = ci
        .find("```yaml\n# .github/workflows/specs.yml")
        .expect("the workflow in docs/ci.md");
    let body = &ci[start + 8..];
    let body = &body[..body.find("\n```").unwrap()];
    let workflow = yaml_text_json(body);
    assert_valid(&schema, &workflow, "docs/ci.md workflow");
    let uses = format!("throughline-dev/throughline@v{}", env!("CARGO_PKG_VERSION"));
    assert!(body.contains(&uses), "docs/ci.md uses {uses}");
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    for args in [
        &["man"][..],
        &["completions", "zsh"],
        &["explain", "--list"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_throughline"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The reader is gone before anything is written, as `| head` goes.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The README's two commands (build the example's site, run every test) are
/// in its Quick start, and CI runs the same test command.
#[test]
fn the_readme_gives_the_two_commands_that_ci_runs() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let start = readme
        .find("## Quick start")
        .expect("README has a Quick start");
    let block = &readme[start..];
    let block = &block[..block[3..].find("\n## ").map_or(block.len(), |i| i + 3)];
    let commands: Vec<&str> = block
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(
        commands,
        [
            "cargo run --release -- build example-spec",
            "bash scripts/test.sh"
        ],
        "{block}"
    );
    let ci = std::fs::read_to_string(repo().join(".ci/run")).unwrap();
    assert!(
        ci.lines().any(|l| l.trim() == "bash scripts/test.sh"),
        "{ci}"
    );
}
