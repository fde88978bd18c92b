-- 010: the MCP connector's OAuth 2.1 authorization server (auth/oauth owns
-- every table here).
--
-- Nothing secret is stored: client secrets as bcrypt hashes, codes and tokens
-- as their HMAC signatures (the part of the token fosite keys storage by),
-- sign-in links as SHA-256 of their token. Every token names the API key it
-- was granted from: revoking the key (or deleting it) ends the grant.

-- Clients registered dynamically (RFC 7591).
CREATE TABLE oauth_clients (
    id            text PRIMARY KEY CHECK (length(id) BETWEEN 16 AND 64),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    redirect_uris text[] NOT NULL CHECK (cardinality(redirect_uris) BETWEEN 1 AND 10),
    -- NULL: a public client (token_endpoint_auth_method none).
    secret_hash   bytea,
    auth_method   text NOT NULL CHECK (auth_method IN ('none', 'client_secret_basic', 'client_secret_post')),
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Authorization codes, PKCE challenges, access and refresh tokens. request_id
-- is the grant: the code and every token issued from it, refreshes included.
CREATE TABLE oauth_tokens (
    kind       text NOT NULL CHECK (kind IN ('code', 'pkce', 'access', 'refresh')),
    signature  text NOT NULL CHECK (length(signature) BETWEEN 16 AND 128),
    request_id text NOT NULL,
    client_id  text NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    key_id     uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scopes     text[] NOT NULL,
    audience   text[] NOT NULL,
    -- The rest of the request fosite needs back (redirect_uri, the PKCE
    -- challenge, the session's expiry times); never a code, token or verifier.
    request    jsonb NOT NULL,
    active     boolean NOT NULL DEFAULT true,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, signature)
);
CREATE INDEX oauth_tokens_request_idx ON oauth_tokens (request_id);
CREATE INDEX oauth_tokens_account_idx ON oauth_tokens (account_id, kind);

-- One-time sign-in links (kapi accounts sign-in-link).
CREATE TABLE oauth_sign_in_links (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key_id     uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The HMAC secret of codes and tokens and of the sign-in pages' tickets: one
-- row, made by the first instance that needs it, shared by all.
CREATE TABLE oauth_secret (
    id     smallint PRIMARY KEY CHECK (id = 1),
    secret bytea NOT NULL CHECK (length(secret) = 32)
);
