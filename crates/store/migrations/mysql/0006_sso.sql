-- Single sign-on: who a provider's account is in ClassTrack, and the OpenID
-- Connect logins under way. Keep in step with ../sqlite/0006_sso.sql.
--
-- An account that came from a provider has an empty password_hash: a local
-- password login always fails for it (passwords::verify).

-- One row per provider account: `provider` is `ldap` or an OpenID provider's
-- configured name, `subject` the directory's id attribute or the ID token's
-- `sub`. A user has at most one identity per provider.
CREATE TABLE identities (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    provider VARCHAR(64) NOT NULL,
    subject VARCHAR(255) NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    last_login_at BIGINT NOT NULL,
    UNIQUE (provider, subject),
    UNIQUE (user_id, provider)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- An OpenID Connect login between BeginSsoLogin and FinishSsoLogin, kept
-- here so that any replica can finish it: single use (deleted when
-- finished), short-lived. `state_hash` is the SHA-256 of the `state` sent to
-- the provider; the PKCE verifier and the nonce never leave the server.
CREATE TABLE sso_flows (
    state_hash CHAR(64) NOT NULL PRIMARY KEY,
    provider VARCHAR(64) NOT NULL,
    pkce_verifier VARCHAR(128) NOT NULL,
    nonce VARCHAR(128) NOT NULL,
    redirect_uri VARCHAR(2000) NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX sso_flows_expires ON sso_flows (expires_at);
