-- Sign-in by account (email or phone number) and PIN, and an atomic budget of sign-in attempts.
--
-- A user with an account identifier is found by it, so their PIN need not be unique and
-- creating them reveals nothing about other users' PINs. Sign-in by PIN alone (the original
-- clients) finds the user from the PIN, so it stays limited to users enrolled for it, whose
-- PINs are unique among themselves. Existing users keep signing in by PIN alone.
ALTER TABLE identity.users ADD COLUMN phone text UNIQUE CHECK (phone ~ '^\+[1-9][0-9]{6,14}$');
ALTER TABLE identity.users ADD COLUMN pin_only_sign_in boolean NOT NULL DEFAULT false;
UPDATE identity.users SET pin_only_sign_in = true;
ALTER TABLE identity.users DROP CONSTRAINT users_pin_lookup_key;
CREATE UNIQUE INDEX users_pin_only_lookup ON identity.users (pin_lookup) WHERE pin_only_sign_in;

-- Every sign-in attempt reserves a row per scope it is counted in (its source address, its
-- account if it names one, and "global") before any PIN is checked; a successful sign-in
-- gives its rows back. So parallel attempts cost the budget before they cost a PIN check.
CREATE TABLE identity.sign_in_attempts (
    id           bigserial PRIMARY KEY,
    attempt_id   uuid NOT NULL,
    scope        text NOT NULL CHECK (length(scope) BETWEEN 1 AND 200),
    attempted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_attempts_scope_time ON identity.sign_in_attempts (scope, attempted_at DESC);
CREATE INDEX sign_in_attempts_attempt ON identity.sign_in_attempts (attempt_id);

DROP TABLE identity.auth_failures;
