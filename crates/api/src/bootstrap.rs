//! First start and demo data.

use crate::retry::retrying;
use chrono::{Datelike, Duration, TimeZone, Utc};
use classtrack_core::settings::{AbsenceRules, SettingsOverrides};
use classtrack_core::validate::Problem;
use classtrack_core::{AttendanceStatus, RecordSource, Role, UserId};
use classtrack_store::attendance::{self, Record};
use classtrack_store::courses::{self, NewCourse};
use classtrack_store::sessions::{self, NewSession};
use classtrack_store::users::{self, NewUser};
use classtrack_store::StoreError;
use rand::{Rng, SeedableRng};

use crate::error::{ApiError, ApiResult};
use crate::passwords;
use crate::state::State;

/// Creates the `admin` account when no active administrator exists. Returns
/// the password when the server generated it (to be shown once).
pub async fn ensure_admin(state: &State, password: Option<String>) -> ApiResult<Option<String>> {
    let mut conn = state.store.acquire().await?;
    if users::count_admins(&mut conn).await? > 0 {
        return Ok(None);
    }
    drop(conn);
    if let Some(chosen) = &password {
        passwords::check_chosen(
            chosen,
            &["admin", "admin@classtrack.invalid", "Administrator"],
        )
        .map_err(|why| {
            ApiError::FailedPrecondition(
                Problem::new("api-error-admin-password-weak").sentences("why", vec![why]),
            )
        })?;
    }
    let generated = password.is_none().then(passwords::generate);
    let plain = password.or_else(|| generated.clone()).unwrap_or_default();
    let hash = passwords::hash(state.config.hash_cost, plain).await?;
    let mut conn = state.store.acquire().await?;
    let admin = NewUser {
        username: "admin".into(),
        email: "admin@classtrack.invalid".into(),
        display_name: "Administrator".into(),
        role: Role::Admin,
        student_number: None,
        password_hash: hash,
        // The operator chose it, or was shown it on the console.
        must_change_password: false,
    };
    match users::create(&mut conn, &admin, state.now_ms()).await {
        Ok(_) => Ok(generated),
        // Another replica created it at the same moment.
        Err(StoreError::Conflict { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// What `--demo` created, to print.
#[derive(Debug, Clone)]
pub struct DemoLogins {
    /// The professors' usernames.
    pub professors: Vec<String>,
    /// The students' usernames, `student01` to `student40`.
    pub students: Vec<String>,
    /// The password every demo account shares ([`DEMO_PASSWORD`]).
    pub password: String,
}

/// The password of every account `--demo` creates.
pub const DEMO_PASSWORD: &str = "demo-password";

const FIRST: [&str; 20] = [
    "Ana",
    "Bruno",
    "Carla",
    "Duarte",
    "Eva",
    "Filipe",
    "Gabriela",
    "Hugo",
    "Inês",
    "João",
    "Kiara",
    "Luís",
    "Marta",
    "Nuno",
    "Olívia",
    "Pedro",
    "Quitéria",
    "Rui",
    "Sofia",
    "Tiago",
];
const LAST: [&str; 10] = [
    "Silva",
    "Santos",
    "Ferreira",
    "Pereira",
    "Oliveira",
    "Costa",
    "Rodrigues",
    "Martins",
    "Sousa",
    "Gonçalves",
];

/// Loads demo data once (2 professors, 40 students, 3 courses, this week's
/// sessions with attendance for the past ones, one open now).
pub async fn load_demo(state: &State) -> ApiResult<DemoLogins> {
    let now = state.now();
    let now_ms = now.timestamp_millis();
    let logins = DemoLogins {
        professors: vec!["prof.lovelace".into(), "prof.turing".into()],
        students: (1..=40).map(|i| format!("student{i:02}")).collect(),
        password: DEMO_PASSWORD.into(),
    };
    let mut conn = state.store.acquire().await?;
    if users::get_by_username(&mut conn, "prof.lovelace")
        .await
        .is_ok()
    {
        return Ok(logins);
    }
    drop(conn);
    let hash = passwords::hash(state.config.hash_cost, DEMO_PASSWORD.into()).await?;
    retrying!(state, "load demo", {
        let mut tx = state.store.begin().await?;
        let mut professors = Vec::new();
        for (username, name) in [
            ("prof.lovelace", "Ada Lovelace"),
            ("prof.turing", "Alan Turing"),
        ] {
            let u = users::create(
                &mut tx,
                &NewUser {
                    username: username.into(),
                    email: format!("{username}@uni.example.edu"),
                    display_name: name.into(),
                    role: Role::Professor,
                    student_number: None,
                    password_hash: hash.clone(),
                    must_change_password: false,
                },
                now_ms,
            )
            .await?;
            professors.push(u.id);
        }
        let mut students = Vec::new();
        for (i, username) in logins.students.iter().enumerate() {
            let name = format!("{} {}", FIRST[i % FIRST.len()], LAST[(i * 7) % LAST.len()]);
            let u = users::create(
                &mut tx,
                &NewUser {
                    username: username.clone(),
                    email: format!("{username}@students.example.edu"),
                    display_name: name,
                    role: Role::Student,
                    student_number: Some(format!("2026{:04}", i + 1)),
                    password_hash: hash.clone(),
                    must_change_password: false,
                },
                now_ms,
            )
            .await?;
            students.push(u.id);
        }
        let week_start =
            now.date_naive() - Duration::days(i64::from(now.weekday().num_days_from_monday()));
        let demo_courses: [(&str, &str, UserId, std::ops::Range<usize>, u32); 3] = [
            (
                "CS101",
                "Introduction to Programming",
                professors[0],
                0..40,
                9,
            ),
            ("MATH201", "Linear Algebra", professors[1], 0..25, 11),
            ("CS350", "Distributed Systems", professors[0], 15..40, 14),
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
        for (code, title, professor, enrolled, hour) in demo_courses {
            let course = courses::create(
                &mut tx,
                &NewCourse {
                    code: code.into(),
                    title: title.into(),
                    term: "Demo term".into(),
                    time_zone: state.config.default_time_zone.clone(),
                    settings: SettingsOverrides::default(),
                    absence_rules: AbsenceRules::default(),
                },
                now_ms,
            )
            .await?;
            courses::set_professors(&mut tx, course.id, &[professor]).await?;
            for s in &students[enrolled.clone()] {
                courses::enroll(&mut tx, course.id, *s, now_ms - 30 * 24 * 3600 * 1000).await?;
            }
            for day in 0..5 {
                let date = week_start + Duration::days(day);
                let Some(start) = date
                    .and_hms_opt(hour, 0, 0)
                    .map(|t| Utc.from_utc_datetime(&t))
                else {
                    continue;
                };
                let session = sessions::create(
                    &mut tx,
                    &NewSession {
                        course: course.id,
                        title: format!("Lecture {}", day + 1),
                        room: format!("Room {}", 100 + day),
                        start_at: start.timestamp_millis(),
                        end_at: (start + Duration::minutes(90)).timestamp_millis(),
                        settings: SettingsOverrides::default(),
                        series_id: None,
                    },
                    now_ms,
                )
                .await?;
                if session.end_at > now_ms {
                    continue;
                }
                for s in &students[enrolled.clone()] {
                    let roll: f64 = rng.random();
                    let status = match roll {
                        r if r < 0.75 => AttendanceStatus::Present,
                        r if r < 0.85 => AttendanceStatus::Late,
                        r if r < 0.9 => AttendanceStatus::Excused,
                        _ => continue,
                    };
                    let at = session.start_at + rng.random_range(-5..25) * 60_000;
                    let source = if status == AttendanceStatus::Excused {
                        RecordSource::Manual
                    } else {
                        RecordSource::Qr
                    };
                    let record = Record::new(session.id, *s, status, source, at);
                    attendance::insert(&mut tx, &record).await?;
                }
                sessions::finalize(&mut tx, session.id, session.end_at).await?;
            }
            // One session open right now, for trying check-in.
            let open = sessions::create(
                &mut tx,
                &NewSession {
                    course: course.id,
                    title: "Open demo session".into(),
                    room: "Main hall".into(),
                    start_at: now_ms - 5 * 60_000,
                    end_at: now_ms + 85 * 60_000,
                    settings: SettingsOverrides::default(),
                    series_id: None,
                },
                now_ms,
            )
            .await?;
            let _ = open;
        }
        classtrack_store::commit(tx).await?;
        Ok(logins.clone())
    })
}
