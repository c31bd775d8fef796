-- Users and sign-in. PINs are never stored in clear: pin_lookup is an HMAC of the PIN under a
-- secret pepper (to find the user), pin_hash a salted scrypt hash (to verify it).
CREATE SCHEMA IF NOT EXISTS identity;

CREATE TABLE identity.users (
    id           uuid PRIMARY KEY,
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 120),
    email        text UNIQUE,
    pin_lookup   bytea NOT NULL UNIQUE,
    pin_hash     text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Failed sign-ins by source address, for lockout across relay instances.
CREATE TABLE identity.auth_failures (
    id        bigserial PRIMARY KEY,
    source    text NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_failures_source_time ON identity.auth_failures (source, failed_at DESC);
