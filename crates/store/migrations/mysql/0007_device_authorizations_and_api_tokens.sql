-- Sign-in from another device (RFC 8628's device authorization, for
-- ClassTrack's own clients) and named API tokens for scripts.
--
-- A device authorization is found by the SHA-256 of its long secret
-- device_code (never stored) or by its short user_code (stored without the
-- dash, e.g. WDJBMJHT); user_id and approved are set once a logged-in user
-- approves (1) or denies (0) it. The row is deleted when its token is
-- issued, so it serves once.
--
-- An API token is a login token (its row in auth_tokens, owned by the
-- administrator who made it, revoked and expired there) with a name and a
-- role of its own: calls made with it act with that role.
-- Keep in step with ../sqlite/0007_device_authorizations_and_api_tokens.sql.
CREATE TABLE device_authorizations (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    device_code_hash CHAR(64) NOT NULL UNIQUE,
    user_code VARCHAR(16) NOT NULL UNIQUE,
    client_name VARCHAR(100) NOT NULL,
    client_address VARCHAR(64),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    interval_ms BIGINT NOT NULL,
    last_polled_at BIGINT,
    user_id BIGINT REFERENCES users (id),
    approved INT,
    decided_at BIGINT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX device_authorizations_expiry ON device_authorizations (expires_at);
CREATE INDEX device_authorizations_user ON device_authorizations (user_id);

CREATE TABLE api_tokens (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    token_hash CHAR(64) NOT NULL UNIQUE REFERENCES auth_tokens (token_hash),
    name VARCHAR(100) NOT NULL,
    role VARCHAR(16) NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX api_tokens_created_by ON api_tokens (created_by);
