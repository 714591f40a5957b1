//! User accounts.

use classtrack_core::{Role, UserId};
use sqlx::Row;

use crate::page::Page;
use crate::{like_pattern, Conn, Result, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
/// A user account, without its password hash.
pub struct User {
    /// The account's id.
    pub id: UserId,
    /// The login name; unique.
    pub username: String,
    /// The email address, also accepted as a login; unique.
    pub email: String,
    /// The name shown to others.
    pub display_name: String,
    /// Student, professor or admin.
    pub role: Role,
    /// The institution's student number, for students; unique when set.
    pub student_number: Option<String>,
    /// Deactivated accounts can't log in, and lists leave them out by default.
    pub active: bool,
    /// The password was chosen by the server (a reset, an import, a new
    /// account without a chosen password): the API serves nothing but
    /// changing it until it is changed.
    pub must_change_password: bool,
    /// The language the user chose for their pages (`en`, `fr`, `ar`); `None` when they
    /// chose none. Set with [`set_locale`].
    pub locale: Option<String>,
    /// When the account was created (UTC ms).
    pub created_at: i64,
    /// When it last changed (UTC ms).
    pub updated_at: i64,
}

/// Fields of a new account; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The login name.
    pub username: String,
    /// The email address.
    pub email: String,
    /// The display name.
    pub display_name: String,
    /// The role.
    pub role: Role,
    /// The student number, for students.
    pub student_number: Option<String>,
    /// The password's hash (argon2, PHC string).
    pub password_hash: String,
    /// Whether the server chose the password (see [`User::must_change_password`]).
    pub must_change_password: bool,
}

pub(crate) const COLUMNS: &str =
    "u.id, u.username, u.email, u.display_name, u.role, u.student_number, u.active, u.must_change_password, u.locale, u.created_at, u.updated_at";

pub(crate) fn from_row(row: &sqlx::any::AnyRow) -> Result<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: UserId(row.try_get("id")?),
        username: row.try_get("username")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        role: role
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("user role {role:?}")))?,
        student_number: row.try_get("student_number")?,
        active: row.try_get::<i64, _>("active")? != 0,
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
        locale: row.try_get("locale")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Adds an active account at `now` (UTC ms) and returns it as stored.
/// [`StoreError::Conflict`] names the taken field: `username`, `email` or
/// `student_number`.
pub async fn create(conn: &mut Conn, new: &NewUser, now: i64) -> Result<User> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, email, display_name, role, student_number, password_hash, must_change_password, search_text, active, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id",
    )
    .bind(&new.username)
    .bind(&new.email)
    .bind(&new.display_name)
    .bind(new.role.as_str())
    .bind(new.student_number.as_deref())
    .bind(&new.password_hash)
    .bind(i64::from(new.must_change_password))
    .bind(search_text(&new.username, &new.display_name, &new.email, new.student_number.as_deref()))
    .bind(now)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    get(conn, UserId(id)).await
}

/// What user search matches: lowercased in Rust, since SQLite's LOWER() knows only ASCII.
fn search_text(
    username: &str,
    display_name: &str,
    email: &str,
    student_number: Option<&str>,
) -> String {
    let text = format!(
        "{username} {display_name} {email} {}",
        student_number.unwrap_or_default()
    )
    .to_lowercase();
    text.chars().take(600).collect()
}

/// The account with this id; [`StoreError::NotFound`] when there is none.
pub async fn get(conn: &mut Conn, id: UserId) -> Result<User> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users u WHERE u.id = ?"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// The account with this username; [`StoreError::NotFound`] when there is
/// none.
pub async fn get_by_username(conn: &mut Conn, username: &str) -> Result<User> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM users u WHERE u.username = ?"
    ))
    .bind(username)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// The account with this email address, if any.
pub async fn find_by_email(conn: &mut Conn, email: &str) -> Result<Option<User>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users u WHERE u.email = ?"))
        .bind(email)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// A user and their password hash, by username or email (active or not);
/// `None` when neither matches.
pub async fn credentials(conn: &mut Conn, login: &str) -> Result<Option<(User, String)>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS}, u.password_hash FROM users u WHERE u.username = ? OR u.email = ? LIMIT 1"
    ))
    .bind(login)
    .bind(login)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| Ok((from_row(&r)?, r.try_get("password_hash")?)))
        .transpose()
}

/// The account's password hash; [`StoreError::NotFound`] when there is no
/// such account.
pub async fn password_hash(conn: &mut Conn, id: UserId) -> Result<String> {
    Ok(
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = ?")
            .bind(id.0)
            .fetch_one(&mut *conn)
            .await?,
    )
}

#[derive(Debug, Clone, Default)]
/// Which users [`list`] returns.
pub struct UserFilter {
    /// Only this role.
    pub role: Option<Role>,
    /// Only users whose username, display name, email or student number
    /// contains this text (case folded, taken literally); blank matches all.
    pub query: Option<String>,
    /// Include deactivated accounts (left out by default).
    pub include_inactive: bool,
}

impl UserFilter {
    fn clause(&self) -> (String, Vec<String>) {
        let mut sql = String::from(" WHERE 1 = 1");
        let mut args = Vec::new();
        if let Some(role) = self.role {
            sql.push_str(" AND u.role = ?");
            args.push(role.as_str().to_string());
        }
        if !self.include_inactive {
            sql.push_str(" AND u.active = 1");
        }
        if let Some(q) = self.query.as_deref().filter(|q| !q.trim().is_empty()) {
            sql.push_str(" AND u.search_text LIKE ? ESCAPE '!'");
            args.push(like_pattern(q.trim()));
        }
        (sql, args)
    }
}

/// One page of users ordered by id, and the total matching the filter.
pub async fn list(conn: &mut Conn, filter: &UserFilter, page: Page) -> Result<(Vec<User>, i64)> {
    let (clause, args) = filter.clause();
    let sql = format!("SELECT {COLUMNS} FROM users u{clause} AND u.id > ? ORDER BY u.id LIMIT ?");
    let mut q = sqlx::query(&sql);
    for a in &args {
        q = q.bind(a);
    }
    let rows = q
        .bind(page.after_id)
        .bind(page.fetch())
        .fetch_all(&mut *conn)
        .await?;
    let users = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    let count_sql = format!("SELECT COUNT(*) FROM users u{clause}");
    let mut c = sqlx::query_scalar::<_, i64>(&count_sql);
    for a in &args {
        c = c.bind(a);
    }
    let total = c.fetch_one(&mut *conn).await?;
    Ok((users, total))
}

/// Changed profile fields; `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    /// The new email.
    pub email: Option<String>,
    /// The new display name.
    pub display_name: Option<String>,
    /// The new role.
    pub role: Option<Role>,
    /// The new student number; `Some(None)` removes it.
    pub student_number: Option<Option<String>>,
}

/// Applies `changes` at `now` (UTC ms), keeps the rest, and returns the
/// account as stored. [`StoreError::NotFound`] when there is no such
/// account; [`StoreError::Conflict`] names a taken email or student number.
pub async fn update(conn: &mut Conn, id: UserId, changes: &UserChanges, now: i64) -> Result<User> {
    let current = get(conn, id).await?;
    let student_number = match &changes.student_number {
        Some(n) => n.clone(),
        None => current.student_number.clone(),
    };
    let email = changes.email.as_deref().unwrap_or(&current.email);
    let display_name = changes
        .display_name
        .as_deref()
        .unwrap_or(&current.display_name);
    sqlx::query(
        "UPDATE users SET email = ?, display_name = ?, role = ?, student_number = ?, search_text = ?, updated_at = ? \
         WHERE id = ?",
    )
    .bind(email)
    .bind(display_name)
    .bind(changes.role.unwrap_or(current.role).as_str())
    .bind(student_number.as_deref())
    .bind(search_text(&current.username, display_name, email, student_number.as_deref()))
    .bind(now)
    .bind(id.0)
    .execute(&mut *conn)
    .await?;
    get(conn, id).await
}

/// Activates or deactivates an account at `now` (UTC ms) and returns it as
/// stored; [`StoreError::NotFound`] when there is no such account. Its
/// tokens are not revoked here.
pub async fn set_active(conn: &mut Conn, id: UserId, active: bool, now: i64) -> Result<User> {
    let r = sqlx::query("UPDATE users SET active = ?, updated_at = ? WHERE id = ?")
        .bind(i64::from(active))
        .bind(now)
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    if r.rows_affected() == 0 {
        // MariaDB counts only changed rows; tell "absent" from "unchanged".
        get(conn, id).await?;
    }
    get(conn, id).await
}

/// Stores a new password hash at `now` (UTC ms); `must_change` when the
/// server chose the password. Writes nothing for an unknown id.
pub async fn set_password_hash(
    conn: &mut Conn,
    id: UserId,
    hash: &str,
    must_change: bool,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE users SET password_hash = ?, must_change_password = ?, updated_at = ? WHERE id = ?",
    )
    .bind(hash)
    .bind(i64::from(must_change))
    .bind(now)
    .bind(id.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Saves the language a user chose for their pages (`None`: none). A preference, not an
/// edit of the account: `updated_at` stays. Writes nothing for an unknown id.
pub async fn set_locale(conn: &mut Conn, id: UserId, locale: Option<&str>) -> Result<()> {
    sqlx::query("UPDATE users SET locale = ? WHERE id = ?")
        .bind(locale)
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Which of these usernames, emails or student numbers are taken (for imports).
pub async fn taken(
    conn: &mut Conn,
    column: &'static str,
    values: &[String],
) -> Result<Vec<String>> {
    let mut taken = Vec::new();
    for chunk in values.chunks(crate::IN_CHUNK) {
        let marks = crate::marks(chunk.len());
        let sql = format!("SELECT {column} FROM users WHERE {column} IN ({marks})");
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for v in chunk {
            q = q.bind(v);
        }
        taken.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(taken)
}

/// Users by username, in no particular order (for enrollment imports).
pub async fn by_usernames(conn: &mut Conn, usernames: &[String]) -> Result<Vec<User>> {
    let mut users = Vec::new();
    for chunk in usernames.chunks(crate::IN_CHUNK) {
        let marks = crate::marks(chunk.len());
        let sql = format!("SELECT {COLUMNS} FROM users u WHERE u.username IN ({marks})");
        let mut q = sqlx::query(&sql);
        for v in chunk {
            q = q.bind(v);
        }
        for row in q.fetch_all(&mut *conn).await? {
            users.push(from_row(&row)?);
        }
    }
    Ok(users)
}

/// How many active admins there are (the API keeps at least one; the
/// bootstrap creates one when there is none).
pub async fn count_admins(conn: &mut Conn) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1")
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Users per role, for supervision.
pub async fn count_by_role(conn: &mut Conn) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query("SELECT role, COUNT(*) AS n FROM users WHERE active = 1 GROUP BY role")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("role")?, r.try_get("n")?)))
        .collect()
}
