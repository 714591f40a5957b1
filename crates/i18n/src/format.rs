//! Dates, times and numbers in a language, from CLDR through ICU4X (compiled data, Gregorian
//! calendar). The caller gives wall-clock times already in the zone they are to be read in
//! (a course's zone, the site's): nothing here knows about zones.
//!
//! English is formatted as British English (`en-GB`): day before month and a 24-hour clock,
//! as ClassTrack's pages always were. French and Arabic are CLDR's `fr` and `ar`, digits
//! included: whatever numbering system CLDR gives a language is kept (codes that must stay
//! Latin, such as a QR short code, never pass through here).

use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use fixed_decimal::Decimal;
use icu_calendar::{Date, Gregorian};
use icu_datetime::fieldsets::{self, T};
use icu_datetime::input::{DateTime, Time};
use icu_datetime::{
    DateTimeFormatterPreferences, FixedCalendarDateTimeFormatter, NoCalendarFormatter,
};
use icu_decimal::{DecimalFormatter, DecimalFormatterPreferences};
use icu_locale_core::{locale, Locale as IcuLocale};

use crate::Locale;

/// "Tuesday 1 December 2026, 09:00", "mardi 1 décembre 2026 à 09:00": a moment in full.
pub fn date_time(locale: Locale, at: NaiveDateTime) -> String {
    static F: PerLocale<FixedCalendarDateTimeFormatter<Gregorian, fieldsets::YMDET>> =
        PerLocale::new();
    F.get(locale, |p| {
        FixedCalendarDateTimeFormatter::try_new(p, fieldsets::YMDE::long().with_time_hm()).ok()
    })
    .and_then(|f| Some(f.format(&date_time_input(at)?).to_string()))
    .unwrap_or_else(|| at.format("%Y-%m-%d %H:%M").to_string())
}

/// "Tue 1 Dec", "mar. 1 déc.": a day of this year's timetable, with its weekday.
pub fn weekday_day(locale: Locale, day: NaiveDate) -> String {
    static F: PerLocale<FixedCalendarDateTimeFormatter<Gregorian, fieldsets::MDE>> =
        PerLocale::new();
    F.get(locale, |p| {
        FixedCalendarDateTimeFormatter::try_new(p, fieldsets::MDE::medium()).ok()
    })
    .and_then(|f| Some(f.format(&date_input(day)?).to_string()))
    .unwrap_or_else(|| day.format("%m-%d").to_string())
}

/// "1 Dec", "1 déc.": a day, shortest (chart labels).
pub fn day_month(locale: Locale, day: NaiveDate) -> String {
    static F: PerLocale<FixedCalendarDateTimeFormatter<Gregorian, fieldsets::MD>> =
        PerLocale::new();
    F.get(locale, |p| {
        FixedCalendarDateTimeFormatter::try_new(p, fieldsets::MD::medium()).ok()
    })
    .and_then(|f| Some(f.format(&date_input(day)?).to_string()))
    .unwrap_or_else(|| day.format("%m-%d").to_string())
}

/// "09:00": hours and minutes.
pub fn time(locale: Locale, at: NaiveTime) -> String {
    static F: PerLocale<NoCalendarFormatter<T>> = PerLocale::new();
    F.get(locale, |p| NoCalendarFormatter::try_new(p, T::hm()).ok())
        .and_then(|f| Some(f.format(&time_input(at)?).to_string()))
        .unwrap_or_else(|| at.format("%H:%M").to_string())
}

/// "09:00:42": hours, minutes and seconds (when a check-in was recorded).
pub fn time_seconds(locale: Locale, at: NaiveTime) -> String {
    static F: PerLocale<NoCalendarFormatter<T>> = PerLocale::new();
    F.get(locale, |p| NoCalendarFormatter::try_new(p, T::hms()).ok())
        .and_then(|f| Some(f.format(&time_input(at)?).to_string()))
        .unwrap_or_else(|| at.format("%H:%M:%S").to_string())
}

/// `rate` (0.95) as a whole percentage: "95%", "95 %" (narrow no-break space), Arabic's own.
/// Clamped to 0–100; "—" for a rate that is not a number.
pub fn percent(locale: Locale, rate: f64) -> String {
    if !rate.is_finite() {
        return "—".into();
    }
    let whole = (rate * 100.0).clamp(0.0, 100.0).round();
    let (before, after) = percent_affixes(locale);
    format!("{before}{}{after}", decimal(locale, whole, 0))
}

/// `value` with `fraction_digits` (at most 6) digits after the separator, grouped:
/// "1,234.5", "1 234,5"; "—" for a value that is not a number.
pub fn decimal(locale: Locale, value: f64, fraction_digits: u8) -> String {
    if !value.is_finite() {
        return "—".into();
    }
    let digits = usize::from(fraction_digits.min(6));
    let plain = format!("{value:.digits$}");
    let Ok(number) = Decimal::try_from_str(&plain) else {
        return plain;
    };
    static F: PerLocale<DecimalFormatter> = PerLocale::new();
    F.get(locale, |p| {
        DecimalFormatter::try_new(DecimalFormatterPreferences::from(&p), Default::default()).ok()
    })
    .map_or(plain, |f| f.format(&number).to_string())
}

/// The text around a percentage's digits, from CLDR's percent format of each language (its
/// pattern and percent sign for the numbering system the decimal formatter uses). ICU4X's
/// percent formatter is still experimental, so the three patterns are kept here; the tests
/// pin them together with the digits.
fn percent_affixes(locale: Locale) -> (&'static str, &'static str) {
    match locale {
        Locale::En => ("", "%"),
        // `#,##0 %`, with U+202F NARROW NO-BREAK SPACE.
        Locale::Fr => ("", "\u{202f}%"),
        // Arabic with Latin digits: `#,##0%` with the sign `‎%‎` (U+200E LEFT-TO-RIGHT
        // MARK around it, so that the sign stays after the number in right-to-left text).
        Locale::Ar => ("", "\u{200e}%\u{200e}"),
    }
}

/// The ICU locale each of ours is formatted as.
fn icu_locale(locale: Locale) -> IcuLocale {
    match locale {
        Locale::En => locale!("en-GB"),
        Locale::Fr => locale!("fr"),
        Locale::Ar => locale!("ar"),
    }
}

fn date_input(day: NaiveDate) -> Option<Date<Gregorian>> {
    let month = u8::try_from(day.month()).ok()?;
    let dom = u8::try_from(day.day()).ok()?;
    Date::try_new_gregorian(day.year(), month, dom).ok()
}

fn time_input(at: NaiveTime) -> Option<Time> {
    let hour = u8::try_from(at.hour()).ok()?;
    let minute = u8::try_from(at.minute()).ok()?;
    // A leap second (chrono's 60th) reads as the 59th.
    let second = u8::try_from(at.second().min(59)).ok()?;
    Time::try_new(hour, minute, second, 0).ok()
}

fn date_time_input(at: NaiveDateTime) -> Option<DateTime<Gregorian>> {
    Some(DateTime {
        date: date_input(at.date())?,
        time: time_input(at.time())?,
    })
}

/// One formatter per language, made on first use. `None` when ICU4X could not make it (its
/// compiled data covers our three languages, so the tests would see that); callers then fall
/// back to ISO forms rather than fail a page.
struct PerLocale<F>([OnceLock<Option<F>>; 3]);

impl<F> PerLocale<F> {
    const fn new() -> Self {
        Self([OnceLock::new(), OnceLock::new(), OnceLock::new()])
    }

    fn get(
        &self,
        locale: Locale,
        make: impl FnOnce(DateTimeFormatterPreferences) -> Option<F>,
    ) -> Option<&F> {
        self.0[locale.index()]
            .get_or_init(|| make(DateTimeFormatterPreferences::from(&icu_locale(locale))))
            .as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|day| day.and_hms_opt(h, min, s))
            .expect("a valid moment")
    }

    #[test]
    fn a_moment_in_full_in_each_language() {
        let t = at(2026, 12, 1, 9, 0, 42);
        assert_eq!(
            date_time(Locale::En, t),
            "Tuesday, 1 December 2026 at 09:00"
        );
        assert_eq!(date_time(Locale::Fr, t), "mardi 1 décembre 2026 à 09:00");
        assert_eq!(date_time(Locale::Ar, t), "الثلاثاء، 1 ديسمبر 2026 في 9:00 ص");
        // The afternoon: 24 hours in English and French, CLDR's "م" in Arabic.
        let t = at(2026, 3, 29, 17, 5, 0);
        assert_eq!(date_time(Locale::En, t), "Sunday, 29 March 2026 at 17:05");
        assert_eq!(date_time(Locale::Fr, t), "dimanche 29 mars 2026 à 17:05");
        assert_eq!(date_time(Locale::Ar, t), "الأحد، 29 مارس 2026 في 5:05 م");
    }

    #[test]
    fn short_days_in_each_language() {
        let day = at(2026, 12, 1, 0, 0, 0).date();
        assert_eq!(weekday_day(Locale::En, day), "Tue 1 Dec");
        assert_eq!(weekday_day(Locale::Fr, day), "mar. 1 déc.");
        assert_eq!(weekday_day(Locale::Ar, day), "الثلاثاء، 1 ديسمبر");
        assert_eq!(day_month(Locale::En, day), "1 Dec");
        assert_eq!(day_month(Locale::Fr, day), "1 déc.");
        assert_eq!(day_month(Locale::Ar, day), "1 ديسمبر");
    }

    #[test]
    fn clock_times_in_each_language() {
        let t = at(2026, 12, 1, 9, 0, 42).time();
        assert_eq!(time(Locale::En, t), "09:00");
        assert_eq!(time(Locale::Fr, t), "09:00");
        assert_eq!(time(Locale::Ar, t), "9:00 ص");
        assert_eq!(time_seconds(Locale::En, t), "09:00:42");
        assert_eq!(time_seconds(Locale::Fr, t), "09:00:42");
        assert_eq!(time_seconds(Locale::Ar, t), "9:00:42 ص");
    }

    #[test]
    fn percentages_and_decimals_in_each_language() {
        assert_eq!(percent(Locale::En, 0.95), "95%");
        // U+202F NARROW NO-BREAK SPACE before the sign.
        assert_eq!(percent(Locale::Fr, 0.95), "95\u{202f}%");
        // CLDR's Arabic keeps Latin digits; the sign between left-to-right marks.
        assert_eq!(percent(Locale::Ar, 0.95), "95\u{200e}%\u{200e}");
        assert_eq!(percent(Locale::En, 0.756), "76%");
        assert_eq!(percent(Locale::En, 1.7), "100%");
        assert_eq!(percent(Locale::Fr, -0.2), "0\u{202f}%");
        assert_eq!(percent(Locale::Ar, f64::NAN), "—");
        assert_eq!(decimal(Locale::En, 1234.5, 1), "1,234.5");
        assert_eq!(decimal(Locale::Fr, 1234.5, 2), "1\u{202f}234,50");
        assert_eq!(decimal(Locale::Ar, 1234.5, 1), "1,234.5");
        assert_eq!(decimal(Locale::Fr, -3.0, 0), "-3");
        assert_eq!(decimal(Locale::En, f64::INFINITY, 0), "—");
    }
}
