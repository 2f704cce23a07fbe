-- 010: sign-in with OIDC on the ui door (fcgi/oidc.c, fcgi/session.c).
-- oidc_logins: a sign-in under way, between GET auth/login and the IdP's
-- redirect to GET auth/callback: its state, nonce and PKCE code verifier,
-- used once (deleted by the callback) and only for a few minutes.
CREATE TABLE oidc_logins (
    state         text PRIMARY KEY,
    nonce         text NOT NULL,
    code_verifier text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX oidc_logins_expires ON oidc_logins (expires_at);

-- sessions: a signed-in person. The cookie holds a random token; only its
-- SHA-256 is kept here, so that a copy of this table signs nobody in.
CREATE TABLE sessions (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    username   text NOT NULL,
    role       text NOT NULL CHECK (role IN ('viewer', 'deployer', 'admin')),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);
