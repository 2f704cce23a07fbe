-- 013: a search's first page at a cost that does not grow with the number
-- of deployments when the text starts names (typing the beginning of a
-- name: the usual search). sql/009's scan in name order tests entries
-- from the start of the order until the page is full: the search `d-12`
-- at 100,000 deployments passed the 2,225 names `d-1`, `d-10…`, `d-11…`
-- first, and `d-99`, late in the order, nearly all of them.
-- Its trigram index did not help: pg_trgm splits words at punctuation,
-- so `%d-12%` asks for the words starting with `12`, which every
-- `d-12…` and every `value-12…` has (1,111 candidates for 51 rows).
--
-- The search's page is now the union of two parts (fcgi/queries.h
-- SEARCH_SQL), each stopped at a page:
-- - the text at the start of the search text, which is the start of the
--   name (names are lower-case DNS labels, lib/valid.c; the search text
--   starts with the lower-cased name, sql/004): a range of the name
--   index, in order;
-- - the text anywhere after the search text's first character: the copy
--   now keeps that tail (`tail`, for `search`) in a form whose trigrams
--   run through punctuation (below), with a trigram index of its own
--   (deployment_search_tail, for deployment_search_trgm). The planner
--   takes that index or the scan in name order by its estimate of the
--   matches, as before. The tail is stored, not computed by the query:
--   a scan of 100,000 entries testing substr() of each took 168 ms,
--   against 62 ms testing a stored text.
-- A range of names is a range of one order only in byte order: the copy's
-- names are in collation "C", and so is the list's order by name
-- (deployments_name_c), whatever the database's locale, so that a list
-- and a search give their rows in the same order.
ALTER TABLE deployment_search ALTER COLUMN name TYPE text COLLATE "C";
CREATE INDEX deployments_name_c ON deployments ((name COLLATE "C"), id);

-- The copy's search text in a form pg_trgm's trigrams run through
-- (octopod_search_key): each ASCII punctuation or white-space character
-- made a code of two upper-case letters, `Z` or `Y` then one of A-R (`-`
-- is `ZQ`: see the loop), so `d-12` is `dZQ12`. A lower-cased text holds
-- no upper-case ASCII letter, and a code starts with a letter that no
-- code goes on with, so a text holds another exactly when its form holds
-- the other's form: the search tests the form, nothing else. `%`, `_` and
-- `\` are coded too: a form is a LIKE pattern's literal text. Two letters,
-- not three: each trigram of a code then holds a character of the text
-- beside it (`dzq`, `zq1`); a trigram inside a three-letter code (`zce`
-- for every `-`) was in nearly every deployment's form, and the trigram
-- index read all of that list for each search (50 pages, 1.1-3.4 ms at
-- 100,000 deployments, for a search matching none).
-- Nested replace() calls, one per character (built here): an expression
-- PostgreSQL inlines, 36 passes in C over a short text.
DO $$
DECLARE
    p constant text := E' \t\n\r!"#$%&''()*+,-./:;<=>?@[\\]^_`{|}~';
    e text := '$1';
BEGIN
    FOR i IN 1 .. length(p) LOOP
        e := format('replace(%s, %L, %L)', e, substr(p, i, 1),
            CASE WHEN i <= 18 THEN 'Z' ELSE 'Y' END || chr(65 + (i - 1) % 18));
    END LOOP;
    EXECUTE format('CREATE FUNCTION octopod_search_key(text) RETURNS text'
        ' LANGUAGE sql IMMUTABLE PARALLEL SAFE AS %L', 'SELECT ' || e);
END
$$;

ALTER TABLE deployment_search RENAME COLUMN search TO tail;
UPDATE deployment_search s SET tail = octopod_search_key(substr(d.search, 2))
    FROM deployments d WHERE d.id = s.id;
CREATE OR REPLACE FUNCTION octopod_search_copy() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO deployment_search (id, name, status, tail)
    VALUES (NEW.id, NEW.name, NEW.status,
        octopod_search_key(substr(NEW.search, 2)))
    ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,
        status = EXCLUDED.status, tail = EXCLUDED.tail;
    RETURN NULL;
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        DROP INDEX IF EXISTS deployment_search_trgm;
        -- the operator class in pg_trgm's schema (regnamespace: quoted)
        EXECUTE format('CREATE INDEX deployment_search_tail ON'
            ' deployment_search USING gin (tail %s.gin_trgm_ops)',
            (SELECT extnamespace::regnamespace FROM pg_extension
            WHERE extname = 'pg_trgm'));
    END IF;
END
$$;
ANALYZE deployment_search;
