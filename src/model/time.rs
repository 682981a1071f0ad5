//! Dates (`reviewBy`, `by`) and durations (freshness).

use std::fmt;

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD`, checking that the day exists.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = &s[r];
            part.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| part.parse().ok())
                .flatten()
        };
        let (year, month, day) = (num(0..4)? as i32, num(5..7)?, num(8..10)?);
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Today's date in UTC.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Date::from_days_since_epoch((secs / 86_400) as i64)
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm).
    pub fn days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The civil date `days` after 1970-01-01 (Howard Hinnant's algorithm).
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Why a text is not a usable duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationError {
    /// Not in the grammar.
    Syntax,
    /// In the grammar, but too long to count in seconds.
    TooLong,
}

/// Parses a duration into seconds. The one grammar, shared with the
/// schemas' `duration` pattern (a test checks they accept the same texts):
/// a whole number and a unit, `90s`, `15m`, `1h`, `7d`, `2w`; or ISO-8601
/// `P[nW][nD][T[nH][nM][nS]]` with at least one part, `PT1H`, `P1D`,
/// `P1DT12H`. Units are lowercase in the short form and uppercase in ISO.
pub fn duration(s: &str) -> Result<u64, DurationError> {
    let number = |digits: &str| -> Result<u64, DurationError> {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DurationError::Syntax);
        }
        digits.parse().map_err(|_| DurationError::TooLong)
    };
    let times = |n: u64, unit: u64| n.checked_mul(unit).ok_or(DurationError::TooLong);
    if let Some(iso) = s.strip_prefix('P') {
        let (date, time) = match iso.split_once('T') {
            Some((_, "")) => return Err(DurationError::Syntax),
            Some((d, t)) => (d, Some(t)),
            None => (iso, None),
        };
        if date.is_empty() && time.is_none() {
            return Err(DurationError::Syntax);
        }
        let mut total: u64 = 0;
        for (part, units) in [
            (date, &[('W', 604_800), ('D', 86_400)][..]),
            (time.unwrap_or(""), &[('H', 3_600), ('M', 60), ('S', 1)][..]),
        ] {
            let mut rest = part;
            let mut next_unit = 0;
            while !rest.is_empty() {
                let end = rest
                    .find(|c: char| !c.is_ascii_digit())
                    .ok_or(DurationError::Syntax)?;
                let unit = rest[end..].chars().next().ok_or(DurationError::Syntax)?;
                // Units in order, each at most once, each after a number.
                let at = units[next_unit..]
                    .iter()
                    .position(|&(u, _)| u == unit)
                    .ok_or(DurationError::Syntax)?
                    + next_unit;
                let n = number(&rest[..end])?;
                total = total
                    .checked_add(times(n, units[at].1)?)
                    .ok_or(DurationError::TooLong)?;
                next_unit = at + 1;
                rest = &rest[end + unit.len_utf8()..];
            }
        }
        return Ok(total);
    }
    let unit = s.chars().last().ok_or(DurationError::Syntax)?;
    let seconds = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return Err(DurationError::Syntax),
    };
    times(number(&s[..s.len() - 1])?, seconds)
}

/// A duration in seconds, or `None` when it is not one (see [`duration`]).
pub fn parse_duration(s: &str) -> Option<u64> {
    duration(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(Date::parse("2026-02-28").unwrap().to_string(), "2026-02-28");
        assert!(Date::parse("2026-02-29").is_none());
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("2026-13-01").is_none());
        assert!(Date::parse("26-01-01").is_none());
        assert_eq!(Date::from_days_since_epoch(0).to_string(), "1970-01-01");
        assert_eq!(
            Date::from_days_since_epoch(20_479).to_string(),
            "2026-01-26"
        );
        for days in [-800_000, -1, 0, 59, 60, 20_479, 30_000, 2_000_000] {
            assert_eq!(Date::from_days_since_epoch(days).days(), days);
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15m"), Some(900));
        assert_eq!(parse_duration("24h"), Some(86_400));
        assert_eq!(parse_duration("7d"), Some(604_800));
        assert_eq!(parse_duration("PT1H"), Some(3_600));
        assert_eq!(parse_duration("P1D"), Some(86_400));
        assert_eq!(parse_duration("P1DT12H"), Some(129_600));
        assert_eq!(parse_duration("PT15M"), Some(900));
        assert_eq!(parse_duration("P"), None);
        assert_eq!(parse_duration("PT"), None);
        assert_eq!(parse_duration("1 hour"), None);
        assert_eq!(parse_duration("PT1H1H"), None);
        assert_eq!(parse_duration("P1W1D"), Some(691_200));
        assert_eq!(parse_duration("P1DT"), None);
        assert_eq!(parse_duration("15M"), None, "short units are lowercase");
        assert_eq!(parse_duration("+5m"), None);
        assert_eq!(parse_duration(" 5m"), None);
        assert_eq!(
            duration("99999999999999999999d"),
            Err(DurationError::TooLong)
        );
        assert_eq!(duration("P99999999999999999W"), Err(DurationError::TooLong));
    }

    /// The schemas' `duration` pattern, compiled as the `schema` rule runs it.
    fn schema_accepts() -> impl Fn(&str) -> bool {
        let schema: serde_json::Value = serde_json::from_str(crate::rules::schema::builtin_source(
            crate::model::Kind::Goal,
        ))
        .unwrap();
        let def = serde_json::json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": "#/$defs/duration",
            "$defs": schema["$defs"].clone(),
        });
        let validator = jsonschema::validator_for(&def).unwrap();
        move |s: &str| validator.is_valid(&serde_json::json!(s))
    }

    proptest::proptest! {
        #[test]
        fn the_schema_and_the_parser_accept_the_same_durations(
            s in "(P|PT|)([0-9]{1,3}[smhdwWDHMST]{0,2}){0,3}[ +]?"
        ) {
            let schema = schema_accepts();
            let parsed = duration(&s);
            proptest::prop_assert_eq!(schema(&s), parsed != Err(DurationError::Syntax), "{:?}", s);
        }
    }

    #[test]
    fn the_schema_and_the_parser_agree_on_edge_cases() {
        let schema = schema_accepts();
        for s in [
            "",
            "P",
            "PT",
            "P1D",
            "P1DT",
            "PT1H30M",
            "P1W1D",
            "1h",
            "1H",
            "15M",
            "+5m",
            "5 m",
            "P1H",
            "PT1D",
            "P1D1W",
            "PT1S1M",
            "99999999999999999999d",
            "0s",
            "PT0S",
            "P0D",
            "1.5h",
        ] {
            assert_eq!(
                schema(s),
                duration(s) != Err(DurationError::Syntax),
                "{s:?}"
            );
        }
    }
}
