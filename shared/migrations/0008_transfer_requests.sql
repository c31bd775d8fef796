-- Requests to hand a caller to a human. The tools server writes them (transfer_to_agent); the
-- phone path acts on them and the call-center page shows them. Written in the tool call's
-- transaction, so a redelivered call adds no second request.
CREATE SCHEMA IF NOT EXISTS transfer;

CREATE TABLE transfer.requests (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
    session_id  text NOT NULL CHECK (length(session_id) BETWEEN 1 AND 128),
    turn_id     text NOT NULL CHECK (length(turn_id) BETWEEN 1 AND 128),
    department  text NOT NULL CHECK (length(department) BETWEEN 1 AND 64),
    extension   text NOT NULL CHECK (extension ~ '^[0-9*#]{2,10}$'),
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    summary     text NOT NULL DEFAULT '' CHECK (length(summary) <= 4000),
    status      text NOT NULL DEFAULT 'requested'
                CHECK (status IN ('requested', 'dialing', 'connected', 'failed', 'cancelled')),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transfer_requests_session ON transfer.requests (session_id, created_at);
