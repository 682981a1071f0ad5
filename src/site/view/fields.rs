//! How a spec's fields read on a page: plain text, tables, titles and an
//! indicator's progress.

use super::*;

/// The progress of an indicator; `value` is where it stands (the latest
/// observation, else the spec's `current`).
pub(super) fn progress_of(node: &Node, value: Option<f64>) -> Progress {
    let num = |k: &str| node.get(k).and_then(Node::as_f64);
    let (baseline, current, target) = (num("baseline"), value.or(num("current")), num("target"));
    // Share of the way from baseline to target: negative when the value
    // moved away from the target, over 100 when it went past it. Nothing to
    // show without a current value.
    let percent = match (baseline, current, target) {
        (Some(b), Some(c), Some(t)) if (t - b).abs() > f64::EPSILON => {
            Some((c - b) / (t - b) * 100.0)
        }
        _ => None,
    };
    let text = |k: &str| node.get(k).map(text_of);
    Progress {
        name: text("name").unwrap_or_default(),
        unit: text("unit").unwrap_or_default(),
        baseline,
        current,
        target,
        direction: text("direction").unwrap_or_else(|| "increase".into()),
        by: text("by"),
        percent: percent.map(|p| (p * 10.0).round() / 10.0),
        bar: percent.map(|p| p.clamp(0.0, 100.0).round()),
        timeframe: text("timeframe"),
        definition: text("definition"),
    }
}

/// A scalar, list or mapping as one line of text.
pub fn text_of(node: &Node) -> String {
    match &node.value {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::String(s) => s.to_string(),
        Value::Seq(items) => items.iter().map(text_of).collect::<Vec<_>>().join(", "),
        Value::Map(entries) => entries
            .iter()
            .map(|e| format!("{}: {}", e.key, text_of(&e.value)))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// A list of mappings as a table; nested mappings become `parent.child` columns.
pub(super) fn table_of(node: &Node) -> Option<(Vec<String>, Vec<Vec<String>>)> {
    let items = node.as_seq()?;
    if items.is_empty() || !items.iter().all(|i| i.as_map().is_some()) {
        return None;
    }
    let mut flat: Vec<BTreeMap<String, String>> = Vec::new();
    let mut columns: Vec<String> = Vec::new();
    for item in items {
        let mut row = BTreeMap::new();
        flatten(item, "", &mut row, &mut columns);
        flat.push(row);
    }
    let rows = flat
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|c| r.get(c).cloned().unwrap_or_default())
                .collect()
        })
        .collect();
    Some((columns.iter().map(|c| title_case(c)).collect(), rows))
}

pub(super) fn flatten(
    node: &Node,
    prefix: &str,
    row: &mut BTreeMap<String, String>,
    columns: &mut Vec<String>,
) {
    for e in node.as_map().unwrap_or(&[]) {
        let key = if prefix.is_empty() {
            e.key.to_string()
        } else {
            format!("{prefix}.{}", e.key)
        };
        if e.value.as_map().is_some() {
            flatten(&e.value, &key, row, columns);
            continue;
        }
        if !columns.contains(&key) {
            columns.push(key.clone());
        }
        row.insert(key, text_of(&e.value));
    }
}

/// `usagePatterns` → "Usage patterns"; `requirements.freshness` → "Requirements: Freshness".
pub fn title_case(key: &str) -> String {
    if key == "slos" {
        return "SLOs".into();
    }
    key.split('.')
        .map(|part| {
            let mut words = String::new();
            for (i, c) in part.chars().enumerate() {
                if c.is_uppercase() && i > 0 {
                    words.push(' ');
                    words.extend(c.to_lowercase());
                } else if i == 0 {
                    words.extend(c.to_uppercase());
                } else {
                    words.push(c);
                }
            }
            words
        })
        .collect::<Vec<_>>()
        .join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        assert_eq!(title_case("usagePatterns"), "Usage patterns");
        assert_eq!(
            title_case("requirements.freshness"),
            "Requirements: Freshness"
        );
        assert_eq!(title_case("slos"), "SLOs");
    }
}
