-- 003: each notifier reports its websocket client count here every few
-- seconds; /metrics sums the reports that are fresh.
CREATE TABLE notifier_stats (
    instance text PRIMARY KEY,		-- host:pid
    clients  integer NOT NULL,
    seen_at  timestamptz NOT NULL DEFAULT now()
);
