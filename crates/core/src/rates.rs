//! Attendance rates and absence warnings for one student in one course.
//!
//! Counted sessions: not cancelled, already over (or closed), and ending
//! after the student enrolled. Excused sessions are their own column and leave
//! the rate's denominator; late counts as attended unless the course says
//! otherwise. Sessions that are over but not yet finalised are "unrecorded"
//! and count for nothing until they are.

use crate::settings::AbsenceRules;
use crate::AttendanceStatus;

/// One past session of the course as one student lived it, in time order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meeting {
    /// The student's status in it; `None` while the session is over but not
    /// yet finalised (unrecorded).
    pub status: Option<AttendanceStatus>,
}

/// One student's counts and rate in one course, from [`tally`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    /// Past sessions counted for the student (the meetings given).
    pub sessions: u32,
    /// Sessions the student was present at.
    pub present: u32,
    /// Sessions the student was late to.
    pub late: u32,
    /// Sessions the student was excused from.
    pub excused: u32,
    /// Sessions the student was absent from, unexcused.
    pub absent: u32,
    /// Sessions over but not yet finalised, with no status yet.
    pub unrecorded: u32,
    /// Attended ÷ (sessions − excused − unrecorded); 1.0 when nothing counts yet.
    pub rate: f64,
    /// Absences without an excuse (the same count as `absent`), for the
    /// unexcused-absence limit.
    pub unexcused_absences: u32,
    /// Absences in a row at the end (excused and unrecorded sessions neither
    /// break nor extend a run).
    pub current_streak: u32,
    /// The longest run of absences in a row, counted like `current_streak`.
    pub longest_streak: u32,
    /// Sessions that counted against the student (absent, and late when late is not attended).
    pub missed: u32,
    /// Sessions in the rate's denominator.
    pub rated: u32,
    /// Sessions of the whole term that count for the student (past and to
    /// come, since enrollment, not cancelled, not excused): the base of the
    /// share-of-sessions limit, so that one early absence is not "20 %".
    pub planned: u32,
    /// Sessions still to come: without any, nobody is "one absence away".
    pub upcoming: u32,
}

/// How close a student is to the course's absence limits, from least to most
/// serious (the order is used: a warning's level is its worst reason's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// No limit is near.
    None,
    /// One more absence reaches a limit.
    Near,
    /// At or over a limit.
    Over,
}

/// What to tell about a student's absences, from [`warning`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The most serious level among the reasons ([`Level::None`] without any).
    pub level: Level,
    /// One per limit near or passed; [`Reason`]'s `Display` says it in English, and the API
    /// says it in the caller's language from [`Reason::key`] and [`Reason::args`].
    pub reasons: Vec<Reason>,
}

/// Why a student is near or over one of the course's absence limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Missed `share` % of the term's sessions, the limit being `limit` %.
    MissedShare {
        /// Percent of the term's planned sessions missed, rounded.
        share: u32,
        /// The course's limit, in percent.
        limit: u32,
    },
    /// One more absence reaches `limit` % of the term's sessions.
    NearShare {
        /// The course's limit, in percent.
        limit: u32,
    },
    /// `count` unexcused absences, at or over the limit.
    Unexcused {
        /// Unexcused absences so far.
        count: u32,
        /// The course's limit.
        limit: u32,
    },
    /// `count` unexcused absences, one below the limit.
    NearUnexcused {
        /// Unexcused absences so far.
        count: u32,
        /// The course's limit.
        limit: u32,
    },
    /// `count` absences in a row, at or over the limit.
    InARow {
        /// The longest run of absences.
        count: u32,
        /// The course's limit.
        limit: u32,
    },
    /// One more absence makes `limit` in a row.
    NearInARow {
        /// The course's limit.
        limit: u32,
    },
}

impl Reason {
    /// The message key of the sentence (`api-warning-…` in the Fluent files).
    pub fn key(&self) -> &'static str {
        match self {
            Reason::MissedShare { .. } => "api-warning-missed-share",
            Reason::NearShare { .. } => "api-warning-near-share",
            Reason::Unexcused { .. } => "api-warning-unexcused",
            Reason::NearUnexcused { .. } => "api-warning-near-unexcused",
            Reason::InARow { .. } => "api-warning-in-a-row",
            Reason::NearInARow { .. } => "api-warning-near-in-a-row",
        }
    }

    /// The sentence's numbers, by name (`count`, `share`, `limit`).
    pub fn args(&self) -> Vec<(&'static str, u32)> {
        match *self {
            Reason::MissedShare { share, limit } => vec![("share", share), ("limit", limit)],
            Reason::NearShare { limit } | Reason::NearInARow { limit } => vec![("limit", limit)],
            Reason::Unexcused { count, limit }
            | Reason::NearUnexcused { count, limit }
            | Reason::InARow { count, limit } => vec![("count", count), ("limit", limit)],
        }
    }

    /// The sentence in `locale`, from the API's Fluent messages (`api-warning-…`).
    pub fn text_in(&self, locale: classtrack_i18n::Locale) -> String {
        let args: Vec<(&str, classtrack_i18n::Arg<'_>)> = self
            .args()
            .into_iter()
            .map(|(name, n)| (name, n.into()))
            .collect();
        classtrack_i18n::text(locale, self.key(), &args)
    }
}

/// In English: the same sentence as [`Reason::text_in`] gives for English.
impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text_in(classtrack_i18n::Locale::En))
    }
}

/// Counts the student's `meetings` (their counted past sessions, in time
/// order) under the course's `rules`. `upcoming`: sessions of the term still
/// to come for this student.
pub fn tally(meetings: &[Meeting], upcoming: u32, rules: &AbsenceRules) -> Tally {
    let mut t = Tally {
        sessions: meetings.len() as u32,
        ..Default::default()
    };
    let mut run = 0;
    for m in meetings {
        match m.status {
            Some(AttendanceStatus::Present) => t.present += 1,
            Some(AttendanceStatus::Late) => t.late += 1,
            Some(AttendanceStatus::Excused) => t.excused += 1,
            Some(AttendanceStatus::Absent) => t.absent += 1,
            None => t.unrecorded += 1,
        }
        match m.status {
            Some(AttendanceStatus::Absent) => {
                run += 1;
                t.longest_streak = t.longest_streak.max(run);
            }
            Some(AttendanceStatus::Excused) | None => {}
            Some(_) => run = 0,
        }
    }
    t.current_streak = run;
    t.unexcused_absences = t.absent;
    let attended = t.present
        + if rules.late_counts_as_attended {
            t.late
        } else {
            0
        };
    t.rated = t.present + t.late + t.absent;
    t.missed = t.rated - attended;
    t.planned = t.sessions - t.excused + upcoming;
    t.upcoming = upcoming;
    t.rate = if t.rated == 0 {
        1.0
    } else {
        f64::from(attended) / f64::from(t.rated)
    };
    t
}

/// Whether the tally is at or over one of the course's limits, or one
/// absence away from one; a limit of zero is off, and nobody is "near" when
/// no session is left to come.
pub fn warning(t: &Tally, rules: &AbsenceRules) -> Warning {
    let mut level = Level::None;
    let mut reasons = Vec::new();
    let mut note = |l: Level, reason: Reason| {
        level = level.max(l);
        reasons.push(reason);
    };
    if rules.max_absence_percent > 0 && t.planned > 0 {
        let limit = f64::from(rules.max_absence_percent);
        let share = 100.0 * f64::from(t.missed) / f64::from(t.planned);
        let next = 100.0 * f64::from(t.missed + 1) / f64::from(t.planned);
        let limit_pct = rules.max_absence_percent as u32;
        if t.missed > 0 && share >= limit {
            note(
                Level::Over,
                Reason::MissedShare {
                    share: share.round() as u32,
                    limit: limit_pct,
                },
            );
        } else if t.upcoming > 0 && next >= limit {
            note(Level::Near, Reason::NearShare { limit: limit_pct });
        }
    }
    if rules.max_unexcused_absences > 0 {
        let max = rules.max_unexcused_absences as u32;
        if t.unexcused_absences >= max {
            note(
                Level::Over,
                Reason::Unexcused {
                    count: t.unexcused_absences,
                    limit: max,
                },
            );
        } else if t.upcoming > 0 && t.unexcused_absences + 1 == max {
            note(
                Level::Near,
                Reason::NearUnexcused {
                    count: t.unexcused_absences,
                    limit: max,
                },
            );
        }
    }
    if rules.max_consecutive_absences > 0 {
        let max = rules.max_consecutive_absences as u32;
        if t.longest_streak >= max {
            note(
                Level::Over,
                Reason::InARow {
                    count: t.longest_streak,
                    limit: max,
                },
            );
        } else if t.upcoming > 0 && t.current_streak + 1 == max {
            note(Level::Near, Reason::NearInARow { limit: max });
        }
    }
    Warning { level, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AttendanceStatus::*;

    #[test]
    fn reasons_read_in_english_and_follow_the_language() {
        let r = Reason::InARow { count: 3, limit: 3 };
        assert_eq!(r.to_string(), "3 absences in a row (limit 3)");
        assert_eq!(
            Reason::MissedShare {
                share: 25,
                limit: 20
            }
            .to_string(),
            "missed 25% of the term's sessions (limit 20%)"
        );
        assert_eq!(
            r.text_in(classtrack_i18n::Locale::Fr),
            "3 absences d'affilée (limite 3)"
        );
    }

    fn m(list: &[Option<AttendanceStatus>]) -> Vec<Meeting> {
        list.iter().map(|s| Meeting { status: *s }).collect()
    }

    fn rules(pct: i32, unexcused: i32, row: i32) -> AbsenceRules {
        AbsenceRules {
            max_absence_percent: pct,
            max_unexcused_absences: unexcused,
            max_consecutive_absences: row,
            late_counts_as_attended: true,
        }
    }

    #[test]
    fn excused_and_unrecorded_leave_the_denominator_late_counts_as_attended() {
        let t = tally(
            &m(&[Some(Present), Some(Late), Some(Excused), Some(Absent), None]),
            0,
            &rules(0, 0, 0),
        );
        assert_eq!((t.sessions, t.rated, t.missed), (5, 3, 1));
        assert!((t.rate - 2.0 / 3.0).abs() < 1e-9);
        let strict = AbsenceRules {
            late_counts_as_attended: false,
            ..rules(0, 0, 0)
        };
        let t = tally(&m(&[Some(Present), Some(Late)]), 0, &strict);
        assert!((t.rate - 0.5).abs() < 1e-9);
        assert_eq!(tally(&[], 0, &rules(0, 0, 0)).rate, 1.0);
    }

    #[test]
    fn percent_limit_is_a_share_of_the_term() {
        let r = rules(20, 0, 0);
        // 1 of 5 past sessions missed, none to come: 20 % of the term, at the limit
        let w = warning(
            &tally(
                &m(&[
                    Some(Absent),
                    Some(Present),
                    Some(Present),
                    Some(Present),
                    Some(Present),
                ]),
                0,
                &r,
            ),
            &r,
        );
        assert_eq!(w.level, Level::Over);
        // the same absence with 15 sessions still to come: 1 of 20 = 5 %, nothing to say
        let early = m(&[
            Some(Absent),
            Some(Present),
            Some(Present),
            Some(Present),
            Some(Present),
        ]);
        assert_eq!(warning(&tally(&early, 15, &r), &r).level, Level::None);
        // 3 of 20 missed: one more makes 4 of 20 = 20 % ⇒ near
        let three = m(&[Some(Absent), Some(Absent), Some(Present), Some(Absent)]);
        assert_eq!(warning(&tally(&three, 16, &r), &r).level, Level::Near);
        // 4 of 20 ⇒ over
        let four = m(&[
            Some(Absent),
            Some(Absent),
            Some(Present),
            Some(Absent),
            Some(Absent),
        ]);
        assert_eq!(warning(&tally(&four, 15, &r), &r).level, Level::Over);
        // nothing missed in a 3-session course: one absence would be 33 % ⇒ near, not over
        assert_eq!(
            warning(&tally(&m(&[Some(Present)]), 2, &r), &r).level,
            Level::Near
        );
    }

    #[test]
    fn unexcused_count_and_runs() {
        let r = rules(0, 3, 0);
        let two = m(&[Some(Absent), Some(Present), Some(Absent)]);
        assert_eq!(warning(&tally(&two, 1, &r), &r).level, Level::Near);
        let three = m(&[Some(Absent), Some(Present), Some(Absent), Some(Absent)]);
        assert_eq!(warning(&tally(&three, 0, &r), &r).level, Level::Over);
        let excused = m(&[Some(Excused), Some(Excused), Some(Excused)]);
        assert_eq!(warning(&tally(&excused, 0, &r), &r).level, Level::None);

        let r = rules(0, 0, 2);
        assert_eq!(
            warning(&tally(&m(&[Some(Present), Some(Absent)]), 1, &r), &r).level,
            Level::Near
        );
        // an excused session in between neither breaks nor extends the run
        let t = tally(&m(&[Some(Absent), Some(Excused), Some(Absent)]), 0, &r);
        assert_eq!((t.longest_streak, warning(&t, &r).level), (2, Level::Over));
        let broken = tally(&m(&[Some(Absent), Some(Present), Some(Present)]), 0, &r);
        assert_eq!(warning(&broken, &r).level, Level::None);
    }
}
