-- 007: stored output has a lifetime (OUTPUT_RETENTION, docs/runner.md).
-- The runner removes the output of actions finished longer ago than that
-- and notes when, and under which retention; the action record itself
-- (who, what, when, exit code, duration) stays for ever.
ALTER TABLE actions ADD COLUMN output_removed_at timestamptz;
ALTER TABLE actions ADD COLUMN output_kept_s integer;
-- the sweep's search: finished actions whose output is still there
CREATE INDEX actions_output_kept ON actions (finished_at)
    WHERE output_removed_at IS NULL AND finished_at IS NOT NULL;
