-- 004: the list's search without a scan of every override. Each deployment
-- keeps what a search may match (name, tag, override keys, values of the
-- overrides that are not secret), lowercased, one field per line; triggers
-- keep it right in the transaction that changes a deployment or its
-- overrides. With pg_trgm (PostgreSQL's contrib, a trusted extension) a
-- trigram index serves `search LIKE '%text%'`; without it the search scans
-- one short column instead of every override.

CREATE FUNCTION octopod_search(dep bigint, name text, tag text)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT lower(name || E'\n' || tag || coalesce((SELECT string_agg(E'\n' ||
        o.key || CASE WHEN o.secret THEN '' ELSE E'\n' || o.value END, ''
        ORDER BY o.scope, o.key) FROM overrides o WHERE o.deployment_id = dep), ''))
$$;

ALTER TABLE deployments ADD COLUMN search text NOT NULL DEFAULT '';
UPDATE deployments SET search = octopod_search(id, name, tag);

CREATE FUNCTION octopod_search_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search := octopod_search(NEW.id, NEW.name, NEW.tag);
    RETURN NEW;
END
$$;
CREATE TRIGGER deployments_search BEFORE INSERT OR UPDATE OF name, tag
    ON deployments FOR EACH ROW EXECUTE FUNCTION octopod_search_row();

-- once per statement on overrides, for every deployment it touched
CREATE FUNCTION octopod_search_overrides() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE deployments d SET search = octopod_search(d.id, d.name, d.tag)
        WHERE d.id IN (SELECT deployment_id FROM old_rows);
    ELSIF TG_OP = 'INSERT' THEN
        UPDATE deployments d SET search = octopod_search(d.id, d.name, d.tag)
        WHERE d.id IN (SELECT deployment_id FROM new_rows);
    ELSE
        UPDATE deployments d SET search = octopod_search(d.id, d.name, d.tag)
        WHERE d.id IN (SELECT deployment_id FROM new_rows
            UNION SELECT deployment_id FROM old_rows);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER overrides_search_ins AFTER INSERT ON overrides
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION octopod_search_overrides();
CREATE TRIGGER overrides_search_upd AFTER UPDATE ON overrides
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION octopod_search_overrides();
CREATE TRIGGER overrides_search_del AFTER DELETE ON overrides
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION octopod_search_overrides();

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') AND
        EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        BEGIN
            CREATE EXTENSION pg_trgm;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'no right to create pg_trgm: the search scans deployments';
        END;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        -- the operator class of the schema pg_trgm lives in, whatever
        -- the search_path
        EXECUTE format('CREATE INDEX deployments_search ON deployments'
            ' USING gin (search %I.gin_trgm_ops)', (SELECT n.nspname
            FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = 'pg_trgm'));
    ELSE
        RAISE NOTICE 'pg_trgm is not available: the search scans deployments';
    END IF;
END
$$;
