-- Leases: a running job names its replica and how long it stays that replica's.
-- Jobs left running by a version without leases are queued again.
ALTER TABLE jobs ADD COLUMN owner TEXT;
ALTER TABLE jobs ADD COLUMN lease_until TEXT;
UPDATE jobs SET state = 'queued' WHERE state = 'running';
-- The per-product lock, kept by the store itself: one running job per key.
CREATE UNIQUE INDEX jobs_one_running_per_key ON jobs (key) WHERE state = 'running';
CREATE INDEX jobs_key ON jobs (key, state);
CREATE INDEX deliveries_received ON deliveries (received_at);
