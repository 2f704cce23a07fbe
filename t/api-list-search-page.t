#!/usr/bin/env bash
# A broad search's first page reads the page, not every match
# (sql/009_search_first_page.sql): 20,000 deployments, one in 16 of them
# (those whose name's md5 starts with 0, ~1,250) with "needle" in an
# override value, spread over the name order. The
# first page of 50 reads about 50 rows (an index in name order holds what
# the search tests, in deployment_search, whose pages status checks do not
# write); before, every match (or every row up to the 50th match) was read.
# Same rows, order and cursors as the list in the database's order, in
# both orders, also after changes of overrides, status and a removal; a
# deployment whose search text is too long for that index (a 3,000-byte
# value) is found all the same.
FCGI_ARGS=-R
. "$(dirname "$0")/lib/stack.sh"
stack_start

long=$(head -c 3000 /dev/zero | tr '\0' x)
sql "INSERT INTO deployments (name, tag, status, created_by, updated_by, checked_at)
     SELECT 's-' || lpad(g::text, 5, '0'), 'v1', CASE WHEN g % 97 = 0 THEN 'Archived'
       ELSE 'Running' END, 'seed', 'seed', now() + interval '1 hour'
     FROM generate_series(1, 20000) g;
     INSERT INTO overrides (deployment_id, scope, key, value, secret)
     SELECT id, 'app', 'COLOR', CASE WHEN md5(name) LIKE '0%'
       THEN 'a-needle-' || id ELSE 'blue' END, false FROM deployments;
     INSERT INTO overrides (deployment_id, scope, key, value, secret)
     SELECT id, 'app', 'BLOB', '$long' || CASE WHEN name IN ('s-00027', 's-00400')
       THEN 'needle' ELSE '' END, false FROM deployments
     WHERE name IN ('s-00027', 's-00040', 's-00400')" >/dev/null
# as autovacuum leaves tables that have settled: their pages all-visible
# (a second pass marks the pages whose dead rows the first one removed)
sql "VACUUM ANALYZE deployments" >/dev/null
sql "VACUUM ANALYZE deployment_search" >/dev/null
sql "VACUUM deployments" >/dev/null
sql "VACUUM deployment_search" >/dev/null
t_is "$(sql "SELECT count(*) FROM deployments WHERE octet_length(search) > 2000")" 3 \
    "three deployments have a search text longer than the index holds"

# page through q=needle: pages LIMIT ORDER -> names, one per line
pages() {
	local cur="" n=0
	: >"$T_TMP/names"
	while :; do
		ui GET "deployments?q=needle&archived=false&limit=$1&order=$2${cur:+&cursor=$cur}"
		[ "$S" = 200 ] || { echo "page failed: $S $B" >&2; return 1; }
		j '.deployments[].name' >>"$T_TMP/names"
		cur=$(j '.next_cursor // empty')
		n=$((n + 1))
		[ -z "$cur" ] && break
		[ $n -gt 100 ] && { echo "too many pages" >&2; return 1; }
	done
	echo "$n"
}
in_order() {	# in_order WHAT: both orders, every page, against the database
	local o want n
	for o in asc desc; do
		want=$(sql "SELECT string_agg(name, ',' ORDER BY name COLLATE \"C\" $o, id $o) FROM deployments
		    WHERE search LIKE '%needle%' AND status NOT IN ('Archived', 'CleanupFailed')")
		n=$(pages 100 "$o")
		t_is "$(paste -sd, "$T_TMP/names")" "$want" "$1, order=$o: every match once, in the database's order ($n pages)"
	done
}
in_order "seeded"
t_ok "both long search texts with the word are among the matches" \
    sh -c "grep -qx s-00400 '$T_TMP/names' && grep -qx s-00027 '$T_TMP/names'"
t_ok "the long one without it is not" sh -c "! grep -qx s-00040 '$T_TMP/names'"

# matches that sit late in the name order (where a scan in name order
# reaches them last): every one, in order
sql "UPDATE overrides SET value = 'zebra-' || deployment_id WHERE key = 'COLOR'
     AND deployment_id IN (SELECT id FROM deployments WHERE name >= 's-19880')" >/dev/null
for o in asc desc; do
	cur="" got=""
	for i in 1 2 3 4 5 6; do
		ui GET "deployments?q=zebra&archived=false&limit=40&order=$o${cur:+&cursor=$cur}"
		got="$got${got:+,}$(j '[.deployments[].name]|join(",")')"
		cur=$(j '.next_cursor // empty')
		[ -z "$cur" ] && break
	done
	t_is "$got" "$(sql "SELECT string_agg(name, ',' ORDER BY name $o, id $o) FROM deployments
	    WHERE search LIKE '%zebra%' AND status <> 'Archived'")" "late matches, order=$o: every one, in order"
done

# a round of status checks writes every deployment (checked_at)
sql "UPDATE deployments SET checked_at = now() + interval '1 hour'" >/dev/null

# deployment_search's pages all-visible, as (auto)vacuum leaves them
# (sql/011: also those of the few rows the late matches changed, whose
# dead line pointers a VACUUM that skips the indexes leaves). A VACUUM
# cannot mark what a snapshot still open elsewhere (an autovacuum ANALYZE,
# on a busy machine) may not see, so vacuum until pg_class.relallvisible,
# which VACUUM sets, reaches relpages
visible() { sql "VACUUM deployment_search" >/dev/null
	sql "SELECT relallvisible || '/' || relpages FROM pg_class WHERE relname = 'deployment_search'"; }
for i in $(seq 1 240); do
	v=$(visible)
	[ "${v%/*}" = "${v#*/}" ] && break
	sleep 0.5
done
t_ok "deployment_search's pages are all-visible ($v)" test "${v%/*}" = "${v#*/}"

# rows of deployments read (heap fetches of index scans, sequential
# scans) and the lookups of deployments by id (every page looks up its 50
# rows and the long branch's 2: how we know the responder's counts have
# arrived)
reads() { sql "SELECT sum(coalesce(idx_tup_fetch, 0) + seq_tup_read) FROM pg_stat_user_tables
    WHERE relname IN ('deployments', 'deployment_search')"; }
ovr() { sql "SELECT coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'deployments'"; }
# each backend reports its counts when idle, at most 10 s later: settled
# when they have not moved for 11 s
settle() {
	local i a b=-1 same=0
	for i in $(seq 1 60); do
		a=$(reads)/$(ovr)
		if [ "$a" = "$b" ]; then
			same=$((same + 1))
			[ "$same" -ge 11 ] && return 0
		else
			same=0
		fi
		b=$a
		sleep 1
	done
}
settle
r0=$(reads) o0=$(ovr)
for i in 1 2 3 4 5 6 7 8 9 10; do
	ui GET 'deployments?q=needle&archived=false&limit=50'
done
t_is "$S/$(j '.deployments|length')" 200/50 "the first page: 50"
for i in $(seq 1 200); do
	[ "$(ovr)" -ge $((o0 + 500)) ] && break
	sleep 0.1
done
t_ok "the counts of the 10 pages arrived ($o0 -> $(ovr) lookups of deployments)" test "$(ovr)" -ge $((o0 + 500))
r=$(( ($(reads) - r0) / 10 ))
t_ok "a first page read $r rows of deployments and deployment_search (<= 80 for 50 shown; $(sql "SELECT count(*) FROM deployments WHERE search LIKE '%needle%'") match)" test "$r" -le 80

# a text that starts names, late in the name order (s-1…: after the
# 9,999 names s-0…): its page from a range of the name index
# (sql/013_search_prefix.sql), not a scan of the names before it nor
# every name with a word starting "1" through the trigram index. Index
# entries read (idx_tup_read, every index of deployment_search) a page
entries() { sql "SELECT sum(idx_tup_read) FROM pg_stat_user_indexes WHERE relname = 'deployment_search'"; }
settle
e0=$(entries) o0=$(ovr)
for i in 1 2 3 4 5 6 7 8 9 10; do
	ui GET 'deployments?q=s-1&archived=false&limit=50'
done
t_is "$S/$(j '[.deployments[].name]|join(",")')" "200/$(sql "SELECT string_agg(name, ',' ORDER BY name COLLATE \"C\")
    FROM (SELECT name FROM deployments WHERE name LIKE 's-1%' AND status <> 'Archived'
    ORDER BY name COLLATE \"C\" LIMIT 50) f")" "the first page of s-1: its first 50 names"
for i in $(seq 1 200); do
	[ "$(ovr)" -ge $((o0 + 500)) ] && break
	sleep 0.1
done
r=$(( ($(entries) - e0) / 10 ))
t_ok "a first page of s-1 read $r index entries of deployment_search (<= 120 for 50 shown)" test "$r" -le 120

# the copy follows every change: a value, a status, a removal, a new one
sql "UPDATE overrides SET value = 'needle again' WHERE key = 'COLOR' AND deployment_id =
       (SELECT id FROM deployments WHERE name = 's-00003');
     UPDATE deployments SET status = 'Archived' WHERE name = (SELECT min(name) FROM deployments
       WHERE search LIKE '%needle%' AND name <> 's-00003');
     DELETE FROM deployments WHERE name = 's-00400';
     INSERT INTO deployments (name, tag, status, created_by, updated_by)
       VALUES ('s-00000', 'needle-tag', 'Running', 't', 't')" >/dev/null
in_order "after changes"
ui GET 'deployments?q=needle&archived=false&limit=3'
t_is "$(j '[.deployments[].name]|join(",")')" "$(sql "SELECT string_agg(name, ',' ORDER BY name)
    FROM (SELECT name FROM deployments WHERE search LIKE '%needle%' AND status <> 'Archived'
    ORDER BY name LIMIT 3) f")" "the new tag and the new value lead the first page"
t_is "$(sql "SELECT count(*) FROM deployments d FULL JOIN deployment_search s USING (id)
    WHERE s.id IS NULL OR d.id IS NULL OR (d.name, d.status,
    octopod_search_key(substr(d.search, 2))) IS DISTINCT FROM (s.name, s.status, s.tail)")" 0 \
    "deployment_search is deployments' copy, row for row"
t_is "$(sql "SELECT count(*) FROM deployments WHERE overrides_shown <> octopod_overrides_shown(id)")" 0 \
    "every deployment's shown overrides (sql/012) are its overrides"
t_done
