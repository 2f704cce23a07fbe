-- 009: the first page of a broad search without visiting every match.
-- The trigram index (sql/004) finds all matches, and the list then sorts
-- them to return the first 50: 1% of 100,000 deployments is 1,111 rows
-- read for 50 shown (3.2 ms). deployment_search holds, for each
-- deployment, what the search filters on (name, status, the search text
-- of sql/004), kept by triggers in the transaction of each change; its
-- index in the list's name order holds all of it, so that an index-only
-- scan in name order tests each entry without reading a table and stops
-- at the page's end (fcgi/queries.h SQL_SEARCH_NAME_*). A table of its own
-- because an index-only scan reads the table for every page not marked
-- all-visible: deployments' pages are written by every status check
-- (checked_at), this table's only when a name, tag, status or override
-- changes. The planner takes its trigram index instead when the estimate
-- says the search is narrow. A btree entry holds at most ~2,700 bytes: a
-- deployment whose search text is longer (large override values) is left
-- out of the name index and found through the second, small one (the
-- query's other branch).
CREATE TABLE deployment_search (
    id      bigint PRIMARY KEY REFERENCES deployments (id) ON DELETE CASCADE,
    name    text NOT NULL,
    status  text NOT NULL,
    search  text NOT NULL
);
-- its pages must stay all-visible for the index-only scan: vacuumed after
-- 1% of its rows changed, not 20% (it is narrow: cheap to vacuum)
ALTER TABLE deployment_search SET (autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_vacuum_insert_scale_factor = 0.01);
INSERT INTO deployment_search (id, name, status, search)
    SELECT id, name, status, search FROM deployments;

CREATE FUNCTION octopod_search_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO deployment_search (id, name, status, search)
    VALUES (NEW.id, NEW.name, NEW.status, NEW.search)
    ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,
        status = EXCLUDED.status, search = EXCLUDED.search;
    RETURN NULL;
END
$$;
CREATE TRIGGER deployments_search_copy_ins AFTER INSERT ON deployments
    FOR EACH ROW EXECUTE FUNCTION octopod_search_copy();
-- tag: sql/004's trigger rewrites search when the tag changes
CREATE TRIGGER deployments_search_copy_upd
    AFTER UPDATE OF name, tag, status, search ON deployments
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR
        OLD.status IS DISTINCT FROM NEW.status OR
        OLD.search IS DISTINCT FROM NEW.search)
    EXECUTE FUNCTION octopod_search_copy();

CREATE INDEX deployment_search_name ON deployment_search (name, id)
    INCLUDE (status, search) WHERE octet_length(search) <= 2000;
CREATE INDEX deployment_search_long ON deployment_search (name, id)
    WHERE octet_length(search) > 2000;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE format('CREATE INDEX deployment_search_trgm ON'
            ' deployment_search USING gin (search %I.gin_trgm_ops)',
            (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n
            ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'));
    END IF;
END
$$;
ANALYZE deployment_search;
