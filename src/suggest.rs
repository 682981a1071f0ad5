//! "Did you mean …?" suggestions.

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn closest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    // About one edit in three characters, at least one, and never so many
    // that the whole word is replaced.
    let len = word.chars().count();
    let limit = (len / 3).max(1).min(len.saturating_sub(1));
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (strsim::damerau_levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

/// `did you mean `x`?` for the closest candidate.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    closest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// `; did you mean `x`?` to append to a message, or nothing when no
/// candidate is close.
pub fn hint<'a, I>(word: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    did_you_mean(word, candidates)
        .map(|h| format!("; {h}"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_ignores_strangers() {
        let ids = ["north-star", "retention", "revenue"];
        assert_eq!(closest("nort-star", ids), Some("north-star"));
        assert_eq!(closest("NorthStar", ["NorthStar", "Goal"]), None);
        assert_eq!(
            closest("contributeTo", ["contributesTo", "consumers"]),
            Some("contributesTo")
        );
        assert_eq!(closest("zzzzzz", ids), None);
        assert_eq!(closest("nss", ["ns", "g"]), Some("ns"));
        assert_eq!(closest("ns", ["g"]), None);
        assert_eq!(closest("uc", ["g"]), None);
    }
}
