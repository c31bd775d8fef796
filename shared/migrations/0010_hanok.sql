-- Hanok Table (functions/hanok): reservations, the tables each one holds, and the waitlist.
--
-- No double booking, ever, whatever the code does: a reservation holds its tables for the time
-- it is seated (hanok.table_holds), and an exclusion constraint forbids two holds of one table
-- whose times overlap. Two callers racing for the last table both try to insert a hold; the
-- database lets exactly one commit. Only a live reservation (pending, confirmed, seated) holds
-- tables: cancelling, a no-show or the party leaving deletes its holds.
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE SCHEMA IF NOT EXISTS hanok;

CREATE TABLE hanok.reservations (
    id              uuid PRIMARY KEY,
    -- Read to a guest and typed on the status page: 8 of 31 unambiguous letters and digits,
    -- drawn by a CSPRNG (functions/hanok/codes.py).
    code            text NOT NULL UNIQUE CHECK (code ~ '^[A-HJKMNP-Z2-9]{8}$'),
    guest_name      text NOT NULL CHECK (length(guest_name) BETWEEN 1 AND 100),
    phone           text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    party_size      integer NOT NULL CHECK (party_size BETWEEN 1 AND 100),
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL CHECK (ends_at > starts_at),
    status          text NOT NULL CHECK (
        status IN ('pending', 'confirmed', 'seated', 'completed', 'cancelled', 'no_show')
    ),
    requests        text NOT NULL DEFAULT '' CHECK (length(requests) <= 500),
    pre_order       jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(pre_order) = 'array'),
    source          text NOT NULL CHECK (source IN ('voice', 'web', 'phone', 'staff', 'waitlist')),
    user_id         uuid REFERENCES identity.users (id) ON DELETE SET NULL,
    -- The caller's idempotency key (an API Idempotency-Key, a tool call's request key): a
    -- redelivered create finds the reservation it made.
    request_key     text UNIQUE CHECK (length(request_key) BETWEEN 1 AND 200),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    cancelled_at    timestamptz,
    cancel_reason   text CHECK (length(cancel_reason) <= 300),
    -- The reminder (functions/hanok/reminders.py): claimed, sent (Twilio's sid), its status.
    reminder_claimed_at timestamptz,
    reminder_sent_at    timestamptz,
    reminder_sid        text CHECK (length(reminder_sid) <= 64),
    reminder_status     text CHECK (length(reminder_status) <= 32)
);
CREATE INDEX reservations_by_phone ON hanok.reservations (phone, starts_at);
CREATE INDEX reservations_by_user ON hanok.reservations (user_id, starts_at);
CREATE INDEX reservations_by_start ON hanok.reservations (starts_at);
CREATE INDEX reservations_reminders_due ON hanok.reservations (starts_at)
    WHERE reminder_sent_at IS NULL AND status IN ('pending', 'confirmed');
-- Twilio's status callbacks name the message by its sid.
CREATE INDEX reservations_by_reminder_sid ON hanok.reservations (reminder_sid)
    WHERE reminder_sid IS NOT NULL;

CREATE TABLE hanok.table_holds (
    reservation_id uuid NOT NULL REFERENCES hanok.reservations (id) ON DELETE CASCADE,
    table_id       text NOT NULL CHECK (length(table_id) BETWEEN 1 AND 20),
    during         tstzrange NOT NULL CHECK (NOT isempty(during)),
    PRIMARY KEY (reservation_id, table_id),
    CONSTRAINT one_party_per_table_at_a_time EXCLUDE USING gist (table_id WITH =, during WITH &&)
);

CREATE TABLE hanok.waitlist (
    id             uuid PRIMARY KEY,
    code           text NOT NULL UNIQUE CHECK (code ~ '^[A-HJKMNP-Z2-9]{8}$'),
    guest_name     text NOT NULL CHECK (length(guest_name) BETWEEN 1 AND 100),
    phone          text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    party_size     integer NOT NULL CHECK (party_size BETWEEN 1 AND 100),
    starts_at      timestamptz NOT NULL,
    status         text NOT NULL DEFAULT 'waiting'
        CHECK (status IN ('waiting', 'promoted', 'withdrawn', 'expired')),
    reservation_id uuid REFERENCES hanok.reservations (id) ON DELETE SET NULL,
    user_id        uuid REFERENCES identity.users (id) ON DELETE SET NULL,
    request_key    text UNIQUE CHECK (length(request_key) BETWEEN 1 AND 200),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'promoted') = (reservation_id IS NOT NULL))
);
-- One place in the queue per guest and time.
CREATE UNIQUE INDEX waitlist_one_per_guest_and_time ON hanok.waitlist (phone, starts_at)
    WHERE status = 'waiting';
CREATE INDEX waitlist_waiting_by_time ON hanok.waitlist (starts_at, created_at)
    WHERE status = 'waiting';
