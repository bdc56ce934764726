-- The queue shared by replicas.
CREATE TABLE hallmark_jobs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    attempts BIGINT NOT NULL DEFAULT 0,
    error TEXT,
    -- The replica running it, and until when it is that replica's without a heartbeat.
    owner TEXT,
    lease_until TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX hallmark_jobs_queued ON hallmark_jobs (id) WHERE state = 'queued';
CREATE INDEX hallmark_jobs_key ON hallmark_jobs (key, state);
CREATE INDEX hallmark_jobs_lease ON hallmark_jobs (lease_until) WHERE state = 'running';
-- The per-product lock across replicas: a second claim of a key waits for the first
-- to commit and then fails on this index instead of running beside it.
CREATE UNIQUE INDEX hallmark_jobs_one_running_per_key ON hallmark_jobs (key) WHERE state = 'running';

-- Every delivery id, once: two replicas given the same delivery insert one row.
CREATE TABLE hallmark_deliveries (
    id TEXT PRIMARY KEY,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX hallmark_deliveries_received ON hallmark_deliveries (received_at);
