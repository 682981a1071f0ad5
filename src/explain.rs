//! What each rule checks, why, how to fix it, with examples: the text of
//! `throughline explain RULE`, kept in `docs/rules/RULE.md` so that the
//! repository's documentation and the binary say the same thing. SARIF's
//! `helpUri` and the language server's `codeDescription` link to the page.

use crate::diagnostic::Rule;

/// The Markdown page of `rule` (`docs/rules/RULE.md`).
pub fn markdown(rule: Rule) -> &'static str {
    match rule.name() {
        "yaml-syntax" => include_str!("../docs/rules/yaml-syntax.md"),
        "duplicate-key" => include_str!("../docs/rules/duplicate-key.md"),
        "schema" => include_str!("../docs/rules/schema.md"),
        "duplicate-id" => include_str!("../docs/rules/duplicate-id.md"),
        "broken-ref" => include_str!("../docs/rules/broken-ref.md"),
        "ref-kind" => include_str!("../docs/rules/ref-kind.md"),
        "north-star-count" => include_str!("../docs/rules/north-star-count.md"),
        "cycle" => include_str!("../docs/rules/cycle.md"),
        "untraced" => include_str!("../docs/rules/untraced.md"),
        "hypothesis-mismatch" => include_str!("../docs/rules/hypothesis-mismatch.md"),
        "sensitive-data-ungoverned" => include_str!("../docs/rules/sensitive-data-ungoverned.md"),
        "unaddressed-goal" => include_str!("../docs/rules/unaddressed-goal.md"),
        "unused" => include_str!("../docs/rules/unused.md"),
        "missing-slo" => include_str!("../docs/rules/missing-slo.md"),
        "freshness-mismatch" => include_str!("../docs/rules/freshness-mismatch.md"),
        "invalidated-hypothesis" => include_str!("../docs/rules/invalidated-hypothesis.md"),
        "stale-review" => include_str!("../docs/rules/stale-review.md"),
        "measurement-invalid" => include_str!("../docs/rules/measurement-invalid.md"),
        "off-track" => include_str!("../docs/rules/off-track.md"),
        "stale-measurement" => include_str!("../docs/rules/stale-measurement.md"),
        "current-mismatch" => include_str!("../docs/rules/current-mismatch.md"),
        "contract-ref" => include_str!("../docs/rules/contract-ref.md"),
        "sla-mismatch" => include_str!("../docs/rules/sla-mismatch.md"),
        "suspect-link" => include_str!("../docs/rules/suspect-link.md"),
        "unreviewed-link" => include_str!("../docs/rules/unreviewed-link.md"),
        "lock-invalid" => include_str!("../docs/rules/lock-invalid.md"),
        "dbt-ref" => include_str!("../docs/rules/dbt-ref.md"),
        "lineage-drift" => include_str!("../docs/rules/lineage-drift.md"),
        "lineage-invalid" => include_str!("../docs/rules/lineage-invalid.md"),
        "dbt-failing" => include_str!("../docs/rules/dbt-failing.md"),
        "freshness-unmet" => include_str!("../docs/rules/freshness-unmet.md"),
        _ => "",
    }
}

/// Where the page of `rule` is published: the repository's copy for this
/// version (`…/blob/v0.1.0/docs/rules/broken-ref.md`).
pub fn url(rule: Rule) -> String {
    format!(
        "{}/blob/v{}/docs/rules/{}.md",
        env!("CARGO_PKG_REPOSITORY"),
        env!("CARGO_PKG_VERSION"),
        rule.name()
    )
}

/// Every rule, its default severity and one line on what it checks.
pub fn list() -> String {
    let width = Rule::ALL.iter().map(|r| r.name().len()).max().unwrap_or(0);
    let mut out = String::new();
    for rule in Rule::ALL {
        let severity = rule.default_level();
        out.push_str(&format!(
            "{:width$}  {severity:7}  {}\n",
            rule.name(),
            rule.summary()
        ));
    }
    out.push_str("\n`throughline explain RULE` tells more about one.\n");
    out
}

/// The page as plain text for a terminal: headings underlined, code blocks
/// indented under their file name, the page's address at the end.
pub fn terminal(rule: Rule) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for line in markdown(rule).lines() {
        if let Some(info) = line.strip_prefix("```") {
            if in_code {
                in_code = false;
                continue;
            }
            in_code = true;
            if let Some(name) = info.split("title=\"").nth(1) {
                out.push_str(&format!("  {}:\n", name.trim_end_matches('"')));
            }
            continue;
        }
        if in_code {
            out.push_str("      ");
            out.push_str(line);
        } else if let Some(title) = line.strip_prefix("# ") {
            out.push_str(&title.replace('`', ""));
        } else if let Some(title) = line.strip_prefix("## ") {
            out.push_str(&format!("{title}\n{}", "-".repeat(title.chars().count())));
        } else if let Some(title) = line.strip_prefix("### ") {
            out.push_str(&format!("{title}:"));
        } else {
            out.push_str(&wrap(line, 79));
        }
        out.push('\n');
    }
    out.push_str(&format!("\nOnline: {}\n", url(rule)));
    out
}

/// `line` broken at spaces into lines of at most `width` characters (a
/// longer word stays whole).
fn wrap(line: &str, width: usize) -> String {
    let mut out = String::new();
    let mut len = 0;
    for word in line.split(' ') {
        let n = word.chars().count();
        if len > 0 && len + 1 + n > width {
            out.push('\n');
            len = 0;
        } else if len > 0 {
            out.push(' ');
            len += 1;
        }
        out.push_str(word);
        len += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_page_that_names_it() {
        for &rule in Rule::ALL {
            let page = markdown(rule);
            assert!(
                page.starts_with(&format!("# `{}`\n", rule.name())),
                "docs/rules/{}.md",
                rule.name()
            );
            for section in [
                "## Why it matters",
                "## How to fix it",
                "### Fails",
                "### Passes",
                "## Turning it off",
            ] {
                assert!(page.contains(section), "{} lacks {section}", rule.name());
            }
        }
    }

    #[test]
    fn the_terminal_text_keeps_the_examples_and_links_the_page() {
        let text = terminal(Rule::BrokenRef);
        assert!(text.starts_with("broken-ref\n"));
        assert!(text.contains("  specs.yaml:\n      kind: NorthStar\n"));
        assert!(!text.contains("```"));
        assert!(text.ends_with("/docs/rules/broken-ref.md\n"));
    }
}
