//! The human report as a person reads it.

use crate::common::{TODAY, fixture, stdout, throughline};

#[test]
fn human_report_of_a_multi_error_workspace() {
    let dir = fixture("schema");
    let out = throughline(&["check", dir.to_str().unwrap(), "--today", TODAY]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    // Plain text: no colour codes when not a terminal.
    assert!(!text.contains('\u{1b}'), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn human_report_shows_related_locations_in_other_files() {
    let dir = fixture("duplicate-id");
    let out = throughline(&["check", dir.to_str().unwrap(), "--today", TODAY]);
    let text = stdout(&out);
    assert!(text.contains("[case.yaml:2:5]"), "{text}");
    assert!(text.contains("[base.yaml:52:5]"), "{text}");
    assert!(text.contains("`c` is first defined here"), "{text}");
    assert!(
        text.trim_end()
            .ends_with("1 error, 0 warnings in 2 files (8 entities)"),
        "{text}"
    );
}

#[test]
fn findings_without_a_file_are_still_shown() {
    let dir = fixture("north-star-none");
    let out = throughline(&["check", dir.to_str().unwrap(), "--today", TODAY]);
    let text = stdout(&out);
    assert!(text.contains("north-star-count"), "{text}");
    assert!(text.contains("the workspace has no NorthStar"), "{text}");
}
