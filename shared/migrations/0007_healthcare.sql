-- Healthcare payer: plans and their benefits, one membership per user, deductible and
-- out-of-pocket accumulators, claims (lines, status history, appeals), prior authorisations, a
-- shared provider directory with networks, care programs, and preventive care.
--
-- Every row a member can reach carries user_id, tied to the membership by a composite foreign
-- key (member_id, user_id), so each query scopes by the signed-in user and no row can point at
-- another user's membership.
CREATE SCHEMA IF NOT EXISTS healthcare;

-- Reference vocabulary: the kinds of service a plan covers and the specialties of providers,
-- each with the words a caller may use for it ("MRI", "heart doctor").
CREATE TABLE healthcare.service_categories (
    code  text PRIMARY KEY CHECK (code ~ '^[a-z_]{2,40}$'),
    name  text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    terms text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE healthcare.specialties (
    code  text PRIMARY KEY CHECK (code ~ '^[a-z_]{2,40}$'),
    name  text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    terms text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE healthcare.networks (
    id   text PRIMARY KEY CHECK (id ~ '^[a-z0-9_]{2,40}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 120)
);

CREATE TABLE healthcare.plans (
    id                    uuid PRIMARY KEY,
    name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    plan_type             text NOT NULL CHECK (plan_type IN ('HMO', 'PPO', 'EPO', 'POS', 'HDHP')),
    network_id            text NOT NULL REFERENCES healthcare.networks (id),
    plan_year_start_month smallint NOT NULL DEFAULT 1 CHECK (plan_year_start_month BETWEEN 1 AND 12),
    deductible_individual numeric(10, 2) NOT NULL CHECK (deductible_individual >= 0),
    deductible_family     numeric(10, 2) NOT NULL CHECK (deductible_family >= deductible_individual),
    oop_max_individual    numeric(10, 2) NOT NULL CHECK (oop_max_individual >= deductible_individual),
    oop_max_family        numeric(10, 2) NOT NULL CHECK (oop_max_family >= oop_max_individual),
    appeal_window_days    integer NOT NULL DEFAULT 180 CHECK (appeal_window_days BETWEEN 1 AND 730),
    member_services_phone text NOT NULL DEFAULT ''
);

-- The cost share of one kind of service under one plan, in network; out of network only a
-- coinsurance (NULL: not covered out of network). A category a plan has no row for is not covered.
CREATE TABLE healthcare.plan_benefits (
    plan_id             uuid NOT NULL REFERENCES healthcare.plans (id) ON DELETE CASCADE,
    category            text NOT NULL REFERENCES healthcare.service_categories (code),
    covered             boolean NOT NULL,
    copay               numeric(10, 2) NOT NULL DEFAULT 0 CHECK (copay >= 0),
    coinsurance_pct     smallint NOT NULL DEFAULT 0 CHECK (coinsurance_pct BETWEEN 0 AND 100),
    deductible_applies  boolean NOT NULL DEFAULT false,
    prior_auth_required boolean NOT NULL DEFAULT false,
    out_of_network_coinsurance_pct smallint
        CHECK (out_of_network_coinsurance_pct BETWEEN 0 AND 100),
    visit_limit         smallint CHECK (visit_limit > 0),  -- per plan year; NULL: no limit
    notes               text NOT NULL DEFAULT '' CHECK (length(notes) <= 500),
    PRIMARY KEY (plan_id, category)
);

CREATE TABLE healthcare.members (
    id             uuid PRIMARY KEY,
    user_id        uuid NOT NULL UNIQUE REFERENCES identity.users (id) ON DELETE CASCADE,
    member_number  text NOT NULL UNIQUE CHECK (member_number ~ '^[A-Z0-9-]{4,30}$'),
    group_number   text NOT NULL CHECK (length(group_number) BETWEEN 1 AND 30),
    plan_id        uuid NOT NULL REFERENCES healthcare.plans (id),
    coverage_tier  text NOT NULL CHECK (coverage_tier IN ('individual', 'family')),
    date_of_birth  date NOT NULL,
    sex            text NOT NULL CHECK (sex IN ('female', 'male')),  -- for preventive care rules
    home_city      text CHECK (length(home_city) BETWEEN 1 AND 80),
    home_zip       text CHECK (home_zip ~ '^[0-9]{5}$'),
    effective_date date NOT NULL,
    end_date       date CHECK (end_date IS NULL OR end_date >= effective_date),
    UNIQUE (id, user_id)
);

-- What the member (and the family, on a family tier) has paid toward the plan year's limits.
CREATE TABLE healthcare.accumulators (
    member_id         uuid NOT NULL,
    user_id           uuid NOT NULL,
    plan_year_start   date NOT NULL,
    level             text NOT NULL CHECK (level IN ('individual', 'family')),
    deductible_met    numeric(10, 2) NOT NULL DEFAULT 0 CHECK (deductible_met >= 0),
    out_of_pocket_met numeric(10, 2) NOT NULL DEFAULT 0 CHECK (out_of_pocket_met >= 0),
    as_of             date NOT NULL,
    PRIMARY KEY (member_id, plan_year_start, level),
    FOREIGN KEY (member_id, user_id) REFERENCES healthcare.members (id, user_id) ON DELETE CASCADE
);

-- The provider directory is shared: not any user's rows.
CREATE TABLE healthcare.providers (
    id                     uuid PRIMARY KEY,
    npi                    text NOT NULL UNIQUE CHECK (npi ~ '^[0-9]{10}$'),
    name                   text NOT NULL CHECK (length(name) BETWEEN 1 AND 160),
    kind                   text NOT NULL CHECK (kind IN ('clinician', 'facility')),
    specialty              text NOT NULL REFERENCES healthcare.specialties (code),
    address                text NOT NULL CHECK (length(address) BETWEEN 1 AND 200),
    city                   text NOT NULL CHECK (length(city) BETWEEN 1 AND 80),
    state                  text NOT NULL CHECK (state ~ '^[A-Z]{2}$'),
    zip                    text NOT NULL CHECK (zip ~ '^[0-9]{5}$'),
    phone                  text NOT NULL DEFAULT '',
    accepting_new_patients boolean NOT NULL
);
CREATE INDEX providers_specialty_zip ON healthcare.providers (specialty, zip);

CREATE TABLE healthcare.provider_networks (
    provider_id uuid NOT NULL REFERENCES healthcare.providers (id) ON DELETE CASCADE,
    network_id  text NOT NULL REFERENCES healthcare.networks (id) ON DELETE CASCADE,
    PRIMARY KEY (network_id, provider_id)
);

CREATE TABLE healthcare.claims (
    id             uuid PRIMARY KEY,
    member_id      uuid NOT NULL,
    user_id        uuid NOT NULL,
    claim_number   text NOT NULL UNIQUE CHECK (claim_number ~ '^[A-Z0-9-]{4,30}$'),
    provider_id    uuid NOT NULL REFERENCES healthcare.providers (id),
    in_network     boolean NOT NULL,
    service_date   date NOT NULL,
    received_date  date NOT NULL CHECK (received_date >= service_date),
    processed_date date CHECK (processed_date IS NULL OR processed_date >= received_date),
    status         text NOT NULL
        CHECK (status IN ('pending', 'paid', 'partially_paid', 'denied', 'appealed')),
    status_note    text NOT NULL DEFAULT '' CHECK (length(status_note) <= 500),
    FOREIGN KEY (member_id, user_id) REFERENCES healthcare.members (id, user_id) ON DELETE CASCADE,
    CHECK (status = 'pending' OR processed_date IS NOT NULL)
);
CREATE INDEX claims_user_service_date ON healthcare.claims (user_id, service_date DESC);

-- What the member owes on a line: deductible + copay + coinsurance + not_covered.
CREATE TABLE healthcare.claim_lines (
    claim_id       uuid NOT NULL REFERENCES healthcare.claims (id) ON DELETE CASCADE,
    line_number    smallint NOT NULL CHECK (line_number BETWEEN 1 AND 99),
    procedure_code text NOT NULL CHECK (length(procedure_code) BETWEEN 1 AND 12),
    description    text NOT NULL CHECK (length(description) BETWEEN 1 AND 200),
    category       text REFERENCES healthcare.service_categories (code),
    billed         numeric(10, 2) NOT NULL CHECK (billed >= 0),
    allowed        numeric(10, 2) NOT NULL DEFAULT 0 CHECK (allowed BETWEEN 0 AND billed),
    plan_paid      numeric(10, 2) NOT NULL DEFAULT 0 CHECK (plan_paid >= 0),
    deductible     numeric(10, 2) NOT NULL DEFAULT 0 CHECK (deductible >= 0),
    copay          numeric(10, 2) NOT NULL DEFAULT 0 CHECK (copay >= 0),
    coinsurance    numeric(10, 2) NOT NULL DEFAULT 0 CHECK (coinsurance >= 0),
    not_covered    numeric(10, 2) NOT NULL DEFAULT 0 CHECK (not_covered >= 0),
    denial_reason  text CHECK (length(denial_reason) <= 300),
    PRIMARY KEY (claim_id, line_number),
    CHECK (plan_paid + deductible + copay + coinsurance <= allowed)
);

CREATE TABLE healthcare.claim_status_history (
    id         bigserial PRIMARY KEY,
    claim_id   uuid NOT NULL REFERENCES healthcare.claims (id) ON DELETE CASCADE,
    status     text NOT NULL,
    note       text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX claim_status_history_claim ON healthcare.claim_status_history (claim_id, changed_at);

-- Numbers a caller can read out; sequences rather than random digits so they never collide.
CREATE SEQUENCE healthcare.appeal_numbers START 3000001;
CREATE SEQUENCE healthcare.prior_auth_numbers START 1000001;

CREATE TABLE healthcare.claim_appeals (
    id            uuid PRIMARY KEY,
    appeal_number text NOT NULL UNIQUE
        DEFAULT ('AP-' || nextval('healthcare.appeal_numbers')::text),
    claim_id      uuid NOT NULL UNIQUE REFERENCES healthcare.claims (id) ON DELETE CASCADE,
    member_id     uuid NOT NULL,
    user_id       uuid NOT NULL,
    reason        text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    status        text NOT NULL DEFAULT 'submitted'
        CHECK (status IN ('submitted', 'in_review', 'upheld', 'overturned')),
    filed_at      timestamptz NOT NULL DEFAULT now(),
    decision_due  date NOT NULL,
    request_key   text NOT NULL,
    UNIQUE (user_id, request_key),
    FOREIGN KEY (member_id, user_id) REFERENCES healthcare.members (id, user_id) ON DELETE CASCADE
);

CREATE TABLE healthcare.prior_auths (
    id                  uuid PRIMARY KEY,
    reference_number    text NOT NULL UNIQUE
        DEFAULT ('PA-' || nextval('healthcare.prior_auth_numbers')::text),
    member_id           uuid NOT NULL,
    user_id             uuid NOT NULL,
    category            text NOT NULL REFERENCES healthcare.service_categories (code),
    service             text NOT NULL CHECK (length(service) BETWEEN 1 AND 200),
    provider_id         uuid NOT NULL REFERENCES healthcare.providers (id),
    reason              text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    planned_date        date NOT NULL,
    urgency             text NOT NULL DEFAULT 'standard' CHECK (urgency IN ('standard', 'urgent')),
    status              text NOT NULL DEFAULT 'pending_review'
        CHECK (status IN ('pending_review', 'approved', 'denied', 'withdrawn')),
    decision_note       text NOT NULL DEFAULT '' CHECK (length(decision_note) <= 500),
    submitted_at        timestamptz NOT NULL DEFAULT now(),
    decision_due        timestamptz NOT NULL,
    decided_at          timestamptz,
    valid_until         date,
    request_key         text NOT NULL,
    UNIQUE (user_id, request_key),
    FOREIGN KEY (member_id, user_id) REFERENCES healthcare.members (id, user_id) ON DELETE CASCADE
);
CREATE INDEX prior_auths_user_submitted ON healthcare.prior_auths (user_id, submitted_at DESC);

-- Care programs a plan offers; who may join (age, sex, a condition on record).
CREATE TABLE healthcare.care_programs (
    id                 text PRIMARY KEY CHECK (id ~ '^[a-z0-9_]{2,40}$'),
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    description        text NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
    required_condition text CHECK (required_condition ~ '^[a-z_]{2,40}$'),
    min_age            smallint CHECK (min_age >= 0),
    max_age            smallint CHECK (max_age >= 0),
    sex                text CHECK (sex IN ('female', 'male'))
);

CREATE TABLE healthcare.plan_care_programs (
    plan_id    uuid NOT NULL REFERENCES healthcare.plans (id) ON DELETE CASCADE,
    program_id text NOT NULL REFERENCES healthcare.care_programs (id) ON DELETE CASCADE,
    PRIMARY KEY (plan_id, program_id)
);

CREATE TABLE healthcare.member_conditions (
    member_id uuid NOT NULL,
    user_id   uuid NOT NULL,
    condition text NOT NULL CHECK (condition ~ '^[a-z_]{2,40}$'),
    noted_on  date NOT NULL,
    PRIMARY KEY (member_id, condition),
    FOREIGN KEY (member_id, user_id) REFERENCES healthcare.members (id, user_id) ON DELETE CASCADE
);

CREATE TABLE healthcare.program_enrollments (
    member_id   uuid NOT NULL,
    user_id     uuid NOT NULL,
    program_id  text NOT NULL REFERENCES healthcare.care_programs (id),
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'withdrawn')),
    enrolled_at timestamptz NOT NULL DEFAULT now(),
    request_key text NOT NULL,
    PRIMARY KEY (member_id, program_id),
    FOREIGN KEY (member_id, user_id) REFERENCES healthcare.members (id, user_id) ON DELETE CASCADE
);

-- Preventive care every plan covers in full, by age and sex, and how often (in months).
CREATE TABLE healthcare.preventive_rules (
    code            text PRIMARY KEY CHECK (code ~ '^[a-z_]{2,40}$'),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    description     text NOT NULL CHECK (length(description) BETWEEN 1 AND 300),
    sex             text CHECK (sex IN ('female', 'male')),
    min_age         smallint NOT NULL DEFAULT 0 CHECK (min_age >= 0),
    max_age         smallint CHECK (max_age >= min_age),
    interval_months smallint NOT NULL CHECK (interval_months BETWEEN 1 AND 240)
);

CREATE TABLE healthcare.preventive_services (
    id           uuid PRIMARY KEY,
    member_id    uuid NOT NULL,
    user_id      uuid NOT NULL,
    rule_code    text NOT NULL REFERENCES healthcare.preventive_rules (code),
    service_date date NOT NULL,
    provider_id  uuid REFERENCES healthcare.providers (id),
    FOREIGN KEY (member_id, user_id) REFERENCES healthcare.members (id, user_id) ON DELETE CASCADE
);
CREATE INDEX preventive_services_user_rule
    ON healthcare.preventive_services (user_id, rule_code, service_date DESC);

INSERT INTO healthcare.service_categories (code, name, terms) VALUES
    ('preventive_care', 'Preventive care', ARRAY['preventive care', 'preventive', 'annual physical',
        'physical', 'checkup', 'check up', 'wellness visit', 'annual wellness', 'screening',
        'immunization', 'vaccine', 'vaccination', 'flu shot', 'mammogram', 'colonoscopy',
        'well child visit', 'birth control', 'contraception']),
    ('primary_care_visit', 'Primary care visit', ARRAY['primary care', 'pcp', 'office visit',
        'doctor visit', 'sick visit', 'family doctor', 'general practitioner', 'gp',
        'family medicine', 'internal medicine']),
    ('specialist_visit', 'Specialist visit', ARRAY['specialist', 'specialist visit',
        'cardiologist', 'dermatologist', 'neurologist', 'orthopedist', 'orthopedic',
        'endocrinologist', 'gastroenterologist', 'allergist', 'urologist', 'oncologist',
        'rheumatologist', 'podiatrist', 'gynecologist', 'ob gyn', 'ear nose and throat', 'ent']),
    ('urgent_care', 'Urgent care', ARRAY['urgent care', 'urgent', 'walk in clinic']),
    ('emergency_room', 'Emergency room', ARRAY['emergency room', 'emergency', 'er',
        'emergency department']),
    ('ambulance', 'Ambulance', ARRAY['ambulance', 'emergency transport']),
    ('telehealth', 'Telehealth visit', ARRAY['telehealth', 'telemedicine', 'virtual visit',
        'video visit', 'virtual care', 'online doctor']),
    ('lab_tests', 'Lab tests', ARRAY['lab', 'lab work', 'lab test', 'blood test', 'bloodwork',
        'blood work', 'urine test']),
    ('diagnostic_imaging', 'X-ray and ultrasound', ARRAY['x ray', 'xray', 'ultrasound',
        'sonogram', 'diagnostic imaging']),
    ('advanced_imaging', 'Advanced imaging (MRI, CT, PET)', ARRAY['mri', 'ct', 'ct scan',
        'cat scan', 'pet scan', 'advanced imaging', 'magnetic resonance']),
    ('physical_therapy', 'Physical, occupational and speech therapy', ARRAY['physical therapy',
        'physical therapist', 'pt', 'physiotherapy', 'occupational therapy', 'speech therapy']),
    ('chiropractic', 'Chiropractic care', ARRAY['chiropractor', 'chiropractic',
        'spinal manipulation']),
    ('mental_health_outpatient', 'Mental health outpatient visit', ARRAY['mental health',
        'therapist', 'counseling', 'counselor', 'psychologist', 'psychiatrist', 'behavioral health',
        'psychotherapy', 'talk therapy']),
    ('substance_use', 'Substance use treatment', ARRAY['substance use', 'addiction', 'detox',
        'alcohol treatment', 'drug treatment']),
    ('inpatient_hospital', 'Inpatient hospital stay', ARRAY['hospital stay', 'inpatient',
        'hospital admission', 'hospitalization', 'hospital', 'overnight stay']),
    ('outpatient_surgery', 'Outpatient surgery', ARRAY['outpatient surgery', 'surgery',
        'day surgery', 'same day surgery', 'ambulatory surgery', 'outpatient procedure']),
    ('maternity', 'Maternity care', ARRAY['maternity', 'pregnancy', 'prenatal',
        'labor and delivery', 'delivery', 'giving birth', 'birth', 'postnatal']),
    ('generic_drugs', 'Generic prescription drugs', ARRAY['generic', 'generic drug',
        'generic medication', 'prescription', 'medication', 'medicine', 'drug']),
    ('brand_drugs', 'Brand-name prescription drugs', ARRAY['brand name', 'brand',
        'brand name drug', 'brand name medication']),
    ('specialty_drugs', 'Specialty drugs', ARRAY['specialty drug', 'specialty medication',
        'biologic', 'infusion']),
    ('durable_medical_equipment', 'Durable medical equipment', ARRAY['durable medical equipment',
        'dme', 'medical equipment', 'wheelchair', 'cpap', 'crutches', 'walker', 'hospital bed',
        'insulin pump', 'oxygen']),
    ('home_health', 'Home health care', ARRAY['home health', 'home nurse', 'home care']),
    ('skilled_nursing', 'Skilled nursing facility', ARRAY['skilled nursing', 'snf',
        'nursing facility', 'nursing home']),
    ('hospice', 'Hospice care', ARRAY['hospice', 'end of life care', 'palliative']),
    ('sleep_study', 'Sleep study', ARRAY['sleep study', 'sleep test', 'polysomnography',
        'sleep apnea test']),
    ('routine_eye_exam', 'Routine eye exam', ARRAY['eye exam', 'vision exam', 'vision',
        'optometrist', 'glasses', 'contact lenses']),
    ('acupuncture', 'Acupuncture', ARRAY['acupuncture', 'acupuncturist']);

INSERT INTO healthcare.specialties (code, name, terms) VALUES
    ('primary_care', 'Primary care', ARRAY['primary care', 'family medicine', 'internal medicine',
        'general practitioner', 'gp', 'pcp', 'family doctor', 'internist', 'primary doctor']),
    ('pediatrics', 'Pediatrics', ARRAY['pediatrics', 'pediatrician', 'children doctor',
        'kids doctor', 'child doctor']),
    ('cardiology', 'Cardiology', ARRAY['cardiology', 'cardiologist', 'heart doctor', 'heart']),
    ('dermatology', 'Dermatology', ARRAY['dermatology', 'dermatologist', 'skin doctor', 'skin']),
    ('orthopedics', 'Orthopedics', ARRAY['orthopedics', 'orthopedic', 'orthopedist',
        'orthopedic surgeon', 'bone doctor', 'sports medicine']),
    ('obstetrics_gynecology', 'Obstetrics and gynecology', ARRAY['ob gyn', 'obgyn',
        'gynecologist', 'gynecology', 'obstetrician', 'obstetrics', 'women health']),
    ('mental_health', 'Mental health', ARRAY['mental health', 'psychiatrist', 'psychologist',
        'therapist', 'counselor', 'behavioral health', 'psychiatry']),
    ('physical_therapy', 'Physical therapy', ARRAY['physical therapy', 'physical therapist',
        'pt', 'physiotherapist', 'physiotherapy']),
    ('gastroenterology', 'Gastroenterology', ARRAY['gastroenterology', 'gastroenterologist',
        'gi doctor', 'stomach doctor']),
    ('endocrinology', 'Endocrinology', ARRAY['endocrinology', 'endocrinologist',
        'diabetes doctor', 'thyroid doctor']),
    ('neurology', 'Neurology', ARRAY['neurology', 'neurologist', 'brain doctor']),
    ('ophthalmology', 'Ophthalmology', ARRAY['ophthalmology', 'ophthalmologist', 'eye doctor',
        'eye surgeon']),
    ('radiology', 'Imaging center', ARRAY['radiology', 'imaging', 'imaging center', 'mri', 'ct',
        'x ray', 'xray']),
    ('urgent_care', 'Urgent care center', ARRAY['urgent care', 'walk in clinic', 'urgent']),
    ('laboratory', 'Laboratory', ARRAY['lab', 'laboratory', 'blood draw']),
    ('hospital', 'Hospital', ARRAY['hospital', 'emergency room', 'er', 'medical center']);

INSERT INTO healthcare.preventive_rules
    (code, name, description, sex, min_age, max_age, interval_months) VALUES
    ('well_child_visit', 'Well-child visit', 'A yearly checkup for children and teens.',
        NULL, 0, 17, 12),
    ('annual_wellness_visit', 'Annual wellness visit',
        'A yearly physical with your primary care doctor.', NULL, 18, NULL, 12),
    ('flu_vaccine', 'Flu shot', 'The seasonal flu vaccine, once a year.', NULL, 0, NULL, 12),
    ('cholesterol_screening', 'Cholesterol screening', 'A blood test for cholesterol.',
        NULL, 40, 75, 60),
    ('diabetes_screening', 'Diabetes screening', 'A blood sugar test for type 2 diabetes.',
        NULL, 35, 70, 36),
    ('cervical_cancer_screening', 'Cervical cancer screening', 'A Pap test.',
        'female', 21, 65, 36),
    ('mammogram', 'Mammogram', 'Breast cancer screening every two years.', 'female', 40, 74, 24),
    ('colorectal_cancer_screening', 'Colonoscopy', 'Colorectal cancer screening.',
        NULL, 45, 75, 120),
    ('bone_density_scan', 'Bone density scan', 'Osteoporosis screening.', 'female', 65, NULL, 60);
