-- 006: why the last failing status check failed (issue 15): its output
-- (stdout then stderr, at most 4 KiB, secret values masked), its exit
-- code and when. Kept until the next failing check replaces it; shown by
-- GET deployments/NAME as last_check_failure, the UI and octo info.
ALTER TABLE deployments
    ADD COLUMN check_output    text,
    ADD COLUMN check_exit_code integer,
    ADD COLUMN check_failed_at timestamptz;
