//! Set-up through the API, never timed: courses, enrolled students with their
//! logins done, sessions open now, and the QR token of a session kept current.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context};
use classtrack_proto::v1::{
    CheckInSettings, Course, CreateCourseRequest, CreateSessionRequest, GetQrTokenRequest,
    ImportEnrollmentsRequest, Session,
};
use futures::{StreamExt, TryStreamExt};
use tokio::task::JoinHandle;
use tonic::transport::Channel;

use crate::client::{self, Bearer, CALL_TIMEOUT, SETUP_TIMEOUT};
use crate::load;
use crate::roster::{self, RosterEntry};

/// Rows per `ImportEnrollments` call, and calls in flight at once (the server
/// already hashes the new accounts' passwords on every core).
const IMPORT_CHUNK: usize = 1_000;
const IMPORTS_IN_FLIGHT: usize = 1;

/// The longest rotation the server allows: the token changes rarely during a run.
pub const QR_ROTATION_SECONDS: i32 = 300;
/// The longest grace: a rotation during a run costs nothing while the refresher catches up.
const QR_GRACE_SECONDS: i32 = 30;

/// An enrolled student of the run.
#[derive(Debug, Clone)]
pub struct Student {
    pub username: String,
    /// `users/{id}`.
    pub name: String,
    pub id: i64,
    /// Known for accounts this run created.
    pub password: Option<String>,
    /// A distinct device per student, so device binding never refuses.
    pub device_id: String,
}

pub async fn create_course(
    channel: &Channel,
    admin: &Bearer,
    code: &str,
    title: &str,
) -> anyhow::Result<String> {
    let request = CreateCourseRequest {
        course: Some(Course {
            code: code.to_string(),
            title: title.to_string(),
            term: "Benchmark".to_string(),
            time_zone: "UTC".to_string(),
            settings: Some(check_in_settings()),
            ..Default::default()
        }),
        professors: Vec::new(),
    };
    let course = client::courses(channel)
        .create_course(admin.request(request, SETUP_TIMEOUT))
        .await
        .with_context(|| format!("creating course {code}"))?
        .into_inner()
        .course
        .context("CreateCourse answered without a course")?;
    Ok(course.name)
}

/// Enrolls `entries` in `course`, creating the accounts that do not exist yet.
pub async fn enroll(
    channel: &Channel,
    admin: &Bearer,
    course: &str,
    run_id: &str,
    entries: &[RosterEntry],
) -> anyhow::Result<Vec<Student>> {
    let chunks: Vec<Vec<Student>> = futures::stream::iter(entries.chunks(IMPORT_CHUNK))
        .map(|chunk| import_chunk(channel, admin, course, run_id, chunk))
        .buffered(IMPORTS_IN_FLIGHT)
        .try_collect()
        .await?;
    Ok(chunks.into_iter().flatten().collect())
}

async fn import_chunk(
    channel: &Channel,
    admin: &Bearer,
    course: &str,
    run_id: &str,
    chunk: &[RosterEntry],
) -> anyhow::Result<Vec<Student>> {
    let request = ImportEnrollmentsRequest {
        course: course.to_string(),
        csv: roster::to_csv(chunk).into_bytes(),
        dry_run: false,
    };
    let response = client::courses(channel)
        .import_enrollments(admin.request(request, SETUP_TIMEOUT))
        .await
        .with_context(|| format!("enrolling {} students in {course}", chunk.len()))?
        .into_inner();
    if let Some(first) = response.errors.first() {
        bail!(
            "ImportEnrollments refused the roster ({} errors), first at line {} ({}): {}",
            response.errors.len(),
            first.line,
            first.field,
            first.message
        );
    }
    let passwords: HashMap<String, String> = response
        .created
        .into_iter()
        .filter_map(|c| Some((c.user?.username, c.initial_password)))
        .collect();
    let mut by_username: HashMap<String, (String, i64)> = HashMap::new();
    for e in response.enrollments {
        if let Some(user) = e.student {
            let id = user_id(&user.name)?;
            by_username.insert(user.username, (user.name, id));
        }
    }
    chunk
        .iter()
        .map(|entry| {
            let (name, id) = by_username
                .get(&entry.username)
                .cloned()
                .with_context(|| format!("ImportEnrollments did not return {}", entry.username))?;
            Ok(Student {
                username: entry.username.clone(),
                name,
                id,
                password: passwords.get(&entry.username).cloned(),
                device_id: format!("bench-{run_id}-{}", entry.username),
            })
        })
        .collect()
}

/// A student's credential, and their new password if it had to change.
type Settled = (Bearer, Option<String>);

/// Logs every student in, `concurrency` at a time. An imported student's
/// one-time password is changed on the way (the server serves nothing else
/// before), and the student's new password kept.
pub async fn log_in_all(
    channels: &[Channel],
    students: &mut [Student],
    concurrency: usize,
) -> anyhow::Result<Vec<Bearer>> {
    let credentials: Arc<Vec<(String, String)>> = Arc::new(
        students
            .iter()
            .map(|s| {
                let password = s
                    .password
                    .clone()
                    .with_context(|| format!("no password known for {}", s.username))?;
                Ok((s.username.clone(), password))
            })
            .collect::<anyhow::Result<_>>()?,
    );
    let slots: Arc<Vec<OnceLock<Settled>>> =
        Arc::new((0..students.len()).map(|_| OnceLock::new()).collect());
    let channels: Arc<Vec<Channel>> = Arc::new(channels.to_vec());
    let out = Arc::clone(&slots);
    let outcome = load::drive(students.len(), concurrency, move |i| {
        let (credentials, out, channels) = (
            Arc::clone(&credentials),
            Arc::clone(&out),
            Arc::clone(&channels),
        );
        async move {
            let (login, password) = &credentials[i];
            let channel = &channels[i % channels.len()];
            let settled = client::login_settled(channel, login, password, SETUP_TIMEOUT)
                .await
                .map_err(|s| crate::stats::status_key(&s))?;
            let _ = out[i].set(settled);
            Ok(())
        }
    })
    .await;
    if outcome.recorder.error_count() > 0 {
        bail!(
            "{} student logins failed: {:?}",
            outcome.recorder.error_count(),
            outcome.recorder.errors()
        );
    }
    let slots =
        Arc::try_unwrap(slots).map_err(|_| anyhow::anyhow!("login workers still running"))?;
    let mut bearers = Vec::with_capacity(students.len());
    for (slot, student) in slots.into_iter().zip(students.iter_mut()) {
        let (bearer, changed) = slot.into_inner().context("a login left no token")?;
        if changed.is_some() {
            student.password = changed;
        }
        bearers.push(bearer);
    }
    Ok(bearers)
}

/// A session of `course` from `start` to `end`.
pub async fn create_session(
    channel: &Channel,
    admin: &Bearer,
    course: &str,
    title: &str,
    start: SystemTime,
    end: SystemTime,
) -> anyhow::Result<Session> {
    let request = CreateSessionRequest {
        parent: course.to_string(),
        session: Some(Session {
            title: title.to_string(),
            room: "Bench Hall".to_string(),
            start_time: Some(start.into()),
            end_time: Some(end.into()),
            settings: Some(check_in_settings()),
            ..Default::default()
        }),
    };
    client::sessions(channel)
        .create_session(admin.request(request, SETUP_TIMEOUT))
        .await
        .with_context(|| format!("creating session {title}"))?
        .into_inner()
        .session
        .context("CreateSession answered without a session")
}

/// A session of `course` open now and for the next two hours.
pub async fn open_session(
    channel: &Channel,
    admin: &Bearer,
    course: &str,
    title: &str,
) -> anyhow::Result<Session> {
    let now = SystemTime::now();
    create_session(
        channel,
        admin,
        course,
        title,
        now - Duration::from_secs(60),
        now + Duration::from_secs(2 * 3600),
    )
    .await
}

fn check_in_settings() -> CheckInSettings {
    CheckInSettings {
        qr_rotation_seconds: Some(QR_ROTATION_SECONDS),
        qr_grace_seconds: Some(QR_GRACE_SECONDS),
        ..Default::default()
    }
}

/// `users/42` → 42 (likewise for sessions and courses).
pub fn resource_id(name: &str) -> anyhow::Result<i64> {
    name.rsplit_once('/')
        .and_then(|(_, id)| id.parse().ok())
        .with_context(|| format!("{name:?} is not a resource name with a numeric id"))
}

fn user_id(name: &str) -> anyhow::Result<i64> {
    resource_id(name)
}

/// The current QR token of a session, fetched again after each rotation, the
/// way a projector keeps its code fresh.
pub struct LiveToken {
    current: Arc<RwLock<Arc<str>>>,
    refresher: JoinHandle<()>,
}

impl LiveToken {
    pub async fn start(channel: Channel, admin: Bearer, session: String) -> anyhow::Result<Self> {
        let (token, expires) = fetch_token(&channel, &admin, &session)
            .await
            .with_context(|| format!("getting the QR token of {session}"))?;
        let current = Arc::new(RwLock::new(token));
        let shared = Arc::clone(&current);
        let refresher = tokio::spawn(async move {
            let mut expires = expires;
            // Bounded: a run lasts minutes; each pass waits for one rotation.
            for _ in 0..10_000 {
                let wait = expires
                    .duration_since(SystemTime::now())
                    .unwrap_or_default()
                    + Duration::from_millis(200);
                tokio::time::sleep(wait).await;
                match fetch_token(&channel, &admin, &session).await {
                    Ok((token, next)) => {
                        *shared.write().unwrap_or_else(|e| e.into_inner()) = token;
                        expires = next;
                    }
                    Err(_) => expires = SystemTime::now() + Duration::from_secs(1),
                }
            }
        });
        Ok(Self { current, refresher })
    }

    pub fn get(&self) -> Arc<str> {
        Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Drop for LiveToken {
    fn drop(&mut self) {
        self.refresher.abort();
    }
}

async fn fetch_token(
    channel: &Channel,
    admin: &Bearer,
    session: &str,
) -> anyhow::Result<(Arc<str>, SystemTime)> {
    let qr = client::attendance(channel)
        .get_qr_token(admin.request(
            GetQrTokenRequest {
                session: session.to_string(),
            },
            CALL_TIMEOUT,
        ))
        .await?
        .into_inner()
        .qr_token
        .context("GetQrToken answered without a token")?;
    let expires = qr
        .expire_time
        .and_then(|t| SystemTime::try_from(t).ok())
        .unwrap_or_else(|| SystemTime::now() + Duration::from_secs(QR_ROTATION_SECONDS as u64));
    Ok((Arc::from(qr.token), expires))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_ids() {
        assert_eq!(resource_id("users/42").ok(), Some(42));
        assert_eq!(resource_id("sessions/7").ok(), Some(7));
        assert!(resource_id("users/x").is_err());
        assert!(resource_id("users").is_err());
    }
}
