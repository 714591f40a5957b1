//! Weekly series: the sessions of a timetable slot between two dates.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use crate::validate::{FieldViolation, Problem, Violations};

/// The most sessions one series may create (a year of daily classes).
pub const MAX_SERIES_SESSIONS: usize = 400;

/// A timetable slot repeated weekly: the sessions a professor creates in one
/// go, from [`parse`](Self::parse) and [`slots`](Self::slots).
#[derive(Debug, Clone)]
pub struct WeeklySeries {
    /// The days of the week it meets on (at least one).
    pub weekdays: Vec<Weekday>,
    /// The local start time of each meeting, in `zone`.
    pub start: NaiveTime,
    /// How long each meeting lasts (5 to 720 minutes).
    pub duration: Duration,
    /// The first date a meeting may fall on (inclusive).
    pub first: NaiveDate,
    /// The last date a meeting may fall on (inclusive; at most 366 days
    /// after `first`).
    pub last: NaiveDate,
    /// Dates without a meeting (holidays).
    pub skip: Vec<NaiveDate>,
    /// The course's time zone, in which `start` and the dates are read.
    pub zone: Tz,
}

/// A meeting's start and end in UTC.
pub type Slot = (DateTime<Utc>, DateTime<Utc>);

impl WeeklySeries {
    /// Parses the request's text fields: a start time as `HH:MM`, dates as
    /// `YYYY-MM-DD`, an IANA zone such as "Europe/Lisbon". On `Err`, every
    /// problem found, each naming its request field (`start_local_time`,
    /// `skip_dates[2]`, …).
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        weekdays: Vec<Weekday>,
        start_local_time: &str,
        duration_minutes: i32,
        first_date: &str,
        last_date: &str,
        skip_dates: &[String],
        zone: &str,
    ) -> Result<Self, Vec<FieldViolation>> {
        let mut v = Violations::default();
        if weekdays.is_empty() {
            v.problem("weekdays", Problem::new("api-field-no-weekday"));
        }
        let start = NaiveTime::parse_from_str(start_local_time.trim(), "%H:%M");
        if start.is_err() {
            v.problem(
                "start_local_time",
                Problem::new("api-field-not-time").text("example", "09:30"),
            );
        }
        if !(5..=720).contains(&duration_minutes) {
            v.problem(
                "duration_minutes",
                Problem::new("api-field-range-minutes")
                    .number("lo", 5)
                    .number("hi", 720)
                    .number("got", duration_minutes),
            );
        }
        let date = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d");
        let first = date(first_date);
        if first.is_err() {
            v.problem(
                "first_date",
                Problem::new("api-field-not-date").text("example", "2026-09-14"),
            );
        }
        let last = date(last_date);
        if last.is_err() {
            v.problem(
                "last_date",
                Problem::new("api-field-not-date").text("example", "2026-12-18"),
            );
        }
        let mut skip = Vec::new();
        for (i, s) in skip_dates.iter().enumerate() {
            match date(s) {
                Ok(d) => skip.push(d),
                Err(_) => v.problem(
                    format!("skip_dates[{i}]"),
                    Problem::new("api-field-not-date").text("example", "2026-10-05"),
                ),
            }
        }
        let zone = zone.parse::<Tz>();
        if zone.is_err() {
            v.problem("time_zone", Problem::new("api-field-course-zone"));
        }
        if let (Ok(f), Ok(l)) = (&first, &last) {
            if l < f {
                v.problem("last_date", Problem::new("api-field-before-first-date"));
            } else if (*l - *f).num_days() > 366 {
                v.problem("last_date", Problem::new("api-field-series-too-long"));
            }
        }
        match (start, first, last, zone) {
            (Ok(start), Ok(first), Ok(last), Ok(zone)) if v.is_empty() => Ok(Self {
                weekdays,
                start,
                duration: Duration::minutes(i64::from(duration_minutes)),
                first,
                last,
                skip,
                zone,
            }),
            _ => Err(v.0),
        }
    }

    /// Every meeting, in order. A start that falls in a daylight-saving gap
    /// moves to the first valid instant after it.
    pub fn slots(&self) -> Vec<Slot> {
        self.first
            .iter_days()
            .take_while(|d| *d <= self.last)
            .filter(|d| self.weekdays.contains(&chrono::Datelike::weekday(d)))
            .filter(|d| !self.skip.contains(d))
            .filter_map(|d| {
                let local = d.and_time(self.start);
                let start = self
                    .zone
                    .from_local_datetime(&local)
                    .earliest()
                    .or_else(|| {
                        self.zone
                            .from_local_datetime(&(local + Duration::hours(1)))
                            .earliest()
                    })?
                    .with_timezone(&Utc);
                Some((start, start + self.duration))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mondays_and_wednesdays_minus_a_holiday_across_dst() {
        let s = WeeklySeries::parse(
            vec![Weekday::Mon, Weekday::Wed],
            "09:30",
            90,
            "2026-10-19",
            "2026-11-04",
            &["2026-10-21".into()],
            "Europe/Lisbon",
        )
        .expect("valid");
        let slots = s.slots();
        // 19 Mon, (21 skipped), 26 Mon, 28 Wed, 2 Nov Mon, 4 Wed
        assert_eq!(slots.len(), 5);
        // before DST ends (UTC+1) 09:30 local is 08:30 UTC; after, 09:30 UTC
        assert_eq!(slots[0].0.to_rfc3339(), "2026-10-19T08:30:00+00:00");
        assert_eq!(slots[1].0.to_rfc3339(), "2026-10-26T09:30:00+00:00");
        assert_eq!(slots[0].1 - slots[0].0, Duration::minutes(90));
    }

    #[test]
    fn bad_fields_are_named() {
        let e = WeeklySeries::parse(vec![], "9h", 1, "x", "2026-01-01", &[], "Mars/Base")
            .expect_err("invalid");
        let fields: Vec<_> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "weekdays",
                "start_local_time",
                "duration_minutes",
                "first_date",
                "time_zone"
            ]
        );
    }
}
