-- ClassTrack schema, SQLite dialect. Times are UTC milliseconds since the epoch.
-- Keep in step with ../mysql/0001_initial.sql.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username VARCHAR(64) NOT NULL UNIQUE,
    email VARCHAR(254) NOT NULL UNIQUE,
    display_name VARCHAR(200) NOT NULL,
    role VARCHAR(16) NOT NULL,
    student_number VARCHAR(32) UNIQUE,
    password_hash VARCHAR(255) NOT NULL,
    -- Lowercased username, name, email and number (Unicode-aware, done in Rust).
    search_text VARCHAR(600) NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX users_role ON users (role, id);

CREATE TABLE auth_tokens (
    token_hash CHAR(64) PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX auth_tokens_user ON auth_tokens (user_id);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    login_key VARCHAR(254) NOT NULL,
    client_address VARCHAR(64) NOT NULL,
    failed_at BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (login_key, failed_at);
CREATE INDEX login_failures_address ON login_failures (client_address, failed_at);

CREATE TABLE courses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code VARCHAR(32) NOT NULL UNIQUE,
    title VARCHAR(200) NOT NULL,
    term VARCHAR(64) NOT NULL,
    time_zone VARCHAR(64) NOT NULL,
    settings TEXT NOT NULL,
    absence_rules TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE course_professors (
    course_id BIGINT NOT NULL REFERENCES courses (id),
    professor_id BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (course_id, professor_id)
);
CREATE INDEX course_professors_professor ON course_professors (professor_id);

CREATE TABLE enrollments (
    course_id BIGINT NOT NULL REFERENCES courses (id),
    student_id BIGINT NOT NULL REFERENCES users (id),
    enrolled_at BIGINT NOT NULL,
    PRIMARY KEY (course_id, student_id)
);
CREATE INDEX enrollments_student ON enrollments (student_id);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id BIGINT NOT NULL REFERENCES courses (id),
    title VARCHAR(200) NOT NULL,
    room VARCHAR(100) NOT NULL,
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    settings TEXT NOT NULL,
    secret BLOB NOT NULL,
    series_id VARCHAR(32),
    closed_at BIGINT,
    finalized_at BIGINT,
    cancelled_at BIGINT,
    cancel_reason VARCHAR(500),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sessions_course_start ON sessions (course_id, start_at);
CREATE INDEX sessions_start ON sessions (start_at);
CREATE INDEX sessions_unfinalized ON sessions (finalized_at, end_at);

-- One row per session and student, enforced by the primary key.
CREATE TABLE attendance (
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    student_id BIGINT NOT NULL REFERENCES users (id),
    status VARCHAR(16) NOT NULL,
    source VARCHAR(16) NOT NULL,
    recorded_at BIGINT NOT NULL,
    note VARCHAR(1000) NOT NULL DEFAULT '',
    flagged INTEGER NOT NULL DEFAULT 0,
    device_id VARCHAR(128),
    geo_band VARCHAR(16),
    client_address VARCHAR(64),
    marked_by BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, student_id)
);
CREATE INDEX attendance_device ON attendance (session_id, device_id);
CREATE INDEX attendance_student ON attendance (student_id, session_id);

CREATE TABLE rejected_checkins (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id BIGINT,
    course_id BIGINT,
    student_id BIGINT NOT NULL,
    reason VARCHAR(32) NOT NULL,
    rejected_at BIGINT NOT NULL,
    client_address VARCHAR(64),
    device_id VARCHAR(128),
    detail VARCHAR(200) NOT NULL DEFAULT ''
);
CREATE INDEX rejected_checkins_time ON rejected_checkins (rejected_at);
CREATE INDEX rejected_checkins_course ON rejected_checkins (course_id, rejected_at);
CREATE INDEX rejected_checkins_student ON rejected_checkins (student_id, rejected_at);
CREATE INDEX rejected_checkins_device ON rejected_checkins (device_id);

-- Changes to a session's roll, in order, so watchers on any replica can follow.
CREATE TABLE session_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id BIGINT NOT NULL,
    student_id BIGINT,
    kind VARCHAR(16) NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX session_events_session ON session_events (session_id, id);

CREATE TABLE justifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    student_id BIGINT NOT NULL REFERENCES users (id),
    reason VARCHAR(2000) NOT NULL,
    state VARCHAR(16) NOT NULL,
    decision_comment VARCHAR(2000) NOT NULL DEFAULT '',
    decided_by BIGINT,
    submitted_at BIGINT NOT NULL,
    decided_at BIGINT,
    attachment BLOB,
    attachment_filename VARCHAR(200),
    attachment_content_type VARCHAR(64),
    attachment_size BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX justifications_session ON justifications (session_id, student_id);
CREATE INDEX justifications_student ON justifications (student_id);
CREATE INDEX justifications_state ON justifications (state, submitted_at);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    actor_id BIGINT,
    action VARCHAR(64) NOT NULL,
    target VARCHAR(128) NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_action ON audit_log (action, at);
