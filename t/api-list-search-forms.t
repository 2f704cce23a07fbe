#!/usr/bin/env bash
# The search's page is the union of a range of names and a trigram index
# on the rest of the search text in a coded form (sql/013_search_prefix.sql,
# fcgi/queries.h SEARCH_SQL). It must give what a plain substring test of
# the search text gives, for texts that start names, sit inside them, span
# punctuation, hold the characters the form codes (`-`, `%`, `_`, `\`,
# a space) or the letters of the codes (`z`, `zce`), sit in a field after
# the name, or sit in a text too long for the name index:
# every match once, in byte order by name, both orders, page after page.
FCGI_ARGS=-R
. "$(dirname "$0")/lib/stack.sh"
stack_start

long=$(head -c 2100 /dev/zero | tr '\0' y)
sql "INSERT INTO deployments (name, tag, status, created_by, updated_by)
     SELECT n, t, CASE WHEN n IN ('a-b-c', 'zz-top') THEN 'Archived' ELSE 'Running' END,
       'seed', 'seed'
     FROM unnest(ARRAY['a', 'a-b', 'ab', 'a-b-c', 'azb', 'abz', 'dz12', 'd-12', 'd-120',
       'd-1', 'x-d-12', 'z', 'zz-top', 'zce', 'q-1', 'q1', 'b-a', 'ba', 'a0-b', 'a-0b',
       'm-12', 'n-d-12a', 'long-1', 'long-2', 'e-x'],
       ARRAY['v1', 'v1.2_3', 'a-b', 'v2', 'v1', 'zb', 'v1', 'v2', 'v12', 'v1', 'v1',
       'v1', 'v1', 'v1', 'v1', 'v1', 'v1', 'v1', 'v1', 'v1', 'd-12', 'v1', 'v1', 'v1', 'v1'])
       AS s(n, t);
     INSERT INTO overrides (deployment_id, scope, key, value, secret)
     SELECT d.id, 'app', o.k, o.v, o.s FROM deployments d JOIN (VALUES
       ('a', 'URL', 'http://a-b.example/x?y=1%', false),
       ('ab', 'PCT', '50%_off', false),
       ('abz', 'PATH', 'c:\\dir\\a-b', false),
       ('dz12', 'NOTE', E'two\nlines d-12', false),
       ('q-1', 'SECRET_A', 'a-b-secret', true),
       ('q1', 'UPPER', 'A-B ZCE zce', false),
       ('b-a', 'SPACE', 'a b', false),
       ('ba', 'TAB', E'a\tb', false),
       ('e-x', 'UNICODE', 'größe-a-b', false),
       ('long-1', 'BLOB', '$long' || ' d-12 a-b', false),
       ('long-2', 'BLOB', '$long', false)) AS o(n, k, v, s) ON d.name = o.n" >/dev/null
sql "ANALYZE deployments; ANALYZE deployment_search" >/dev/null
t_is "$(sql "SELECT count(*) FROM deployment_search WHERE octet_length(tail) > 2000")" 2 \
    "two search texts are longer than the name index holds"

# every page of q (limit 3), ORDER -> the names joined by commas
pages() {
	local cur="" got="" n=0 qe
	qe=$(jq -rn --arg q "$1" '$q|@uri')
	while :; do
		ui GET "deployments?q=$qe&archived=false&limit=3&order=$2${cur:+&cursor=$cur}"
		[ "$S" = 200 ] || { echo "page failed: $S $B" >&2; return 1; }
		got="$got${got:+,}$(j '[.deployments[].name]|join(",")')"
		cur=$(j '.next_cursor // empty')
		n=$((n + 1))
		[ -z "$cur" ] && break
		[ $n -gt 30 ] && { echo "too many pages" >&2; return 1; }
	done
	printf '%s' "${got%,}"
}
# the plain substring test of the search text (sql/004), as LIST_WHERE has it
want() {
	sql "SELECT coalesce(string_agg(name, ',' ORDER BY name COLLATE \"C\" $2, id $2), '')
	    FROM deployments WHERE status NOT IN ('Archived', 'CleanupFailed')
	    AND search LIKE '%' || replace(replace(replace(lower(\$q\$$1\$q\$), '\\', '\\\\'),
	    '%', '\\%'), '_', '\\_') || '%'"
}
for q in a a- a-b A-B ab azb abz z zz zce ZCE - -- -1 1 12 d-12 d-1 D-1 x-d 2a \
    _ % '\' 'a_b' 'a%b' '50%_' 'v1.2' '.2_' 'b-' 'c:\dir' 'a b' \
    'größe' 'öß' 'y d-12' \
    yyyy secret 'a-b-secret' qqq; do
	for o in asc desc; do
		got=$(pages "$q" "$o")
		t_is "$got" "$(want "$q" "$o")" "q=$(printf '%q' "$q") order=$o: the substring test's rows, in order"
	done
done
t_done
