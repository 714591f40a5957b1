//! Times in words: a timestamp in a zone, in the page's language (CLDR through ICU4X),
//! and the zone rule: a session's times in its course's zone, labelled when not the site's.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use classtrack_i18n::format;
use classtrack_proto::v1::Session;
use prost_types::Timestamp;

use crate::lang;

pub fn to_utc(ts: Option<&Timestamp>) -> Option<DateTime<Utc>> {
    let ts = ts?;
    Utc.timestamp_opt(ts.seconds, u32::try_from(ts.nanos).unwrap_or(0))
        .single()
}

pub fn to_timestamp(at: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

// Shown times are in the page's language (`classtrack_i18n::format`, CLDR through ICU4X);
// form inputs stay ISO (`input_date_time`, `parse_local`), as HTML wants them.

/// The wall-clock time of `ts` in `tz`.
fn local(ts: Option<&Timestamp>, tz: Tz) -> Option<NaiveDateTime> {
    to_utc(ts).map(|t| t.with_timezone(&tz).naive_local())
}

/// "Monday, 5 January 2026 at 10:00", "lundi 5 janvier 2026 à 10:00"
pub fn date_time(ts: Option<&Timestamp>, tz: Tz) -> String {
    local(ts, tz)
        .map(|t| format::date_time(lang::current(), t))
        .unwrap_or_default()
}

/// "Mon 5 Jan", "lun. 5 janv."
pub fn day(ts: Option<&Timestamp>, tz: Tz) -> String {
    local(ts, tz)
        .map(|t| format::weekday_day(lang::current(), t.date()))
        .unwrap_or_default()
}

/// "5 Jan", "5 janv."
pub fn short_day(ts: Option<&Timestamp>, tz: Tz) -> String {
    local(ts, tz)
        .map(|t| format::day_month(lang::current(), t.date()))
        .unwrap_or_default()
}

/// "10:00" ("10:00 ص" in Arabic)
pub fn clock(ts: Option<&Timestamp>, tz: Tz) -> String {
    local(ts, tz)
        .map(|t| format::time(lang::current(), t.time()))
        .unwrap_or_default()
}

/// "10:00:42"
pub fn clock_seconds(ts: Option<&Timestamp>, tz: Tz) -> String {
    local(ts, tz)
        .map(|t| format::time_seconds(lang::current(), t.time()))
        .unwrap_or_default()
}

/// `YYYY-MM-DD` and `HH:MM` for form inputs.
pub fn input_date_time(ts: Option<&Timestamp>, tz: Tz) -> (String, String) {
    to_utc(ts)
        .map(|t| {
            let local = t.with_timezone(&tz);
            (
                local.format("%Y-%m-%d").to_string(),
                local.format("%H:%M").to_string(),
            )
        })
        .unwrap_or_default()
}

/// A local date and time from form inputs, in `tz`.
pub fn parse_local(date: &str, time: &str, tz: Tz) -> Option<DateTime<Utc>> {
    let date = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
    let time = chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M").ok()?;
    tz.from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

pub fn zone(name: &str, fallback: Tz) -> Tz {
    name.parse().unwrap_or(fallback)
}

/// The zone a session's times are read in: its course's, else the site's (`site`).
pub fn session_zone(session: &Session, site: Tz) -> Tz {
    zone(&session.time_zone, site)
}

/// " (Europe/Paris)" after a time read in `tz` when that is not the site's zone, so that
/// nobody takes a course's 09:00 for their own; nothing when it is.
pub fn zone_label(tz: Tz, site: Tz) -> String {
    if tz == site {
        String::new()
    } else {
        format!(" ({})", tz.name())
    }
}

/// [`date_time`] in the zone named `zone_name` (a course's; the site's when empty), labelled
/// when that is not `site`.
pub fn zoned_date_time(ts: Option<&Timestamp>, zone_name: &str, site: Tz) -> String {
    let tz = zone(zone_name, site);
    format!("{}{}", date_time(ts, tz), zone_label(tz, site))
}

/// "09:00–10:30" of a session in its course's zone, labelled when that is not `site`.
pub fn session_hours(session: &Session, site: Tz) -> String {
    let tz = session_zone(session, site);
    format!(
        "{}–{}{}",
        clock(session.start_time.as_ref(), tz),
        clock(session.end_time.as_ref(), tz),
        zone_label(tz, site)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_round_trip_through_forms() {
        let tz: Tz = "Europe/Lisbon".parse().unwrap();
        let at = parse_local("2026-07-01", "09:30", tz).unwrap();
        assert_eq!(at.to_rfc3339(), "2026-07-01T08:30:00+00:00");
        let ts = to_timestamp(at);
        assert_eq!(
            input_date_time(Some(&ts), tz),
            ("2026-07-01".to_string(), "09:30".to_string())
        );
        assert_eq!(clock(Some(&ts), tz), "09:30");
        assert!(parse_local("2026-13-01", "09:30", tz).is_none());
        assert!(parse_local("2026-01-01", "9h", tz).is_none());
    }

    #[tokio::test]
    async fn shown_times_follow_the_page_and_name_a_zone_not_the_sites() {
        use super::super::percent;
        use crate::lang::{scope, PageContext};
        use classtrack_i18n::Locale;
        let site: Tz = "UTC".parse().unwrap();
        let session = Session {
            time_zone: "Europe/Paris".into(),
            start_time: Some(to_timestamp(
                parse_local("2026-12-01", "09:00", site).unwrap(),
            )),
            end_time: Some(to_timestamp(
                parse_local("2026-12-01", "10:30", site).unwrap(),
            )),
            ..Default::default()
        };
        assert_eq!(session_hours(&session, site), "10:00–11:30 (Europe/Paris)");
        let paris: Tz = "Europe/Paris".parse().unwrap();
        assert_eq!(session_hours(&session, paris), "10:00–11:30");
        let other = Session {
            time_zone: String::new(),
            ..session.clone()
        };
        assert_eq!(session_hours(&other, site), "09:00–10:30");
        let fr = PageContext {
            locale: std::cell::Cell::new(Locale::Fr),
            here: "/".into(),
        };
        let (when, rate) = scope(fr, async {
            (
                zoned_date_time(session.start_time.as_ref(), "Europe/Paris", site),
                percent(0.95),
            )
        })
        .await;
        assert_eq!(when, "mardi 1 décembre 2026 à 10:00 (Europe/Paris)");
        assert_eq!(rate, "95\u{202f}%");
        // Form inputs stay ISO whatever the language.
        assert_eq!(
            input_date_time(session.start_time.as_ref(), paris),
            ("2026-12-01".to_string(), "10:00".to_string())
        );
    }
}
