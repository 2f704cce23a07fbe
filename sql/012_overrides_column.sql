-- 012: a deployment's overrides as the API shows them, kept on the row.
-- The list read them per row with a subquery over overrides (an index
-- scan, a sort and an aggregate for each of the page's rows: 57% of a
-- list page's SQL, 0.47 of 0.82 ms for 51 rows). The triggers of sql/004,
-- which rewrite deployments.search in the transaction of every change of
-- overrides, now write this column too. The form is fcgi/queries.h's
-- (DEP_COLUMNS; fcgi/resp_deployments.c reads it): per override, ordered
-- by scope and key, the scope's first letter, 't' (secret: no value), 'x'
-- (a default removed: no value) or 'f', then "<bytes>:<key>", then for
-- 'f' "<bytes>:<value>". A secret's value is never in it.
CREATE FUNCTION octopod_overrides_shown(dep bigint)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(left(o.scope, 1) || CASE WHEN o.deleted
        THEN 'x' || octet_length(o.key) || ':' || o.key WHEN o.secret
        THEN 't' || octet_length(o.key) || ':' || o.key
        ELSE 'f' || octet_length(o.key) || ':' || o.key ||
        octet_length(o.value) || ':' || o.value END, '' ORDER BY o.scope,
        o.key), '') FROM overrides o WHERE o.deployment_id = dep
$$;

ALTER TABLE deployments ADD COLUMN overrides_shown text NOT NULL DEFAULT '';
UPDATE deployments d SET overrides_shown = octopod_overrides_shown(d.id)
    WHERE EXISTS (SELECT 1 FROM overrides o WHERE o.deployment_id = d.id);

CREATE OR REPLACE FUNCTION octopod_search_overrides() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE deployments d SET search = octopod_search(d.id, d.name, d.tag),
            overrides_shown = octopod_overrides_shown(d.id)
        WHERE d.id IN (SELECT deployment_id FROM old_rows);
    ELSIF TG_OP = 'INSERT' THEN
        UPDATE deployments d SET search = octopod_search(d.id, d.name, d.tag),
            overrides_shown = octopod_overrides_shown(d.id)
        WHERE d.id IN (SELECT deployment_id FROM new_rows);
    ELSE
        UPDATE deployments d SET search = octopod_search(d.id, d.name, d.tag),
            overrides_shown = octopod_overrides_shown(d.id)
        WHERE d.id IN (SELECT deployment_id FROM new_rows
            UNION SELECT deployment_id FROM old_rows);
    END IF;
    RETURN NULL;
END
$$;
