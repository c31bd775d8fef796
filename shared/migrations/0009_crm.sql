-- The built-in CRM (functions/crm/builtin.py), used when no SuiteCRM is configured: patients,
-- their cases, and the meetings and notes filed under them.
--
-- A patient is known by phone number (E.164, UNIQUE): a caller who rings twice is found, not
-- created again, even when two calls race. A meeting's case must be the same patient's: the
-- composite foreign key (case_id, patient_id) makes any other pairing impossible.
CREATE SCHEMA IF NOT EXISTS crm;

CREATE TABLE crm.patients (
    id         uuid PRIMARY KEY,
    first_name text NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
    last_name  text NOT NULL CHECK (length(last_name) BETWEEN 1 AND 100),
    phone      text NOT NULL UNIQUE CHECK (phone ~ '^\+[1-9][0-9]{1,14}$'),
    dob        date,
    email      text CHECK (length(email) BETWEEN 3 AND 254),
    address    text CHECK (length(address) BETWEEN 1 AND 300),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE crm.cases (
    id          uuid PRIMARY KEY,
    patient_id  uuid NOT NULL REFERENCES crm.patients (id) ON DELETE CASCADE,
    subject     text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    priority    text NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high')),
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, patient_id)
);
-- How a meeting finds its case: the patient's open case of the same subject, any letter case.
CREATE INDEX cases_open_by_subject ON crm.cases (patient_id, lower(subject)) WHERE status = 'open';

CREATE TABLE crm.meetings (
    id               uuid PRIMARY KEY,
    patient_id       uuid NOT NULL REFERENCES crm.patients (id) ON DELETE CASCADE,
    case_id          uuid NOT NULL,
    subject          text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    date_start       timestamptz NOT NULL,
    duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
    created_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (case_id, patient_id) REFERENCES crm.cases (id, patient_id) ON DELETE CASCADE
);
CREATE INDEX meetings_patient_start ON crm.meetings (patient_id, date_start);
CREATE INDEX meetings_case ON crm.meetings (case_id);

CREATE TABLE crm.notes (
    id         uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES crm.patients (id) ON DELETE CASCADE,
    subject    text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    content    text NOT NULL CHECK (length(content) BETWEEN 1 AND 20000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notes_patient_created ON crm.notes (patient_id, created_at DESC);
