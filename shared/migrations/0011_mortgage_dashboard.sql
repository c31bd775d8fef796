-- The mortgage dashboard lists every user's applications newest first, paged on
-- (created_at, id): functions/operator/mortgage.py.
CREATE INDEX applications_created ON mortgage.applications (created_at DESC, id DESC);
