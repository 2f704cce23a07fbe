-- 001: the tables of design section 3.
-- Applied once by `octopod-fcgi migrate`, recorded in schema_migrations.

CREATE TABLE deployments (
    id                bigserial PRIMARY KEY,
    name              text NOT NULL UNIQUE,
    tag               text NOT NULL,
    status            text NOT NULL CHECK (status IN ('CreatePending', 'Running',
                        'Failure', 'UpdatePending', 'ArchivePending', 'Archived',
                        'CleanupFailed')),
    failure_reason    text,
    status_changed_at timestamptz NOT NULL DEFAULT now(),
    checked_at        timestamptz,
    check_claimed_until timestamptz,
    archived_at       timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    version           bigint NOT NULL DEFAULT 1,
    links             jsonb NOT NULL DEFAULT '[]',
    created_by        text NOT NULL,
    updated_by        text NOT NULL
);
CREATE INDEX deployments_status ON deployments (status);
CREATE INDEX deployments_updated ON deployments (updated_at, id);
CREATE INDEX deployments_created ON deployments (created_at, id);

CREATE TABLE overrides (
    deployment_id bigint NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    scope         text NOT NULL CHECK (scope IN ('app', 'deployment')),
    key           text NOT NULL,
    value         text NOT NULL,
    secret        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (deployment_id, scope, key)
);

CREATE TABLE actions (
    id              bigserial PRIMARY KEY,
    deployment_id   bigint REFERENCES deployments (id) ON DELETE SET NULL,
    deployment_name text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('create', 'update', 'archive',
                      'restore', 'cleanup')),
    state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued',
                      'running', 'succeeded', 'failed', 'interrupted',
                      'timed_out')),
    requested_by    text NOT NULL,
    request         jsonb NOT NULL DEFAULT '{}',
    args_style      text,
    argv            jsonb,
    exit_code       integer,
    error           text,
    output_bytes    bigint NOT NULL DEFAULT 0,
    queued_at       timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz,
    runner          text,
    heartbeat_at    timestamptz
);
CREATE INDEX actions_deployment ON actions (deployment_id, id DESC);
CREATE INDEX actions_name ON actions (deployment_name, id DESC);
CREATE INDEX actions_queued ON actions (id) WHERE state = 'queued';
CREATE INDEX actions_running ON actions (heartbeat_at) WHERE state = 'running';
-- one action at a time per deployment, whatever the callers do
CREATE UNIQUE INDEX actions_one_active ON actions (deployment_id)
    WHERE state IN ('queued', 'running');

CREATE TABLE action_output (
    action_id bigint NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    seq       integer NOT NULL,
    stream    text NOT NULL CHECK (stream IN ('stdout', 'stderr')),
    data      text NOT NULL,
    at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (action_id, seq)
);

CREATE TABLE status_history (
    id              bigserial PRIMARY KEY,
    deployment_id   bigint REFERENCES deployments (id) ON DELETE SET NULL,
    deployment_name text NOT NULL,
    from_status     text,
    to_status       text NOT NULL,
    reason          text,
    actor           text NOT NULL,
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX status_history_name ON status_history (deployment_name, id);

-- Times leave the database as ISO 8601 in UTC with milliseconds.
CREATE FUNCTION octopod_iso(timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT to_char($1 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;
