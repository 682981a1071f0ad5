//! Hostile workspaces: each ends in a clear diagnostic or a reported skip,
//! with exit code 1 or 2, within a bounded time; never a panic or a hang.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{TODAY, base_yaml, stderr, stdout, throughline, workspace};

/// Runs `check --format json` on `dir`, failing the test if it takes longer than `limit`.
fn check_bounded(dir: &Path, limit: Duration) -> (serde_json::Value, i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_throughline"))
        .args([
            "check",
            dir.to_str().unwrap(),
            "--format",
            "json",
            "--today",
            TODAY,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut s).unwrap();
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("check did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(
        !stderr.contains("panicked") && !stderr.contains("internal failure"),
        "{stderr}"
    );
    let out = reader.join().unwrap();
    let json = serde_json::from_slice(&out).unwrap_or(serde_json::Value::Null);
    (json, status.code().expect("exit code"), stderr)
}

fn findings_in<'r>(report: &'r serde_json::Value, file: &str) -> Vec<&'r serde_json::Value> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["file"] == file)
        .collect()
}

fn rules_in(report: &serde_json::Value, file: &str) -> Vec<String> {
    findings_in(report, file)
        .iter()
        .map(|d| d["rule"].as_str().unwrap().to_string())
        .collect()
}

const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn alias_bombs_are_stopped() {
    let mut bomb = String::from(
        "kind: Source\nid: bomb\nname: Bomb\nsystem: x\na: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n",
    );
    let mut prev = 'a';
    for c in 'b'..='j' {
        bomb.push_str(&format!("{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        prev = c;
    }
    let ws = workspace(&[("base.yaml", &base_yaml()), ("bomb.yaml", &bomb)]);
    let (report, code, _) = check_bounded(ws.path(), LIMIT);
    assert_eq!(code, 1);
    let d = &report["diagnostics"][0];
    assert_eq!(d["rule"], "yaml-syntax");
    assert!(
        d["message"].as_str().unwrap().contains("aliases expand"),
        "{d}"
    );
}

#[test]
fn deep_nesting_is_stopped() {
    let flow = format!(
        "kind: Source\nid: deep\nx: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let block: String = (0..100_000)
        .map(|i| format!("{}- \n", " ".repeat(i % 200)))
        .collect();
    let mapping: String = (0..5_000)
        .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
        .collect();
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        ("flow.yaml", &flow),
        ("block.yaml", &block),
        ("mapping.yaml", &mapping),
    ]);
    let (report, code, _) = check_bounded(ws.path(), LIMIT);
    assert_eq!(code, 1);
    for file in ["flow.yaml", "mapping.yaml"] {
        assert!(
            rules_in(&report, file).contains(&"yaml-syntax".to_string()),
            "{file}: {report}"
        );
    }
    let flow = findings_in(&report, "flow.yaml")[0];
    assert!(
        flow["message"]
            .as_str()
            .unwrap()
            .contains("nested more than"),
        "{flow}"
    );
}

#[test]
fn huge_files_are_skipped_with_a_finding() {
    let ws = workspace(&[("base.yaml", &base_yaml())]);
    let big = std::fs::File::create(ws.path().join("big.yaml")).unwrap();
    big.set_len(200 * 1024 * 1024).unwrap(); // 200 MB, sparse
    let (report, code, _) = check_bounded(ws.path(), LIMIT);
    assert_eq!(code, 1);
    let d = findings_in(&report, "big.yaml")[0];
    assert_eq!(d["rule"], "yaml-syntax");
    assert!(
        d["message"].as_str().unwrap().contains("max-file-size"),
        "{d}"
    );
    // The file's own length, though it is read no further than the limit.
    assert!(
        d["message"].as_str().unwrap().contains("209715200 bytes"),
        "{d}"
    );
    // The limit is configurable.
    std::fs::write(
        ws.path().join("throughline.toml"),
        "[limits]\nmax-file-size = 100\n",
    )
    .unwrap();
    let (report, _, _) = check_bounded(ws.path(), LIMIT);
    assert!(rules_in(&report, "base.yaml").contains(&"yaml-syntax".to_string()));
    let len = std::fs::metadata(ws.path().join("base.yaml"))
        .unwrap()
        .len();
    let d = findings_in(&report, "base.yaml")[0];
    let expected = format!("the file is {len} bytes, more than the limit of 100");
    assert!(d["message"].as_str().unwrap().contains(&expected), "{d}");
}

#[test]
fn binary_odd_names_tags_keys_and_numbers() {
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        ("bin.yaml", "\u{89}PNG\r\n\u{1a}\n"),
        (
            "spaces and ünïcode ✓.yaml",
            "kind: Consumer\nid: odd\nname: Odd name\ntype: human\n",
        ),
        (
            "tags.yaml",
            "kind: !!str Source\nid: &id tagged\nname: !custom Tagged\nsystem: *id\nsensitivity: !!str none\n",
        ),
        (
            "keys.yaml",
            "kind: Source\nid: keys\nname: Keys\nsystem: x\n1: one\ntrue: yes\n? [a, b]\n: c\n~: null\n",
        ),
        (
            "numbers.yaml",
            "kind: Goal\nid: numbers\nname: Numbers\ncontributesTo: ns\nsuccessIndicators:\n  - name: n\n    unit: u\n    target: 1e400\n    baseline: 99999999999999999999999999\n    current: .nan\n",
        ),
        ("dir.yaml/inner.txt", "not a spec"),
    ]);
    std::fs::write(ws.path().join("raw.yaml"), [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let (report, code, _) = check_bounded(ws.path(), LIMIT);
    assert_eq!(code, 1, "{report}");
    assert_eq!(rules_in(&report, "bin.yaml"), ["yaml-syntax"]);
    assert_eq!(rules_in(&report, "raw.yaml"), ["yaml-syntax"]);
    // Odd names are read like any other file.
    assert_eq!(rules_in(&report, "spaces and ünïcode ✓.yaml"), ["unused"]);
    // Core tags resolve; a custom tag is ignored; anchors and aliases work.
    assert_eq!(rules_in(&report, "tags.yaml"), ["unused"]);
    // Keys that are not strings are unknown fields, not a crash.
    assert!(
        rules_in(&report, "keys.yaml")
            .iter()
            .all(|r| r == "schema" || r == "unused")
    );
    assert!(rules_in(&report, "keys.yaml").len() >= 4, "{report}");
    // Out-of-range numbers are schema findings.
    assert!(
        rules_in(&report, "numbers.yaml").contains(&"schema".to_string()),
        "{report}"
    );
    // A directory named like a spec is not a spec.
    assert!(rules_in(&report, "dir.yaml").is_empty());
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_reported_and_skipped() {
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        (
            "sub/spare.yaml",
            "kind: Source\nid: spare\nname: S\nsystem: x\n",
        ),
    ]);
    std::os::unix::fs::symlink(ws.path(), ws.path().join("sub/loop")).unwrap();
    let (report, code, _) = check_bounded(ws.path(), LIMIT);
    assert_eq!(code, 1, "{report}");
    let loop_finding = *findings_in(&report, "sub/loop")
        .first()
        .unwrap_or_else(|| panic!("{report}"));
    assert!(
        loop_finding["message"]
            .as_str()
            .unwrap()
            .contains("loops back")
    );
    // Everything else is still checked, once.
    assert_eq!(rules_in(&report, "sub/spare.yaml"), ["unused"]);
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_reported() {
    use std::os::unix::fs::PermissionsExt;
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        ("secret.yaml", "kind: Source\n"),
    ]);
    let path = ws.path().join("secret.yaml");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        eprintln!("skipped: running as root, the file stays readable");
        return;
    }
    let (report, code, _) = check_bounded(ws.path(), LIMIT);
    assert_eq!(code, 1);
    assert_eq!(rules_in(&report, "secret.yaml"), ["yaml-syntax"]);
}

/// Nothing a spec or a file name carries reaches the terminal as a control
/// character: no escape sequence can recolour, retitle or clear it, and no
/// bidirectional override can make a line read differently.
#[test]
fn terminal_output_carries_no_control_characters() {
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        (
            "esc.yaml",
            "kind: Source\nid: \"evil\\e]0;pwned\\a\\e[2J\"\nname: \"x\\u202ey\"\nsystem: x # \u{1b}[31m raw\nfoo: \"\\e[31mred\"\n\"k\\rz\": 1\n",
        ),
        ("cr.yaml", "kind: Source\rid: Bad\rname: x\rsystem: x\r"),
        ("bin.yaml", "\u{1b}[2J\u{7}\u{9b}31m\0\u{1}"),
    ]);
    #[cfg(unix)]
    std::fs::write(
        ws.path().join("\u{1b}[2Jname.yaml"),
        "kind: Source\nid: named\nname: N\nsystem: x\n",
    )
    .unwrap();
    let bad_config = workspace(&[("throughline.toml", "[rules]\n\"\u{1b}[2J\" = \"off\"\n")]);
    let run = |args: &[&str]| {
        let out = throughline(&[args, &["--today", TODAY]].concat());
        (out.status.code().unwrap(), stdout(&out) + &stderr(&out))
    };
    let site = ws.path().join("_site");
    for (args, want) in [
        (vec!["check", ws.path().to_str().unwrap()], 1),
        (
            vec!["check", ws.path().to_str().unwrap(), "--format", "github"],
            1,
        ),
        (
            vec![
                "build",
                ws.path().to_str().unwrap(),
                "-o",
                site.to_str().unwrap(),
            ],
            1,
        ),
        (vec!["check", bad_config.path().to_str().unwrap()], 2),
    ] {
        let (code, text) = run(&args);
        assert_eq!(code, want, "{args:?}: {text}");
        let bad: Vec<char> = text
            .chars()
            .filter(|&c| {
                (c.is_control() && c != '\n' && c != '\t') || ('\u{202a}'..='\u{202e}').contains(&c)
            })
            .collect();
        assert!(bad.is_empty(), "{args:?} printed {bad:?}:\n{text}");
    }
    // The value is still shown, escaped.
    let (_, text) = run(&["check", ws.path().to_str().unwrap()]);
    assert!(text.contains(r"evil\u{1b}]0;pwned\u{7}\u{1b}[2J"), "{text}");
    #[cfg(unix)]
    assert!(text.contains(r"\u{1b}[2Jname.yaml"), "{text}");
}

/// One line holding a flow mapping with tens of thousands of unknown keys:
/// every key gets its finding at its own column, and the
/// human report shows a window of the line, not the whole line per finding.
#[test]
fn one_very_wide_line() {
    const KEYS: usize = 10_000;
    let mut line = String::from("{kind: Source, id: wide, name: W, system: x");
    let mut last_col = 0;
    for i in 0..KEYS {
        line.push_str(", ");
        last_col = line.chars().count() + 1;
        line.push_str(&format!("k{i}: {i}"));
    }
    line.push_str("}\n");
    let ws = workspace(&[("base.yaml", &base_yaml()), ("wide.yaml", &line)]);
    let (report, code, _) = check_bounded(ws.path(), LIMIT);
    assert_eq!(code, 1);
    let found: Vec<_> = findings_in(&report, "wide.yaml")
        .into_iter()
        .filter(|d| d["rule"] == "schema")
        .collect();
    assert_eq!(found.len(), KEYS);
    let last = found
        .iter()
        .find(|d| {
            d["message"]
                .as_str()
                .unwrap()
                .contains(&format!("`k{}`", KEYS - 1))
        })
        .expect("a finding for the last key");
    assert_eq!(
        (last["line"].as_u64(), last["column"].as_u64()),
        (Some(1), Some(last_col as u64))
    );

    let out = throughline(&["check", ws.path().to_str().unwrap(), "--today", TODAY]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out) + &stderr(&out);
    assert!(
        text.len() < KEYS * 1_000,
        "{} bytes for {KEYS} findings",
        text.len()
    );
    assert!(
        text.contains(&format!("k{}: {}", KEYS - 1, KEYS - 1)),
        "the last key is shown"
    );
}
