//! Courses, their professors and their enrolled students.

use classtrack_core::settings::{AbsenceRules, SettingsOverrides};
use classtrack_core::{CourseId, UserId};
use sqlx::Row;

use crate::page::Page;
use crate::users::{self, User};
use crate::{like_pattern, Conn, Result, StoreError};

#[derive(Debug, Clone, PartialEq)]
/// A course, as stored in `courses`.
pub struct Course {
    /// The course's id.
    pub id: CourseId,
    /// Its code, e.g. `CS101`; unique.
    pub code: String,
    /// Its title.
    pub title: String,
    /// The term it is taught in, e.g. `2026F`.
    pub term: String,
    /// The IANA time zone its sessions are shown in.
    pub time_zone: String,
    /// Its overrides of the default check-in settings (sessions may override
    /// them in turn).
    pub settings: SettingsOverrides,
    /// When a student's absences warn and fail the course.
    pub absence_rules: AbsenceRules,
    /// When it was created (UTC ms).
    pub created_at: i64,
    /// When it last changed (UTC ms).
    pub updated_at: i64,
}

#[derive(Debug, Clone)]
/// What [`create`] needs to add a course.
pub struct NewCourse {
    /// The code; unique.
    pub code: String,
    /// The title.
    pub title: String,
    /// The term.
    pub term: String,
    /// The IANA time zone.
    pub time_zone: String,
    /// Overrides of the default check-in settings.
    pub settings: SettingsOverrides,
    /// The absence rules.
    pub absence_rules: AbsenceRules,
}

const COLUMNS: &str =
    "c.id, c.code, c.title, c.term, c.time_zone, c.settings, c.absence_rules, c.created_at, c.updated_at";

pub(crate) fn json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<Course> {
    Ok(Course {
        id: CourseId(row.try_get("id")?),
        code: row.try_get("code")?,
        title: row.try_get("title")?,
        term: row.try_get("term")?,
        time_zone: row.try_get("time_zone")?,
        settings: json(&row.try_get::<String, _>("settings")?, "course settings")?,
        absence_rules: json(&row.try_get::<String, _>("absence_rules")?, "absence rules")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Adds a course at `now` (UTC ms) and returns it as stored.
/// [`StoreError::Conflict`] (`code`) when the code is taken.
pub async fn create(conn: &mut Conn, new: &NewCourse, now: i64) -> Result<Course> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO courses (code, title, term, time_zone, settings, absence_rules, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&new.code)
    .bind(&new.title)
    .bind(&new.term)
    .bind(&new.time_zone)
    .bind(to_json(&new.settings)?)
    .bind(to_json(&new.absence_rules)?)
    .bind(now)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    get(conn, CourseId(id)).await
}

/// The course with this id; [`StoreError::NotFound`] when there is none.
pub async fn get(conn: &mut Conn, id: CourseId) -> Result<Course> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM courses c WHERE c.id = ?"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// The course with this code; [`StoreError::NotFound`] when there is none.
pub async fn get_by_code(conn: &mut Conn, code: &str) -> Result<Course> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM courses c WHERE c.code = ?"))
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// Whose courses to list.
#[derive(Debug, Clone, Copy)]
pub enum CourseScope {
    /// Every course.
    All,
    /// The courses a professor teaches.
    TaughtBy(UserId),
    /// The courses a student is enrolled in.
    AttendedBy(UserId),
}

/// One page of the courses in `scope` by id, past `page.after_id`. A
/// non-blank `query` keeps those whose code or title contains it (case
/// folded, taken literally).
pub async fn list(
    conn: &mut Conn,
    scope: CourseScope,
    query: Option<&str>,
    page: Page,
) -> Result<Vec<Course>> {
    let mut sql = format!("SELECT {COLUMNS} FROM courses c");
    let mut who = None;
    match scope {
        CourseScope::All => sql.push_str(" WHERE 1 = 1"),
        CourseScope::TaughtBy(u) => {
            sql.push_str(
                " JOIN course_professors p ON p.course_id = c.id WHERE p.professor_id = ?",
            );
            who = Some(u);
        }
        CourseScope::AttendedBy(u) => {
            sql.push_str(" JOIN enrollments e ON e.course_id = c.id WHERE e.student_id = ?");
            who = Some(u);
        }
    }
    let pattern = query
        .filter(|q| !q.trim().is_empty())
        .map(|q| like_pattern(q.trim()));
    if pattern.is_some() {
        sql.push_str(" AND (LOWER(c.code) LIKE ? ESCAPE '!' OR LOWER(c.title) LIKE ? ESCAPE '!')");
    }
    sql.push_str(" AND c.id > ? ORDER BY c.id LIMIT ?");
    let mut q = sqlx::query(&sql);
    if let Some(u) = who {
        q = q.bind(u.0);
    }
    if let Some(p) = &pattern {
        q = q.bind(p.clone()).bind(p.clone());
    }
    let rows = q
        .bind(page.after_id)
        .bind(page.fetch())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Writes every field of `course` but its creation time, at `now` (UTC ms),
/// and returns it as stored. [`StoreError::NotFound`] when there is no such
/// course; [`StoreError::Conflict`] (`code`) when the new code is taken.
pub async fn update(conn: &mut Conn, course: &Course, now: i64) -> Result<Course> {
    sqlx::query(
        "UPDATE courses SET code = ?, title = ?, term = ?, time_zone = ?, settings = ?, absence_rules = ?, updated_at = ? \
         WHERE id = ?",
    )
    .bind(&course.code)
    .bind(&course.title)
    .bind(&course.term)
    .bind(&course.time_zone)
    .bind(to_json(&course.settings)?)
    .bind(to_json(&course.absence_rules)?)
    .bind(now)
    .bind(course.id.0)
    .execute(&mut *conn)
    .await?;
    get(conn, course.id).await
}

/// The professors of a course, by id.
pub async fn professors(conn: &mut Conn, course: CourseId) -> Result<Vec<UserId>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT professor_id FROM course_professors WHERE course_id = ? ORDER BY professor_id",
    )
    .bind(course.0)
    .fetch_all(&mut *conn)
    .await?;
    Ok(ids.into_iter().map(UserId).collect())
}

/// Makes `professors` the course's professors, replacing the list. Run it
/// in a transaction so that the list never shows half-written.
pub async fn set_professors(
    conn: &mut Conn,
    course: CourseId,
    professors: &[UserId],
) -> Result<()> {
    sqlx::query("DELETE FROM course_professors WHERE course_id = ?")
        .bind(course.0)
        .execute(&mut *conn)
        .await?;
    for p in professors {
        sqlx::query("INSERT INTO course_professors (course_id, professor_id) VALUES (?, ?)")
            .bind(course.0)
            .bind(p.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Whether `user` is one of the course's professors.
pub async fn is_professor(conn: &mut Conn, course: CourseId, user: UserId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM course_professors WHERE course_id = ? AND professor_id = ?",
    )
    .bind(course.0)
    .bind(user.0)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

/// Whether `user` is enrolled in the course.
pub async fn is_enrolled(conn: &mut Conn, course: CourseId, user: UserId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM enrollments WHERE course_id = ? AND student_id = ?",
    )
    .bind(course.0)
    .bind(user.0)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

/// Whether `professor` teaches a course `student` is enrolled in.
pub async fn teaches_student(conn: &mut Conn, professor: UserId, student: UserId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM course_professors p JOIN enrollments e ON e.course_id = p.course_id \
         WHERE p.professor_id = ? AND e.student_id = ?",
    )
    .bind(professor.0)
    .bind(student.0)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

/// How many students are enrolled in the course.
pub async fn enrolled_count(conn: &mut Conn, course: CourseId) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM enrollments WHERE course_id = ?")
            .bind(course.0)
            .fetch_one(&mut *conn)
            .await?,
    )
}

#[derive(Debug, Clone)]
/// A student's enrollment in a course.
pub struct Enrollment {
    /// The course.
    pub course: CourseId,
    /// The student.
    pub student: User,
    /// When they were enrolled (UTC ms).
    pub enrolled_at: i64,
}

/// Enrolls a student at `now` (UTC ms); false (and nothing written) when
/// they already were.
pub async fn enroll(conn: &mut Conn, course: CourseId, student: UserId, now: i64) -> Result<bool> {
    if is_enrolled(conn, course, student).await? {
        return Ok(false);
    }
    sqlx::query("INSERT INTO enrollments (course_id, student_id, enrolled_at) VALUES (?, ?, ?)")
        .bind(course.0)
        .bind(student.0)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// Removes a student from a course; false when they weren't enrolled.
/// Their records stay.
pub async fn unenroll(conn: &mut Conn, course: CourseId, student: UserId) -> Result<bool> {
    let r = sqlx::query("DELETE FROM enrollments WHERE course_id = ? AND student_id = ?")
        .bind(course.0)
        .bind(student.0)
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// A student's enrollment in a course; [`StoreError::NotFound`] when they
/// aren't enrolled (or either doesn't exist).
pub async fn enrollment(conn: &mut Conn, course: CourseId, student: UserId) -> Result<Enrollment> {
    let row = sqlx::query(&format!(
        "SELECT {}, e.enrolled_at FROM enrollments e JOIN users u ON u.id = e.student_id \
         WHERE e.course_id = ? AND e.student_id = ?",
        users::COLUMNS
    ))
    .bind(course.0)
    .bind(student.0)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(Enrollment {
        course,
        student: users::from_row(&row)?,
        enrolled_at: row.try_get("enrolled_at")?,
    })
}

/// One page of a course's enrolled students, by user id past
/// `page.after_id`.
pub async fn enrollments(conn: &mut Conn, course: CourseId, page: Page) -> Result<Vec<Enrollment>> {
    let rows = sqlx::query(&format!(
        "SELECT {}, e.enrolled_at FROM enrollments e JOIN users u ON u.id = e.student_id \
         WHERE e.course_id = ? AND u.id > ? ORDER BY u.id LIMIT ?",
        users::COLUMNS
    ))
    .bind(course.0)
    .bind(page.after_id)
    .bind(page.fetch())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Enrollment {
                course,
                student: users::from_row(row)?,
                enrolled_at: row.try_get("enrolled_at")?,
            })
        })
        .collect()
}

/// How many courses there are.
pub async fn count_all(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM courses")
        .fetch_one(&mut *conn)
        .await?)
}
