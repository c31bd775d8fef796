-- Todos. Every row belongs to one user; request_key makes a redelivered tool call a no-op.
CREATE SCHEMA IF NOT EXISTS productivity;

CREATE TABLE productivity.todos (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    due_date     date,
    completed_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    request_key  text NOT NULL,
    UNIQUE (user_id, request_key)
);
CREATE INDEX todos_user_open ON productivity.todos (user_id, created_at) WHERE completed_at IS NULL;
