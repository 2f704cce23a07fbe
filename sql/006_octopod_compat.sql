-- 006: what Octopod's users have (issue 15).
--
-- Why the last failing status check failed: its output (stdout then
-- stderr, at most 4 KiB, secret values masked), its exit code and when.
-- Kept until the next failing check replaces it; shown by GET
-- deployments/NAME as last_check_failure, the UI and octo info.
ALTER TABLE deployments
    ADD COLUMN check_output    text,
    ADD COLUMN check_exit_code integer,
    ADD COLUMN check_failed_at timestamptz;

-- A deleted override (Octopod's ValueDeleted): the key of a default is
-- removed from the deployment's effective config (value '' and unused).
ALTER TABLE overrides
    ADD COLUMN deleted boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT overrides_deleted_plain CHECK (NOT (deleted AND secret));
