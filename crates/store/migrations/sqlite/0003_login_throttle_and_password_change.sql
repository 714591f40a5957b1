-- The login throttle's per-key lock rows, and the one-time-password flag.
-- Keep in step with ../mysql/0003_login_throttle_and_password_change.sql.

-- Set when the password was chosen by the server (reset, import, a new
-- account without a chosen password): it must be changed at the next login.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

-- One row per throttled account and per client address. A login locks its
-- rows (an upsert) before it counts the failures and reserves its attempt,
-- so that concurrent guesses on any replica are counted one after another.
CREATE TABLE login_throttle_keys (
    throttle_key VARCHAR(320) PRIMARY KEY,
    touched_at BIGINT NOT NULL
);
CREATE INDEX login_throttle_keys_touched ON login_throttle_keys (touched_at);

-- Failures of one account from one address (the growing delays).
CREATE INDEX login_failures_pair ON login_failures (login_key, client_address, failed_at);
