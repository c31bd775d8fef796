-- Tool calls that write: one row per request key, holding the result. The claim and the tool's
-- own writes commit in one transaction, so a redelivered call returns this result and writes
-- nothing (functions/tools/dispatch.py).
CREATE SCHEMA IF NOT EXISTS tools;

CREATE TABLE tools.call_results (
    user_id     uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
    request_key text NOT NULL CHECK (length(request_key) BETWEEN 1 AND 300),
    tool        text NOT NULL,
    result      jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, request_key)
);

-- A user's time zone (IANA name); NULL means the deployment's default.
ALTER TABLE identity.users ADD COLUMN timezone text
    CHECK (timezone IS NULL OR length(timezone) BETWEEN 1 AND 64);

-- Todos gain a description, a priority and an optional time of day on the due date (in the
-- user's zone).
ALTER TABLE productivity.todos
    ADD COLUMN description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    ADD COLUMN priority text NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high')),
    ADD COLUMN due_time time,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
    ADD CONSTRAINT todos_time_needs_date CHECK (due_time IS NULL OR due_date IS NOT NULL);
CREATE INDEX todos_user_due ON productivity.todos (user_id, due_date) WHERE completed_at IS NULL;
