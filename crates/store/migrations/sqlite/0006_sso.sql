-- Single sign-on: who a provider's account is in ClassTrack, and the OpenID
-- Connect logins under way. Keep in step with ../mysql/0006_sso.sql.
--
-- An account that came from a provider has an empty password_hash: a local
-- password login always fails for it (passwords::verify).

-- One row per provider account: `provider` is `ldap` or an OpenID provider's
-- configured name, `subject` the directory's id attribute or the ID token's
-- `sub`. A user has at most one identity per provider.
CREATE TABLE identities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    provider VARCHAR(64) NOT NULL,
    subject VARCHAR(255) NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    last_login_at BIGINT NOT NULL,
    UNIQUE (provider, subject),
    UNIQUE (user_id, provider)
);

-- An OpenID Connect login between BeginSsoLogin and FinishSsoLogin, kept
-- here so that any replica can finish it: single use (deleted when
-- finished), short-lived. `state_hash` is the SHA-256 of the `state` sent to
-- the provider; the PKCE verifier and the nonce never leave the server.
CREATE TABLE sso_flows (
    state_hash CHAR(64) PRIMARY KEY,
    provider VARCHAR(64) NOT NULL,
    pkce_verifier VARCHAR(128) NOT NULL,
    nonce VARCHAR(128) NOT NULL,
    redirect_uri VARCHAR(2000) NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sso_flows_expires ON sso_flows (expires_at);
