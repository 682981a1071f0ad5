//! Suspect links and `throughline review` (CONTRACT §10), in real git
//! repositories: what a user sees in `check`'s reports, in the lock and on
//! `review`'s output.

use std::path::Path;

use crate::common::{base_yaml, check_json, findings, stderr, stdout, throughline, workspace};
use crate::gate::git;

fn lock(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("throughline.lock")).unwrap_or_default()
}

fn review(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["review", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    throughline(&all)
}

/// A repository holding the base workspace, every link reviewed and committed.
fn reviewed_repo() -> tempfile::TempDir {
    let dir = workspace(&[("base.yaml", &base_yaml())]);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "specs"]);
    let out = review(dir.path(), &["--all"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "review"]);
    dir
}

fn edit(dir: &Path, from: &str, to: &str) {
    let path = dir.join("base.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

fn head(dir: &Path) -> String {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(["rev-parse", "HEAD"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn review_all_writes_a_sorted_lock_naming_the_commit() {
    let dir = reviewed_repo();
    let text = lock(dir.path());
    let mut lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.remove(0), "# throughline.lock v1");
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("g contributesTo ns tl1:")),
        "{text}"
    );
    // The stamps name the commit the review was made at (the one before).
    let specs = String::from_utf8_lossy(
        &std::process::Command::new("git")
            .current_dir(dir.path())
            .args(["rev-parse", "HEAD~1"])
            .output()
            .unwrap()
            .stdout,
    )
    .trim()
    .to_string();
    assert!(
        lines
            .iter()
            .all(|l| l.ends_with(&specs) && l.split(' ').count() == 5),
        "{text}"
    );
    let (report, code) = check_json(dir.path(), &[]);
    assert_eq!(code, 0);
    assert!(findings(&report, "suspect-link").is_empty(), "{report}");
    // Reviewing again changes nothing, not even the commits.
    let out = review(dir.path(), &["--all"]);
    assert!(
        stderr(&out).contains("already reviewed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(lock(dir.path()), text);
}

#[test]
fn a_changed_parent_makes_its_links_suspect_and_says_what_changed() {
    let dir = reviewed_repo();
    edit(
        dir.path(),
        "    unit: percent\n    target: 5\n",
        "    unit: percent\n    target: 8\n",
    );
    git(dir.path(), &["commit", "-qam", "raise the goal"]);
    let (report, code) = check_json(dir.path(), &[]);
    assert_eq!(code, 0, "a warning by default");
    let found = findings(&report, "suspect-link");
    assert_eq!(found.len(), 1, "{report}");
    let f = found[0];
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["entity"], "i");
    assert_eq!(f["file"], "base.yaml");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(25), Some(9)),
        "{f}"
    );
    assert_eq!(
        f["changed"],
        serde_json::json!(["successIndicators[0].target"])
    );
    assert_eq!(f["related"][0]["line"], 14, "the parent's id: {f}");
    assert!(f["message"].as_str().unwrap().contains("`g`"), "{f}");

    // `review --show` prints the field before and after.
    let out = review(dir.path(), &["--show", "i"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.contains("successIndicators[0].target"), "{text}");
    assert!(
        text.contains("before: 5") && text.contains("after:  8"),
        "{text}"
    );

    // As an error, the check fails until the link is reviewed.
    std::fs::write(
        dir.path().join("throughline.toml"),
        "[rules]\nsuspect-link = \"error\"\n",
    )
    .unwrap();
    assert_eq!(check_json(dir.path(), &[]).1, 1);
    let out = review(dir.path(), &["i"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "stamped i goals g\n");
    assert!(lock(dir.path()).contains("i goals g tl1:"));
    assert!(
        lock(dir.path())
            .lines()
            .any(|l| l.starts_with("i goals g ") && l.ends_with(&head(dir.path())))
    );
    let (report, code) = check_json(dir.path(), &[]);
    assert_eq!(code, 0, "{report}");
}

#[test]
fn only_what_a_parent_says_makes_a_link_suspect() {
    let dir = reviewed_repo();
    let base = base_yaml();
    // Reformatted, commented, keys reordered, bookkeeping changed, moved.
    let goal = "kind: Goal\nid: g\nname: Goal\ncontributesTo: ns\nsuccessIndicators:\n  - name: Indicator\n    unit: percent\n    target: 5\n";
    let moved = "# moved and rewritten\nid: g\nkind: Goal\nowner: someone new\nstatus: active\ntags: [growth]\nreviewBy: 2027-01-01\nallow: [unaddressed-goal]\nname: \"Goal\"\ncontributesTo: ns\nsuccessIndicators: [{target: 5, unit: percent, name: Indicator, current: 3}]\n";
    assert!(base.contains(goal));
    let rest = base.replace(&format!("---\n{goal}"), "");
    std::fs::write(dir.path().join("base.yaml"), rest).unwrap();
    std::fs::create_dir_all(dir.path().join("goals")).unwrap();
    std::fs::write(dir.path().join("goals/g.yaml"), moved).unwrap();
    let (report, _) = check_json(dir.path(), &[]);
    assert!(findings(&report, "suspect-link").is_empty(), "{report}");
    // `[review] ignore` leaves out more.
    let text = std::fs::read_to_string(dir.path().join("goals/g.yaml")).unwrap();
    std::fs::write(
        dir.path().join("goals/g.yaml"),
        format!("{text}description: new words\n"),
    )
    .unwrap();
    let (report, _) = check_json(dir.path(), &[]);
    assert_eq!(findings(&report, "suspect-link").len(), 1, "{report}");
    std::fs::write(
        dir.path().join("throughline.toml"),
        "[review]\nignore = [\"Goal.description\"]\n",
    )
    .unwrap();
    let (report, _) = check_json(dir.path(), &[]);
    assert!(findings(&report, "suspect-link").is_empty(), "{report}");
    std::fs::write(
        dir.path().join("throughline.toml"),
        "[review]\nignore = [\"Gaol.description\"]\n",
    )
    .unwrap();
    let out = throughline(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `Goal`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_review_committed_with_the_change_still_shows_what_changed_next() {
    let dir = reviewed_repo();
    // The author edits the goal, reviews, and commits both at once: the
    // stamp names the commit before the edit.
    edit(dir.path(), "name: Goal\n", "name: Goal, sharper\n");
    assert_eq!(review(dir.path(), &["i"]).status.code(), Some(0));
    git(
        dir.path(),
        &["commit", "-qam", "sharpen the goal, reviewed"],
    );
    edit(
        dir.path(),
        "name: Goal, sharper\n",
        "name: Goal, rewritten\n",
    );
    let (report, _) = check_json(dir.path(), &[]);
    let found = findings(&report, "suspect-link");
    assert_eq!(found.len(), 1, "{report}");
    assert_eq!(found[0]["changed"], serde_json::json!(["name"]), "{report}");
    let text = stdout(&review(dir.path(), &["--show", "i"]));
    assert!(
        text.contains("before: Goal, sharper") && text.contains("after:  Goal, rewritten"),
        "{text}"
    );
}

#[test]
fn review_by_selection_dry_run_and_unknown_ids() {
    let dir = reviewed_repo();
    let before = lock(dir.path());
    edit(dir.path(), "  target: 10\n", "  target: 12\n");
    // Unknown id: exit 2, with the closest id.
    let out = review(dir.path(), &["gg"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `g`"),
        "{}",
        stderr(&out)
    );
    // Nothing to review named: exit 2.
    assert_eq!(review(dir.path(), &[]).status.code(), Some(2));
    // A dry run prints and writes nothing.
    let out = review(dir.path(), &["--suspect", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "would stamp g contributesTo ns\n");
    assert_eq!(lock(dir.path()), before);
    // --suspect stamps the suspect links only.
    let out = review(dir.path(), &["--suspect"]);
    assert_eq!(stdout(&out), "stamped g contributesTo ns\n");
    let after = lock(dir.path());
    let changed: Vec<&str> = after.lines().filter(|l| !before.contains(l)).collect();
    assert_eq!(changed.len(), 1, "{after}");
    assert!(changed[0].starts_with("g contributesTo ns tl1:"));
}

#[test]
fn bad_locks_are_reported_at_their_line_and_never_rewritten_blindly() {
    let dir = reviewed_repo();
    let good = lock(dir.path());
    let path = dir.path().join("throughline.lock");
    // CRLF reads the same.
    std::fs::write(&path, good.replace('\n', "\r\n")).unwrap();
    let (report, code) = check_json(dir.path(), &[]);
    assert_eq!(code, 0, "{report}");
    assert!(
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| !d["rule"].as_str().unwrap().contains("lock")),
        "{report}"
    );
    // A newer format: one finding at line 1, and `review` refuses.
    let newer = good.replace("# throughline.lock v1", "# throughline.lock v2");
    std::fs::write(&path, &newer).unwrap();
    let (report, code) = check_json(dir.path(), &[]);
    assert_eq!(code, 1);
    let found = findings(&report, "lock-invalid");
    assert_eq!(found.len(), 1, "{report}");
    assert_eq!(
        (found[0]["file"].as_str(), found[0]["line"].as_u64()),
        (Some("throughline.lock"), Some(1))
    );
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("newer throughline")
    );
    let out = review(dir.path(), &["--all"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("newer throughline"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        newer,
        "nothing lost"
    );
    // A line that does not parse: reported at its line; review refuses.
    let broken = format!("{good}i goals\n");
    std::fs::write(&path, &broken).unwrap();
    let (report, _) = check_json(dir.path(), &[]);
    let n = broken.lines().count() as u64;
    assert_eq!(
        findings(&report, "lock-invalid")[0]["line"].as_u64(),
        Some(n)
    );
    let out = review(dir.path(), &["--all"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!("line {n}")),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
    // A duplicate line: reported at the second; review folds it.
    let line = good.lines().nth(1).unwrap();
    std::fs::write(&path, format!("{good}{line}\n")).unwrap();
    let (report, _) = check_json(dir.path(), &[]);
    let found = findings(&report, "lock-invalid");
    assert_eq!(found.len(), 1);
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("second stamp"),
        "{report}"
    );
    let out = review(dir.path(), &["--suspect"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(lock(dir.path()), good);
}

#[test]
fn stamps_of_removed_links_are_ignored_then_removed_and_those_of_unreadable_files_kept() {
    let dir = reviewed_repo();
    let path = dir.path().join("throughline.lock");
    let extra = format!("gone goals g tl1:{}\n", "a".repeat(64));
    std::fs::write(&path, format!("{}{extra}", lock(dir.path()))).unwrap();
    let (report, code) = check_json(dir.path(), &[]);
    assert_eq!(code, 0, "{report}");
    let out = review(dir.path(), &["--suspect"]);
    assert!(
        stdout(&out).contains("removed gone goals g (the link no longer exists)"),
        "{}",
        stdout(&out)
    );
    assert!(!lock(dir.path()).contains("gone"));
    // A file that cannot be parsed keeps its entities' stamps.
    let before = lock(dir.path());
    std::fs::write(
        dir.path().join("base.yaml"),
        format!("{}\n  bad: [\n", base_yaml()),
    )
    .unwrap();
    let out = review(dir.path(), &["--suspect"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        before.lines().all(|l| lock(dir.path()).contains(l)),
        "{}",
        lock(dir.path())
    );
}

#[test]
fn outside_git_stamps_name_no_commit_and_say_so() {
    let dir = workspace(&[("base.yaml", &base_yaml())]);
    let out = review(dir.path(), &["--all"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("not in a git repository"),
        "{}",
        stderr(&out)
    );
    assert!(
        lock(dir.path())
            .lines()
            .skip(1)
            .all(|l| l.split(' ').count() == 4)
    );
    edit(dir.path(), "name: Goal\n", "name: Other goal\n");
    let (report, _) = check_json(dir.path(), &[]);
    let found = findings(&report, "suspect-link");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["changed"], serde_json::json!([]));
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("what changed is not known")
    );
    let text = stdout(&review(dir.path(), &["--show", "i"]));
    assert!(text.contains("no commit"), "{text}");
}

#[test]
fn suspect_links_in_every_report_format() {
    let dir = reviewed_repo();
    edit(dir.path(), "  target: 10\n", "  target: 12\n");
    let d = dir.path().to_str().unwrap();
    let sarif = stdout(&throughline(&["check", d, "--format", "sarif"]));
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "suspect-link", "{sarif}");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let unreviewed = rules.iter().find(|r| r["id"] == "unreviewed-link").unwrap();
    assert_eq!(unreviewed["defaultConfiguration"]["enabled"], false);
    let github = stdout(&throughline(&["check", d, "--format", "github"]));
    assert!(
        github.contains("base.yaml,line=16,")
            && github.contains("suspect-link")
            && github.contains("metric.target"),
        "{github}"
    );
    let junit = stdout(&throughline(&["check", d, "--format", "junit"]));
    assert!(
        junit.contains("suspect-link") && junit.contains("metric.target"),
        "{junit}"
    );
    let out = throughline(&["check", d]);
    let human = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        human.contains("warning[suspect-link]") && human.contains("metric.target"),
        "{human}"
    );
}

#[test]
fn diff_shows_a_change_of_the_lock_as_reviewed_links() {
    let dir = reviewed_repo();
    edit(dir.path(), "  target: 10\n", "  target: 12\n");
    git(dir.path(), &["commit", "-qam", "raise the north star"]);
    assert_eq!(review(dir.path(), &["--suspect"]).status.code(), Some(0));
    let d = dir.path().to_str().unwrap();
    let out = throughline(&["diff", d, "--base", "HEAD"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("findings 0 new, 1 fixed · reviewed: 1 link"),
        "{text}"
    );
    assert!(
        text.contains("reviewed `g` → `ns` (contributesTo)"),
        "{text}"
    );
    let out = throughline(&["diff", d, "--base", "HEAD", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["reviews"]["reviewed"],
        serde_json::json!([{"child": "g", "field": "contributesTo", "parent": "ns"}])
    );
    let out = throughline(&["diff", d, "--base", "HEAD", "--format", "markdown"]);
    assert!(
        stdout(&out).contains("Reviewed: 1 link"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_pull_request_diff_lists_the_links_to_review_with_what_changed() {
    let dir = reviewed_repo();
    // The pull request raises the goal's target and commits nothing else.
    edit(
        dir.path(),
        "    unit: percent\n    target: 5\n",
        "    unit: percent\n    target: 8\n",
    );
    let d = dir.path().to_str().unwrap();
    let out = throughline(&["diff", d, "--base", "HEAD", "--format", "markdown"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("1 link to review"), "{text}");
    assert!(text.contains("#### Links to review (1)"), "{text}");
    assert!(
        text.contains("| `i` | `goals` | `g` | `successIndicators[0].target` | this change |"),
        "{text}"
    );
    let out = throughline(&["diff", d, "--base", "HEAD", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let suspect = &json["reviews"]["suspect"][0];
    assert_eq!(suspect["child"], "i", "{json}");
    assert_eq!(
        suspect["changed"],
        serde_json::json!(["successIndicators[0].target"])
    );
    assert_eq!(
        (suspect["file"].as_str(), suspect["line"].as_u64()),
        (Some("base.yaml"), Some(25))
    );
    assert_eq!(suspect["new"], true);
    let out = throughline(&["diff", d, "--base", "HEAD"]);
    let text = stdout(&out);
    assert!(
        text.contains("suspect i → g (goals)  changed: successIndicators[0].target  base.yaml:25"),
        "{text}"
    );
    // Once reviewed, nothing is left to review.
    assert_eq!(review(dir.path(), &["i"]).status.code(), Some(0));
    let out = throughline(&["diff", d, "--base", "HEAD", "--format", "markdown"]);
    let text = stdout(&out);
    assert!(!text.contains("Links to review"), "{text}");
    assert!(text.contains("Reviewed: 1 link"), "{text}");
}

/// The script of the action's step named `name`.
fn action_step(name: &str) -> String {
    use throughline::load::{source::SourceFile, yaml};
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml");
    let file = SourceFile::new(
        "action.yml".into(),
        path.clone(),
        std::fs::read_to_string(&path).unwrap(),
    );
    let action = yaml::parse(&file, yaml::Limits::default()).documents[0].to_json();
    action["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .and_then(|s| s["run"].as_str())
        .unwrap_or_else(|| panic!("no step `{name}` in action.yml"))
        .to_string()
}

#[test]
fn the_action_fetches_what_a_shallow_checkout_needs_to_say_what_changed() {
    let origin = reviewed_repo();
    edit(
        origin.path(),
        "    unit: percent\n    target: 5\n",
        "    unit: percent\n    target: 8\n",
    );
    git(origin.path(), &["commit", "-qam", "raise the goal"]);
    // A checkout as actions/checkout makes it: the last commit only.
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
    git(clone.path(), &["clone", "-q", "--depth", "1", &url, "."]);
    let (report, _) = check_json(clone.path(), &[]);
    let found = findings(&report, "suspect-link");
    assert_eq!(found[0]["changed"], serde_json::json!([]), "{report}");
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("shallow clone"),
        "{report}"
    );
    let out = std::process::Command::new("bash")
        .current_dir(clone.path())
        .args(["-euo", "pipefail", "-c"])
        .arg(action_step("Fetch the commits the review stamps name"))
        .env("DIR", ".")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (report, _) = check_json(clone.path(), &[]);
    let found = findings(&report, "suspect-link");
    assert_eq!(
        found[0]["changed"],
        serde_json::json!(["successIndicators[0].target"]),
        "{report}"
    );
}

#[test]
fn the_site_lists_suspect_links_with_what_changed_and_marks_the_child() {
    let dir = reviewed_repo();
    let out_dir = tempfile::tempdir().unwrap();
    let build = |d: &Path| {
        let out = throughline(&[
            "build",
            dir.path().to_str().unwrap(),
            "--out",
            d.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    };
    let read = |p: &str| std::fs::read_to_string(out_dir.path().join(p)).unwrap();

    // Nothing suspect: the page says so, and no page carries the mark.
    build(out_dir.path());
    let page = read("review.html");
    assert!(page.contains("No link is suspect"), "{page}");
    assert!(!read("initiatives/i.html").contains("Review needed"));
    assert!(read("index.html").contains("href=\"review.html\">Review</a>"));

    edit(
        dir.path(),
        "    unit: percent\n    target: 5\n",
        "    unit: percent\n    target: 8\n",
    );
    git(dir.path(), &["commit", "-qam", "raise the goal"]);
    build(out_dir.path());
    let page = read("review.html");
    assert!(page.contains("1 suspect link on 1 entity"), "{page}");
    // The child, the link, the parent and the field before and after.
    let row = &page[page.find("<tr id=\"i\">").expect("the child's row")..];
    let row = &row[..row.find("</tr>\n    \n").unwrap_or(row.len())];
    assert!(row.contains("href=\"initiatives/i.html\""), "{row}");
    assert!(row.contains("<code>goals</code>"), "{row}");
    assert!(row.contains("href=\"goals/g.html\""), "{row}");
    assert!(
        row.contains("<td><code>successIndicators[0].target</code></td><td>5</td><td>8</td>")
            || row.contains("].target</code></td><td>5</td><td>8</td>"),
        "{row}"
    );
    // What lies below the initiative, linked.
    assert!(row.contains("href=\"use-cases/uc.html\""), "{row}");
    // The child's page is marked and links to its row.
    let child = read("initiatives/i.html");
    assert!(child.contains("Review needed"), "{child}");
    assert!(child.contains("href=\"../review.html#i\""), "{child}");
    assert!(
        child.contains("<code>successIndicators[0].target</code>"),
        "{child}"
    );
    assert!(read("index.html").contains("Review <span class=\"count bad\">1</span>"));
    // The parent itself is not suspect.
    assert!(!read("goals/g.html").contains("Review needed"));
}

#[test]
fn check_names_changed_fields_it_does_not_otherwise_read() {
    // `check` keeps only the fields its rules read (not `name` or
    // `domain`); what changed in a parent is still told from all of it.
    let dir = reviewed_repo();
    let changed = |dir: &Path| -> Vec<serde_json::Value> {
        let (report, _) = check_json(dir, &[]);
        let found = findings(&report, "suspect-link");
        assert!(!found.is_empty(), "{report}");
        found.iter().map(|f| f["changed"].clone()).collect()
    };
    // `owner` does not count (CONTRACT §10); `type` does.
    edit(dir.path(), "owner: team\n", "owner: platform team\n");
    edit(dir.path(), "type: aggregate\n", "type: sourceAligned\n");
    for c in changed(dir.path()) {
        assert_eq!(c, serde_json::json!(["type"]));
    }
    edit(dir.path(), "name: Data product\n", "name: Orders\n");
    edit(dir.path(), "domain: sales\n", "domain: retail\n");
    for c in changed(dir.path()) {
        assert_eq!(c, serde_json::json!(["name", "domain", "type"]));
    }
    let shown = stdout(&review(dir.path(), &["--show", "uc"]));
    assert!(
        shown.contains("before: sales") && shown.contains("after:  retail"),
        "{shown}"
    );
}
