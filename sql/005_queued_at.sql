-- 005: an action's queued_at is the moment its row is written, not the
-- start of the transaction that queues it: a create's transaction also
-- runs config_check (seconds, at times), which is no time in the queue.
ALTER TABLE actions ALTER COLUMN queued_at SET DEFAULT clock_timestamp();
