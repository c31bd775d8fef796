-- Reminders, calendar events and teams (functions/tools/productivity).
--
-- Ids of rows a tool writes derive from the call's request key (CallContext.stable_id), and the
-- dispatcher's claim in tools.call_results makes a redelivered call a no-op, so these tables
-- need no request_key column of their own.

-- A reminder belongs to one user. remind_at is an instant; tools show it in the user's zone.
CREATE TABLE productivity.reminders (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
    text        text NOT NULL CHECK (length(text) BETWEEN 1 AND 500),
    remind_at   timestamptz NOT NULL,
    importance  text NOT NULL DEFAULT 'normal' CHECK (importance IN ('low', 'normal', 'high')),
    done_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reminders_user_time ON productivity.reminders (user_id, remind_at);

-- A calendar event belongs to one user. google_event_id is set once the event exists in Google
-- Calendar (NULL: sync not configured, or it failed and is tried again on the next update).
CREATE TABLE productivity.events (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    location        text NOT NULL DEFAULT '' CHECK (length(location) <= 300),
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    google_event_id text CHECK (google_event_id IS NULL OR length(google_event_id) <= 1024),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_end_after_start CHECK (ends_at > starts_at),
    CONSTRAINT events_bounded CHECK (ends_at - starts_at <= interval '7 days')
);
CREATE INDEX events_user_time ON productivity.events (user_id, starts_at, ends_at);

-- Teams. A team belongs to its members (team_members), not to one user: every query of a team
-- or its todos joins team_members on the caller, so a non-member can neither see nor change it.
CREATE TABLE productivity.teams (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    created_by  uuid REFERENCES identity.users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE productivity.team_members (
    team_id  uuid NOT NULL REFERENCES productivity.teams (id) ON DELETE CASCADE,
    user_id  uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
    role     text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    added_by uuid REFERENCES identity.users (id) ON DELETE SET NULL,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON productivity.team_members (user_id);

-- Team todos live in their own table rather than in productivity.todos with a team_id:
-- productivity.todos is "a user's own rows" (every query there is WHERE user_id = caller, and
-- delete_todo/update_todo act on any of them), so a team todo kept there would show up in, and
-- be deletable from, its creator's personal list, and would be hidden from the rest of the
-- team. Here visibility is membership of team_id, and the assignee is a member, not the owner.
CREATE TABLE productivity.team_todos (
    id           uuid PRIMARY KEY,
    team_id      uuid NOT NULL REFERENCES productivity.teams (id) ON DELETE CASCADE,
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    description  text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    priority     text NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high')),
    due_date     date,
    assignee_id  uuid REFERENCES identity.users (id) ON DELETE SET NULL,
    created_by   uuid REFERENCES identity.users (id) ON DELETE SET NULL,
    completed_at timestamptz,
    completed_by uuid REFERENCES identity.users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX team_todos_team_open ON productivity.team_todos (team_id, due_date)
    WHERE completed_at IS NULL;
