use classtrack_core::qr::SessionSecret;
use classtrack_core::settings::SettingsOverrides;
use classtrack_core::{AttendanceStatus, CourseId, RecordSource};
use classtrack_store::users::User;

use super::*;

fn caller() -> Caller {
    Caller {
        user: User {
            id: UserId(7),
            username: "ana".into(),
            email: "ana@uni.example.edu".into(),
            display_name: "Ana".into(),
            role: Role::Student,
            student_number: None,
            active: true,
            must_change_password: false,
            locale: None,
            created_at: 0,
            updated_at: 0,
        },
        token_hash: "h".into(),
        expires_at: i64::MAX,
        client_address: None,
    }
}

fn recorded(already: bool) -> Option<Judgement> {
    let session = Session {
        id: SessionId(1),
        course: CourseId(1),
        course_code: "CS101".into(),
        course_title: "Intro".into(),
        course_time_zone: "UTC".into(),
        title: "Lecture".into(),
        room: "A1".into(),
        start_at: 0,
        end_at: 1,
        settings: SettingsOverrides::default(),
        course_settings: SettingsOverrides::default(),
        secret: SessionSecret::generate(),
        series_id: None,
        closed_at: None,
        finalized_at: None,
        cancelled_at: None,
        cancel_reason: None,
        created_at: 0,
    };
    let record = Record::new(
        session.id,
        UserId(7),
        AttendanceStatus::Present,
        RecordSource::Qr,
        0,
    );
    Some(Judgement {
        caller: caller(),
        verdict: Verdict::Recorded {
            record,
            session: Box::new(session),
            already,
        },
    })
}

fn judged(verdict: Verdict) -> Option<Judgement> {
    Some(Judgement {
        caller: caller(),
        verdict,
    })
}

/// What each answer became: "failed", or the verdict's kind.
fn kinds(answers: &[StoreResult<Option<Judgement>>]) -> Vec<&'static str> {
    answers
        .iter()
        .map(|a| match a {
            Err(_) => "failed",
            Ok(None) => "unauthenticated",
            Ok(Some(j)) => match &j.verdict {
                Verdict::Recorded { already: false, .. } => "new record",
                Verdict::Recorded { already: true, .. } => "repeat",
                Verdict::Refused(..) => "refused",
                Verdict::Invalid(_) => "invalid",
            },
        })
        .collect()
}

fn down() -> StoreError {
    StoreError::Corrupt("the disk is full".into())
}

#[test]
fn a_failed_write_fails_only_the_records_it_was_to_write() {
    let judged_before = vec![
        recorded(false),
        recorded(true),
        judged(Verdict::Refused(CheckInRejection::TokenExpired, None)),
        judged(Verdict::Invalid(ApiError::invalid("device_id", "too long"))),
        None,
    ];
    assert_eq!(
        kinds(&failed(5, down(), Some(judged_before))),
        ["failed", "repeat", "refused", "invalid", "unauthenticated"]
    );
}

#[test]
fn a_batch_that_failed_before_judging_fails_every_ask() {
    assert_eq!(kinds(&failed(3, down(), None)), ["failed"; 3]);
}
