-- Mortgage applications, the applicant's debts, the documents received, and each change of an
-- application's status. Every row belongs to one user; debts, documents and status changes
-- reach their application through (application_id, user_id), so a row can never hang off
-- another user's application. request_key makes a redelivered tool call a no-op.
CREATE SCHEMA IF NOT EXISTS mortgage;

CREATE TABLE mortgage.applications (
    id                     uuid PRIMARY KEY,
    user_id                uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
    reference              text NOT NULL CHECK (reference ~ '^MA-[0-9]{6}$'),
    loan_purpose           text NOT NULL CHECK (loan_purpose IN ('purchase', 'refinance')),
    status                 text NOT NULL DEFAULT 'started' CHECK (status IN (
                               'started', 'documents_pending', 'under_review',
                               'approved', 'denied', 'withdrawn')),
    -- For a purchase the price; for a refinance what the home is worth now.
    property_value         numeric(12, 2) NOT NULL
                               CHECK (property_value > 0 AND property_value < 100000000),
    loan_amount            numeric(12, 2) NOT NULL
                               CHECK (loan_amount > 0 AND loan_amount <= property_value),
    down_payment           numeric(12, 2) NOT NULL DEFAULT 0 CHECK (down_payment >= 0),
    term_years             smallint NOT NULL DEFAULT 30 CHECK (term_years BETWEEN 1 AND 40),
    interest_rate          numeric(6, 3) CHECK (interest_rate BETWEEN 0 AND 25),  -- percent
    employment_type        text CHECK (employment_type IN ('salaried', 'self_employed', 'retired')),
    credit_score           smallint CHECK (credit_score BETWEEN 300 AND 850),
    annual_income          numeric(12, 2) CHECK (annual_income > 0),  -- gross
    -- The caller's total of monthly debt payments, for when the debts are not listed one by
    -- one in mortgage.debts (listed debts take precedence).
    stated_monthly_debts   numeric(12, 2) CHECK (stated_monthly_debts >= 0),
    -- Property tax, home insurance and HOA fees a month: part of the housing payment.
    monthly_property_costs numeric(12, 2) NOT NULL DEFAULT 0 CHECK (monthly_property_costs >= 0),
    status_changed_at      timestamptz NOT NULL DEFAULT now(),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    request_key            text NOT NULL,
    UNIQUE (user_id, request_key),
    UNIQUE (user_id, reference),
    UNIQUE (id, user_id),  -- the target of the (application_id, user_id) references below
    CONSTRAINT applications_purchase_money CHECK (
        loan_purpose = 'refinance' OR loan_amount + down_payment <= property_value),
    CONSTRAINT applications_refinance_no_down_payment CHECK (
        loan_purpose = 'purchase' OR down_payment = 0)
);
CREATE INDEX applications_user_created ON mortgage.applications (user_id, created_at DESC);

CREATE TABLE mortgage.status_changes (
    id             bigserial PRIMARY KEY,
    application_id uuid NOT NULL,
    user_id        uuid NOT NULL,
    from_status    text,  -- NULL for the application's creation
    to_status      text NOT NULL,
    changed_at     timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (application_id, user_id)
        REFERENCES mortgage.applications (id, user_id) ON DELETE CASCADE
);
CREATE INDEX status_changes_application ON mortgage.status_changes (application_id, changed_at);

CREATE TABLE mortgage.debts (
    id              uuid PRIMARY KEY,
    application_id  uuid NOT NULL,
    user_id         uuid NOT NULL,
    debt_type       text NOT NULL CHECK (debt_type IN (
                        'credit_card', 'auto_loan', 'student_loan', 'personal_loan',
                        'child_support', 'alimony', 'other_mortgage', 'other')),
    lender          text NOT NULL DEFAULT '' CHECK (length(lender) <= 120),
    monthly_payment numeric(12, 2) NOT NULL
                        CHECK (monthly_payment > 0 AND monthly_payment < 100000000),
    balance         numeric(12, 2) CHECK (balance >= 0 AND balance < 100000000),
    created_at      timestamptz NOT NULL DEFAULT now(),
    request_key     text NOT NULL,
    UNIQUE (user_id, request_key),
    FOREIGN KEY (application_id, user_id)
        REFERENCES mortgage.applications (id, user_id) ON DELETE CASCADE
);
CREATE INDEX debts_application ON mortgage.debts (application_id, created_at);

CREATE TABLE mortgage.documents (
    id             uuid PRIMARY KEY,
    application_id uuid NOT NULL,
    user_id        uuid NOT NULL,
    document_type  text NOT NULL CHECK (document_type IN (
                       'photo_id', 'pay_stub', 'w2', 'tax_return', 'bank_statement',
                       'profit_and_loss_statement', 'benefits_statement', 'purchase_agreement',
                       'mortgage_statement', 'homeowners_insurance', 'gift_letter', 'other')),
    description    text NOT NULL DEFAULT '' CHECK (length(description) <= 300),
    received_on    date NOT NULL,  -- the day in the user's time zone
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    request_key    text NOT NULL,
    UNIQUE (user_id, request_key),
    FOREIGN KEY (application_id, user_id)
        REFERENCES mortgage.applications (id, user_id) ON DELETE CASCADE
);
CREATE INDEX documents_application ON mortgage.documents (application_id, document_type);
