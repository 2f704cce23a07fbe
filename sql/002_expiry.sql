-- 002: expiry (a time-to-live per deployment), pin, and the check latency
-- histogram behind GET /metrics (docs/API.md).

-- ttl: seconds, 0 = never expires. expires_at = the last create, update
-- or restore + ttl (NULL when ttl is 0). A pinned deployment never
-- expires. expiry_warned_at: when the notifications script was told that
-- the expiry is near (NULL again after every reset of expires_at).
ALTER TABLE deployments
    ADD COLUMN ttl              integer NOT NULL DEFAULT 0 CHECK (ttl >= 0),
    ADD COLUMN expires_at       timestamptz,
    ADD COLUMN pinned           boolean NOT NULL DEFAULT false,
    ADD COLUMN expiry_warned_at timestamptz;
CREATE INDEX deployments_expires ON deployments (expires_at)
    WHERE expires_at IS NOT NULL AND NOT pinned;

-- Status checks by latency: one row per upper bound (cumulative, as in
-- the Prometheus histogram), written by every runner.
CREATE TABLE check_latency (
    le  double precision PRIMARY KEY,
    n   bigint NOT NULL DEFAULT 0,
    sum double precision NOT NULL DEFAULT 0
);
INSERT INTO check_latency (le) VALUES (0.05), (0.1), (0.25), (0.5), (1),
    (2.5), (5), (10), (30), (60), (300), ('Infinity');
