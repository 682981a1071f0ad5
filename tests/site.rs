//! `throughline build`: pages at the contracted URLs, links that resolve,
//! output that never eats user files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common::{TODAY, base_yaml, example_spec, stderr, throughline, workspace};

/// `build DIR -o OUT --today TODAY EXTRA…`.
pub fn build(dir: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "build",
        dir.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--today",
        TODAY,
    ];
    args.extend_from_slice(extra);
    throughline(&args)
}

fn html_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Values of `attr="…"` in `html`, with the few entities we emit decoded.
fn attributes(html: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            let value = &rest[..rest.find('"').unwrap()];
            value
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .collect()
}

#[test]
fn example_site_has_every_page_at_its_contracted_url() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let o = build(&example_spec(), &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.join("index.html").is_file());
    assert!(out.join(".throughline-site").is_file());
    let kinds = [
        ("north-star", "NorthStar"),
        ("goals", "Goal"),
        ("initiatives", "Initiative"),
        ("hypotheses", "Hypothesis"),
        ("use-cases", "UseCase"),
        ("data-products", "DataProduct"),
        ("sources", "Source"),
        ("consumers", "Consumer"),
    ];
    let mut pages = 0;
    for file in walk_yaml(&example_spec()) {
        let text = std::fs::read_to_string(&file).unwrap();
        let kind = field(&text, "kind");
        if kind == "DataContract" {
            continue; // ODCS contracts have no page of their own.
        }
        let id = field(&text, "id");
        let dir = kinds.iter().find(|(_, k)| *k == kind).unwrap().0;
        let page = out.join(dir).join(format!("{id}.html"));
        assert!(page.is_file(), "no page for {kind} {id}");
        let html = std::fs::read_to_string(page).unwrap();
        let name = field(&text, "name")
            .trim_matches('\'')
            .replace('"', "&quot;");
        assert!(html.contains(&name), "{id}: name {name} missing");
        pages += 1;
    }
    assert_eq!(pages, 33);
}

/// The spec files below `dir`, as contract §1 reads them: hidden entries
/// and those starting with `_` (such as a built `_site`, which holds ODPS
/// files of its own) are left out.
fn walk_yaml(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('_') || name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk_yaml(&path));
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
    out
}

fn field(text: &str, key: &str) -> String {
    let prefix = format!("{key}: ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap()
        .to_string()
}

#[test]
fn every_link_resolves_and_nothing_is_fetched_from_elsewhere() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    assert_eq!(build(&example_spec(), &out, &[]).status.code(), Some(0));
    let files = html_files(&out);
    let mut ids: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let html = std::fs::read_to_string(f).unwrap();
        ids.insert(
            f.canonicalize().unwrap(),
            attributes(&html, "id").into_iter().collect(),
        );
    }
    let mut checked = 0;
    for f in &files {
        let html = std::fs::read_to_string(f).unwrap();
        for src in attributes(&html, "src") {
            assert!(
                !src.contains("://") && !src.starts_with("//"),
                "{f:?}: remote src {src}"
            );
        }
        for link in attributes(&html, "href") {
            if link.starts_with("https://") || link.starts_with("mailto:") {
                continue; // links a reader follows, not requests the page makes
            }
            assert!(
                !link.contains("://") && !link.starts_with("//") && !link.starts_with('/'),
                "{f:?}: {link}"
            );
            let (path, fragment) = link.split_once('#').unwrap_or((&link, ""));
            let target = if path.is_empty() {
                f.clone()
            } else {
                f.parent().unwrap().join(path)
            };
            assert!(target.is_file(), "{f:?}: broken link {link}");
            if !fragment.is_empty() && target.extension().is_some_and(|e| e == "html") {
                let target_ids = &ids[&target.canonicalize().unwrap()];
                assert!(
                    target_ids.contains(fragment),
                    "{f:?}: no #{fragment} in {target:?}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 1000, "only {checked} links checked");
}

#[test]
fn errors_stop_the_build_unless_allowed() {
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        (
            "bad.yaml",
            "kind: Initiative\nid: i2\nname: I2\ngoals: [nope]\n",
        ),
    ]);
    let out = ws.path().join("public");
    let o = build(ws.path(), &out, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("broken-ref"), "{}", stderr(&o));
    assert!(!out.exists());
    let o = build(ws.path(), &out, &["--allow-errors"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let findings = std::fs::read_to_string(out.join("findings.html")).unwrap();
    assert!(findings.contains("broken-ref"));
    let page = std::fs::read_to_string(out.join("initiatives/i2.html")).unwrap();
    assert!(page.contains("not traced"));
}

#[test]
fn never_writes_into_a_directory_it_did_not_create() {
    let ws = workspace(&[("base.yaml", &base_yaml())]);
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("precious.txt"), "do not delete").unwrap();
    let o = build(ws.path(), out.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not created by throughline"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(out.path().join("precious.txt")).unwrap(),
        "do not delete"
    );
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 1);
    // Nor over the workspace itself.
    let o = build(ws.path(), ws.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(ws.path().join("base.yaml").is_file());
}

#[test]
fn default_output_is_replaced_on_rebuild_and_skipped_by_check() {
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        (
            "extra.yaml",
            "kind: Source\nid: extra\nname: Extra\nsystem: x\n",
        ),
    ]);
    let dir = ws.path().to_str().unwrap();
    let o = throughline(&["build", dir, "--today", TODAY]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(ws.path().join("_site/sources/extra.html").is_file());
    std::fs::remove_file(ws.path().join("extra.yaml")).unwrap();
    let o = throughline(&["build", dir, "--today", TODAY]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!ws.path().join("_site/sources/extra.html").exists());
    assert!(ws.path().join("_site/sources/src.html").is_file());
    // Output elsewhere inside the workspace is not read back as specs.
    let o = throughline(&[
        "build",
        dir,
        "-o",
        ws.path().join("public").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    std::fs::write(ws.path().join("public/trap.yaml"), "not: [valid").unwrap();
    let o = throughline(&["check", dir, "--strict"]);
    assert_eq!(o.status.code(), Some(0), "{}", crate::common::stdout(&o));
}

#[test]
fn an_override_of_the_macros_reaches_the_entity_pages() {
    // Entity pages are written without tera while their templates are the
    // built-in ones; an override of any of them (here the macros) is used.
    let builtin = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/macros.html"),
    )
    .unwrap();
    let custom = builtin.replace(
        "<span class=\"kind\">{{ r.kind_label }}</span>",
        "<b class=\"custom-kind\">{{ r.kind_label }}</b>",
    );
    assert_ne!(custom, builtin);
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        ("templates/macros.html", &custom),
    ]);
    let out = ws.path().join("_site");
    let o = build(ws.path(), &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = std::fs::read_to_string(out.join("goals/g.html")).unwrap();
    assert!(
        page.contains("<b class=\"custom-kind\">North Star</b>"),
        "{page}"
    );
    // List pages too, which are written the same way.
    let list = std::fs::read_to_string(out.join("goals/index.html")).unwrap();
    assert!(list.contains("<b class=\"custom-kind\">Goal</b>"), "{list}");
}

#[test]
fn an_override_of_the_list_template_reaches_the_list_pages() {
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        (
            "templates/list.html",
            "{% extends \"builtin/list.html\" %}{% block content %}<p class=\"custom\">{{ total }} {{ page_title }}</p>{{ super() }}{% endblock content %}",
        ),
    ]);
    let out = ws.path().join("_site");
    let o = build(ws.path(), &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let list = std::fs::read_to_string(out.join("goals/index.html")).unwrap();
    assert!(list.contains("<p class=\"custom\">1 Goals</p>"), "{list}");
    // The rest of the built-in list is still there.
    assert!(list.contains("<table class=\"list\">"), "{list}");
}

#[test]
fn a_user_template_changes_one_block() {
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        (
            "templates/entity.html",
            "{% extends \"builtin/entity.html\" %}{% block title %}Custom {{ e.name }}{% endblock title %}",
        ),
    ]);
    let out = ws.path().join("_site");
    let o = build(ws.path(), &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = std::fs::read_to_string(out.join("goals/g.html")).unwrap();
    assert!(page.contains("<title>Custom Goal ·"), "{page}");
    // The rest of the built-in page is still there.
    assert!(page.contains("Success indicators"));
    // A broken override is a clear error naming the template.
    std::fs::write(ws.path().join("templates/entity.html"), "{% if %}").unwrap();
    let o = build(ws.path(), &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("entity.html"), "{}", stderr(&o));
}

#[test]
fn entity_pages_show_the_trace_and_the_details() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    assert_eq!(build(&example_spec(), &out, &[]).status.code(), Some(0));
    let page = std::fs::read_to_string(out.join("data-products/orders.html")).unwrap();
    // Breadcrumb up to the North Star.
    assert!(page.contains("href=\"../north-star/cross-sell-revenue-share.html\""));
    // Reverse links, tables, source with line numbers.
    assert!(page.contains("Feeds data products"));
    assert!(page.contains("<h2 id=\"table-2\">SLOs</h2>") || page.contains(">SLOs</h2>"));
    assert!(page.contains("Usage patterns"));
    assert!(page.contains("<ol class=\"source\" start=\"1\""));
    assert!(page.contains("<li>kind: DataProduct</li>"));
    assert!(page.contains("<svg"));
    let home = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(home.contains("<progress"));
    assert!(home.contains("100%"));
    let search = std::fs::read_to_string(out.join("assets/search-index.js")).unwrap();
    assert!(search.contains("\"i\":\"basket-affinity\""));
}

#[test]
fn markdown_is_rendered_and_sanitized() {
    let ws = workspace(&[
        (
            "base.yaml",
            &base_yaml().replace(
                "name: Goal\n",
                "name: Goal\ndescription: \"**Bold** <script>window.pwned=1</script> [x](javascript:alert(1))\"\n",
            ),
        ),
    ]);
    let out = ws.path().join("_site");
    assert_eq!(build(ws.path(), &out, &[]).status.code(), Some(0));
    let page = std::fs::read_to_string(out.join("goals/g.html")).unwrap();
    assert!(page.contains("<strong>Bold</strong>"));
    assert!(!page.contains("<script>window.pwned"));
    assert!(!page.contains("href=\"javascript:"));
}

#[test]
fn edit_links_and_title_come_from_site_settings() {
    let ws = workspace(&[
        ("specs/base.yaml", &base_yaml()),
        (
            "throughline.toml",
            "[site]\ntitle = \"Acme data\"\nrepo_url = \"https://git.example.com/acme/specs/edit/main/\"\n",
        ),
    ]);
    let out = ws.path().join("_site");
    assert_eq!(build(ws.path(), &out, &[]).status.code(), Some(0));
    let page = std::fs::read_to_string(out.join("goals/g.html")).unwrap();
    assert!(
        page.contains("href=\"https://git.example.com/acme/specs/edit/main/specs/base.yaml\""),
        "{page}"
    );
    assert!(page.contains("<title>Goal · Acme data</title>"));
    // Without repo_url there is no edit link.
    let ws = workspace(&[("base.yaml", &base_yaml())]);
    let out = ws.path().join("_site");
    assert_eq!(build(ws.path(), &out, &[]).status.code(), Some(0));
    let page = std::fs::read_to_string(out.join("goals/g.html")).unwrap();
    assert!(!page.contains("Edit this spec"));
}

#[test]
fn large_matrices_list_links_instead_of_a_grid() {
    let mut specs = base_yaml();
    for n in 0..60 {
        specs.push_str(&format!(
            "---\nkind: Goal\nid: goal-{n}\nname: Goal {n}\ncontributesTo: ns\nsuccessIndicators: [{{name: x, unit: u, target: 1}}]\n\
             ---\nkind: Initiative\nid: initiative-{n}\nname: Initiative {n}\ngoals: [goal-{n}]\n"
        ));
    }
    let ws = workspace(&[("base.yaml", &specs)]);
    let out = ws.path().join("_site");
    assert_eq!(build(ws.path(), &out, &[]).status.code(), Some(0));
    let page = std::fs::read_to_string(out.join("matrix.html")).unwrap();
    assert!(page.contains("Too large for a grid"));
    assert!(page.contains("<a href=\"initiatives/initiative-42.html\">Initiative 42</a>"));
    // One line per goal, not one cell per goal × initiative.
    assert!(page.len() < 60_000, "matrix page is {} bytes", page.len());
}

#[cfg(unix)]
#[test]
fn a_build_killed_midway_leaves_the_previous_site_complete() {
    // A workspace large enough that the build takes a while.
    let mut specs = base_yaml();
    for n in 0..3000 {
        specs.push_str(&format!(
            "---\nkind: Source\nid: source-{n}\nname: Source {n}\nsystem: x\nallow: [unused]\ndescription: |\n  {}\n",
            "Some **Markdown** text. ".repeat(20)
        ));
    }
    let ws = workspace(&[("base.yaml", &specs)]);
    let out = ws.path().join("_site");
    assert_eq!(build(ws.path(), &out, &[]).status.code(), Some(0));
    let before = std::fs::read_to_string(out.join("goals/g.html")).unwrap();
    let pages_before = html_files(&out).len();
    // Change the workspace, start a rebuild and kill it part-way.
    std::fs::write(
        ws.path().join("base.yaml"),
        specs.replace("name: Goal\n", "name: Goal changed\n"),
    )
    .unwrap();
    for delay_ms in [5, 30, 80, 150, 300, 500] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_throughline"))
            .args(["build", ws.path().to_str().unwrap(), "--today", TODAY])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // Either the old site or the complete new one: never a mix, never a gap.
        let page = std::fs::read_to_string(out.join("goals/g.html")).unwrap();
        assert!(
            page == before || page.contains("Goal changed"),
            "after {delay_ms} ms"
        );
        assert_eq!(html_files(&out).len(), pages_before, "after {delay_ms} ms");
        assert!(out.join(".throughline-site").is_file());
    }
    // The next build cleans up what the killed ones left beside the site.
    assert_eq!(build(ws.path(), &out, &[]).status.code(), Some(0));
    let leftovers: Vec<String> = std::fs::read_dir(ws.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("throughline-") && !n.ends_with("-lock"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert!(
        std::fs::read_to_string(out.join("goals/g.html"))
            .unwrap()
            .contains("Goal changed")
    );
}

#[test]
fn build_refuses_dangerous_outputs() {
    let ws = workspace(&[("base.yaml", &base_yaml())]);
    let parent = ws.path().parent().unwrap().to_path_buf();
    for out in [
        ws.path().to_path_buf(),
        parent,
        std::path::PathBuf::from("/"),
    ] {
        let o = build(ws.path(), &out, &[]);
        assert_eq!(o.status.code(), Some(2), "{out:?}");
    }
    if let Some(home) = std::env::var_os("HOME") {
        let o = build(ws.path(), std::path::Path::new(&home), &[]);
        assert_eq!(o.status.code(), Some(2));
    }
}

#[cfg(unix)]
#[test]
fn a_rebuild_writes_only_the_files_whose_content_changed() {
    use std::os::unix::fs::MetadataExt;
    let mut specs = base_yaml();
    specs
        .push_str("---\nkind: Source\nid: other\nname: Other source\nsystem: x\nallow: [unused]\n");
    let ws = workspace(&[("base.yaml", &specs)]);
    let out = ws.path().join("_site");
    let inode = |rel: &str| std::fs::metadata(out.join(rel)).unwrap().ino();
    assert_eq!(build(ws.path(), &out, &[]).status.code(), Some(0));
    assert!(out.join(".throughline-manifest").is_file());
    let (goal, other, consumer) = (
        inode("goals/g.html"),
        inode("sources/other.html"),
        inode("consumers/c.html"),
    );
    // Nothing changed: every file is the previous one, linked.
    let o = build(ws.path(), &out, &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("(0 files changed,"), "{}", stderr(&o));
    assert_eq!(inode("goals/g.html"), goal);
    // The consumer's name changes: its page and those that show it are
    // written; a page that does not show it is kept as it was.
    std::fs::write(
        ws.path().join("base.yaml"),
        specs.replace("name: Consumer\n", "name: Consumer renamed\n"),
    )
    .unwrap();
    let o = build(ws.path(), &out, &[]);
    assert_eq!(o.status.code(), Some(0));
    assert_ne!(inode("consumers/c.html"), consumer);
    assert!(
        std::fs::read_to_string(out.join("consumers/c.html"))
            .unwrap()
            .contains("Consumer renamed")
    );
    assert!(
        std::fs::read_to_string(out.join("use-cases/uc.html"))
            .unwrap()
            .contains("Consumer renamed")
    );
    assert_eq!(
        inode("sources/other.html"),
        other,
        "an unrelated page is not rewritten"
    );
    let err = stderr(&o);
    let changed: usize = err
        .split(" (")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{err}"));
    let all = html_files(&out).len();
    assert!(changed > 0 && changed < all, "{changed} of {all}: {err}");
    // A changed template changes every page, and every page is written.
    std::fs::create_dir(ws.path().join("templates")).unwrap();
    std::fs::write(
        ws.path().join("templates/base.html"),
        "{% extends \"builtin/base.html\" %}{% block title %}Changed{% endblock title %}",
    )
    .unwrap();
    assert_eq!(build(ws.path(), &out, &[]).status.code(), Some(0));
    assert_ne!(inode("sources/other.html"), other);
    // A site whose manifest is damaged is rebuilt in full, never trusted.
    std::fs::write(out.join(".throughline-manifest"), "garbage").unwrap();
    let o = build(ws.path(), &out, &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!stderr(&o).contains("unchanged"), "{}", stderr(&o));
}
