//! Where an indicator is heading: a straight line fitted to its recent
//! observations, projected to its deadline (the method is described for
//! users in docs/outcomes.md).

use serde::Serialize;

use crate::model::time::Date;

/// How an indicator stands (CONTRACT §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Flat or moving away from the target (or past its deadline short of it).
    OffTrack,
    /// Moving toward the target, but projected short of it at the deadline.
    AtRisk,
    /// No observation and no `current` value.
    NoData,
    /// Projected to meet the target by the deadline.
    OnTrack,
    /// The latest value meets the target.
    Achieved,
}

impl Status {
    /// Every status, most in need of attention first.
    pub const ALL: [Status; 5] = [
        Status::OffTrack,
        Status::AtRisk,
        Status::NoData,
        Status::OnTrack,
        Status::Achieved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::OffTrack => "off-track",
            Status::AtRisk => "at-risk",
            Status::NoData => "no-data",
            Status::OnTrack => "on-track",
            Status::Achieved => "achieved",
        }
    }

    /// The status in words, for people.
    pub fn label(self) -> &'static str {
        match self {
            Status::OffTrack => "Off track",
            Status::AtRisk => "At risk",
            Status::NoData => "No data",
            Status::OnTrack => "On track",
            Status::Achieved => "Achieved",
        }
    }
}

/// Which way an indicator should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Increase,
    Decrease,
}

impl Direction {
    pub fn parse(s: Option<&str>) -> Direction {
        match s {
            Some("decrease") => Direction::Decrease,
            _ => Direction::Increase,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Increase => "increase",
            Direction::Decrease => "decrease",
        }
    }

    /// Whether `value` meets `target` going this way.
    pub fn meets(self, value: f64, target: f64) -> bool {
        match self {
            Direction::Increase => value >= target,
            Direction::Decrease => value <= target,
        }
    }

    fn sign(self) -> f64 {
        match self {
            Direction::Increase => 1.0,
            Direction::Decrease => -1.0,
        }
    }
}

/// The trend is fitted to the observations of the year up to the latest …
pub const WINDOW_DAYS: i64 = 365;
/// … and to at least this many of the latest, for sparse series.
pub const WINDOW_MIN: usize = 12;
/// A trend that moves less than this share of the baseline-to-target
/// distance in a year is flat.
pub const FLAT_PER_YEAR: f64 = 0.02;

/// A straight line through observations: `value = intercept + slope × days
/// since the epoch`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    pub slope: f64,
    pub intercept: f64,
}

impl Line {
    pub fn at(&self, date: Date) -> f64 {
        self.intercept + self.slope * date.days() as f64
    }

    /// The least-squares line through `points`; `None` for fewer than two
    /// distinct dates.
    pub fn fit(points: &[(Date, f64)]) -> Option<Line> {
        let n = points.len() as f64;
        if points.len() < 2 {
            return None;
        }
        // Centre the days so large day numbers lose no precision.
        let mean_x = points.iter().map(|p| p.0.days() as f64).sum::<f64>() / n;
        let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
        let (mut sxy, mut sxx) = (0.0, 0.0);
        for &(d, v) in points {
            let dx = d.days() as f64 - mean_x;
            sxy += dx * (v - mean_y);
            sxx += dx * dx;
        }
        if sxx == 0.0 {
            return None;
        }
        let slope = sxy / sxx;
        Some(Line {
            slope,
            intercept: mean_y - slope * mean_x,
        })
    }
}

/// The observations the trend is fitted to: those of the last year up to
/// the latest, and at least the latest [`WINDOW_MIN`].
pub fn window(points: &[(Date, f64)]) -> &[(Date, f64)] {
    let Some(&(last, _)) = points.last() else {
        return points;
    };
    let in_year = points
        .iter()
        .rev()
        .take_while(|p| last.days() - p.0.days() <= WINDOW_DAYS)
        .count();
    &points[points.len() - in_year.max(WINDOW_MIN).min(points.len())..]
}

/// What is known of an indicator for its assessment.
#[derive(Debug, Clone, Copy)]
pub struct Goalpost {
    pub direction: Direction,
    pub baseline: Option<f64>,
    pub target: Option<f64>,
    pub by: Option<Date>,
}

/// An indicator's status, the projected value at its deadline, and the
/// fitted line (drawn on charts).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assessment {
    pub status: Status,
    pub projected: Option<f64>,
    pub line: Option<Line>,
}

/// Assesses an indicator at `today` from its observations (sorted by date)
/// and, when there are none, the spec's `current` value.
pub fn assess(
    points: &[(Date, f64)],
    current: Option<f64>,
    goal: Goalpost,
    today: Date,
) -> Assessment {
    let latest = points.last().map(|p| p.1).or(current);
    let window = window(points);
    let line = Line::fit(window);
    let projected = match (line, goal.by) {
        (Some(l), Some(by)) => Some(l.at(by)),
        _ => None,
    };
    let done = |status| Assessment {
        status,
        projected,
        line,
    };
    let (Some(latest), Some(target)) = (latest, goal.target) else {
        return done(Status::NoData);
    };
    if goal.direction.meets(latest, target) {
        return done(Status::Achieved);
    }
    let Some(l) = line else {
        // One value says where it stands, not where it is heading.
        return done(Status::AtRisk);
    };
    if goal.by.is_some_and(|by| by < today) {
        return done(Status::OffTrack); // the deadline passed short of the target
    }
    let reference = goal.baseline.unwrap_or(points[0].1);
    let scale = match (target - reference).abs() {
        s if s > f64::EPSILON => s,
        _ => target.abs().max(1.0),
    };
    let toward = l.slope * goal.direction.sign();
    if toward * 365.0 < FLAT_PER_YEAR * scale {
        return done(Status::OffTrack); // flat, or moving away
    }
    match projected {
        Some(p) if goal.direction.meets(p, target) => done(Status::OnTrack),
        Some(_) => done(Status::AtRisk),
        // No deadline: moving toward the target is on track.
        None => done(Status::OnTrack),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    /// Monthly observations from January 2026: `values[i]` on the first of month i+1.
    fn monthly(values: &[f64]) -> Vec<(Date, f64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| (d(&format!("2026-{:02}-01", i + 1)), v))
            .collect()
    }

    fn goal(target: f64, by: Option<&str>, direction: Direction) -> Goalpost {
        Goalpost {
            direction,
            baseline: Some(20.0),
            target: Some(target),
            by: by.map(d),
        }
    }

    const TODAY: &str = "2026-07-15";

    #[test]
    fn steady_progress_that_will_pass_the_target_is_on_track() {
        let a = assess(
            &monthly(&[20.0, 21.0, 22.0, 23.0, 24.0, 25.0]),
            None,
            goal(30.0, Some("2027-06-30"), Direction::Increase),
            d(TODAY),
        );
        assert_eq!(a.status, Status::OnTrack);
        assert!(a.projected.unwrap() > 30.0, "{a:?}");
    }

    #[test]
    fn slow_progress_is_at_risk() {
        let a = assess(
            &monthly(&[20.0, 20.2, 20.4, 20.6, 20.8, 21.0]),
            None,
            goal(30.0, Some("2026-12-31"), Direction::Increase),
            d(TODAY),
        );
        assert_eq!(a.status, Status::AtRisk);
        assert!(a.projected.unwrap() < 30.0);
    }

    #[test]
    fn moving_away_or_flat_is_off_track() {
        let away = assess(
            &monthly(&[24.0, 23.5, 23.0, 22.0, 21.5, 21.0]),
            None,
            goal(30.0, Some("2027-06-30"), Direction::Increase),
            d(TODAY),
        );
        assert_eq!(away.status, Status::OffTrack);
        let flat = assess(
            &monthly(&[22.0, 22.0, 22.01, 22.0, 21.99, 22.0]),
            None,
            goal(30.0, Some("2027-06-30"), Direction::Increase),
            d(TODAY),
        );
        assert_eq!(flat.status, Status::OffTrack);
    }

    #[test]
    fn meeting_the_target_is_achieved() {
        let a = assess(
            &monthly(&[25.0, 28.0, 31.0]),
            None,
            goal(30.0, Some("2027-06-30"), Direction::Increase),
            d(TODAY),
        );
        assert_eq!(a.status, Status::Achieved);
        // The spec's `current` counts when there is no observation.
        let a = assess(
            &[],
            Some(31.0),
            goal(30.0, None, Direction::Increase),
            d(TODAY),
        );
        assert_eq!(a.status, Status::Achieved);
    }

    #[test]
    fn one_point_or_none() {
        let one = assess(
            &monthly(&[22.0]),
            None,
            goal(30.0, Some("2027-06-30"), Direction::Increase),
            d(TODAY),
        );
        assert_eq!((one.status, one.projected), (Status::AtRisk, None));
        let none = assess(
            &[],
            None,
            goal(30.0, Some("2027-06-30"), Direction::Increase),
            d(TODAY),
        );
        assert_eq!(none.status, Status::NoData);
    }

    #[test]
    fn without_a_deadline_moving_toward_is_on_track() {
        let a = assess(
            &monthly(&[20.0, 20.5, 21.0, 21.5]),
            None,
            goal(30.0, None, Direction::Increase),
            d(TODAY),
        );
        assert_eq!((a.status, a.projected), (Status::OnTrack, None));
        let a = assess(
            &monthly(&[21.5, 21.0, 20.5]),
            None,
            goal(30.0, None, Direction::Increase),
            d(TODAY),
        );
        assert_eq!(a.status, Status::OffTrack);
    }

    #[test]
    fn decrease_direction() {
        let g = Goalpost {
            direction: Direction::Decrease,
            baseline: Some(10.0),
            target: Some(5.0),
            by: Some(d("2027-01-31")),
        };
        let down = assess(
            &monthly(&[10.0, 9.5, 9.0, 8.5, 8.0, 7.5]),
            None,
            g,
            d(TODAY),
        );
        assert_eq!(down.status, Status::OnTrack);
        let up = assess(&monthly(&[10.0, 10.5, 11.0]), None, g, d(TODAY));
        assert_eq!(up.status, Status::OffTrack);
        let done = assess(&monthly(&[6.0, 5.0]), None, g, d(TODAY));
        assert_eq!(done.status, Status::Achieved);
    }

    #[test]
    fn a_missed_deadline_is_off_track() {
        let a = assess(
            &monthly(&[20.0, 22.0, 24.0, 26.0]),
            None,
            goal(30.0, Some("2026-05-01"), Direction::Increase),
            d(TODAY),
        );
        assert_eq!(a.status, Status::OffTrack);
    }

    #[test]
    fn the_window_is_the_last_year_or_the_last_twelve() {
        let daily: Vec<(Date, f64)> = (0..800)
            .map(|n| (Date::from_days_since_epoch(20_000 + n), n as f64))
            .collect();
        assert_eq!(window(&daily).len(), 366);
        let quarterly: Vec<(Date, f64)> = (0..20)
            .map(|n| (Date::from_days_since_epoch(20_000 + 91 * n), 1.0))
            .collect();
        assert_eq!(window(&quarterly).len(), 12);
        assert_eq!(window(&quarterly[..3]).len(), 3);
        // Daily noise around a steady rise is still a rise.
        let noisy: Vec<(Date, f64)> = (0..400)
            .map(|n| {
                (
                    Date::from_days_since_epoch(20_000 + n),
                    20.0 + n as f64 * 0.02 + if n % 2 == 0 { 0.4 } else { -0.4 },
                )
            })
            .collect();
        let today = Date::from_days_since_epoch(20_400);
        let a = assess(
            &noisy,
            None,
            Goalpost {
                direction: Direction::Increase,
                baseline: Some(20.0),
                target: Some(40.0),
                by: Some(Date::from_days_since_epoch(21_500)),
            },
            today,
        );
        assert_eq!(a.status, Status::OnTrack);
    }

    #[test]
    fn the_fit_is_exact_on_a_line() {
        let l = Line::fit(&monthly(&[1.0, 1.0 + 31.0, 1.0 + 59.0])).unwrap();
        assert!((l.slope - 1.0).abs() < 1e-9, "{l:?}");
        assert!((l.at(d("2026-01-01")) - 1.0).abs() < 1e-9);
    }
}
