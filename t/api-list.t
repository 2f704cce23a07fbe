#!/usr/bin/env bash
# GET deployments: cursor pagination over 1,200 deployments in every sort
# and order (no row lost or repeated), filters, and bad parameters.
FCGI_ARGS=-R
. "$(dirname "$0")/lib/stack.sh"
stack_start

sql "INSERT INTO deployments (name, tag, status, created_by, updated_by, created_at, updated_at, archived_at)
     SELECT 'd-' || lpad(g::text, 4, '0'), 'v' || (g % 7), CASE WHEN g % 10 = 0 THEN 'Archived'
       WHEN g % 10 = 1 THEN 'Failure' ELSE 'Running' END, 'seed', 'seed',
       now() - (g % 50) * interval '1 minute', now() - (g % 13) * interval '1 second',
       CASE WHEN g % 10 = 0 THEN now() END
     FROM generate_series(1, 1200) g;
     INSERT INTO overrides (deployment_id, scope, key, value, secret)
     SELECT id, 'app', 'COLOR', CASE WHEN name = 'd-0777' THEN 'ultraviolet' ELSE 'blue' END, false FROM deployments;
     INSERT INTO overrides (deployment_id, scope, key, value, secret)
     SELECT id, 'app', 'PASSWORD', 'hidden-needle', true FROM deployments WHERE name = 'd-0500'" >/dev/null

# page through everything: pages PAGE SORT ORDER -> names, one per line
pages() {
	local cur="" url n=0
	: >"$T_TMP/names"
	while :; do
		url="deployments?limit=$1&sort=$2&order=$3${cur:+&cursor=$cur}"
		ui GET "$url"
		[ "$S" = 200 ] || { echo "page failed: $S $B" >&2; return 1; }
		j '.deployments[].name' >>"$T_TMP/names"
		cur=$(j '.next_cursor // empty')
		n=$((n + 1))
		[ -z "$cur" ] && break
		[ $n -gt 100 ] && { echo "too many pages" >&2; return 1; }
	done
	echo "$n"
}
for so in name:asc name:desc created:asc created:desc updated:asc updated:desc; do
	s=${so%:*} o=${so#*:}
	n=$(pages 100 "$s" "$o")
	t_is "$n" 12 "sort=$s order=$o: 12 pages of 100"
	t_is "$(sort -u "$T_TMP/names" | wc -l)/$(wc -l <"$T_TMP/names")" 1200/1200 "sort=$s order=$o: every deployment exactly once"
	col=$( [ "$s" = name ] && echo name || echo "${s}_at" )
	want=$(sql "SELECT string_agg(name, ',' ORDER BY $col $o, id $o) FROM deployments")
	t_is "$(paste -sd, "$T_TMP/names")" "$want" "sort=$s order=$o: in the database's order"
done

ui GET 'deployments?limit=7'
t_is "$(j '.deployments|length')" 7 "limit=7 gives 7"
t_is "$(j '.deployments[0].name')" d-0001 "default sort by name"
first=$(j .next_cursor)
# rows added before the cursor do not shift the next page
sql "INSERT INTO deployments (name, tag, status, created_by, updated_by) VALUES ('a-new', 'v1', 'Running', 't', 't')" >/dev/null
ui GET "deployments?limit=7&cursor=$first"
t_is "$(j '.deployments[0].name')" d-0008 "the next page starts after the cursor, not shifted by inserts"

ui GET 'deployments?status=Failure&limit=500'
t_is "$(j '.deployments|length')/$(j '[.deployments[].status]|unique|join(",")')" 120/Failure "status=Failure: 120, all Failure"
ui GET 'deployments?status=Failure,Archived&limit=500'
t_is "$(j '.deployments|length')" 240 "status=Failure,Archived: 240"
ui GET 'deployments?status=Failure,Archived&limit=5&total=true'
t_is "$(j '.deployments|length')/$(j .total)" 5/240 "total=true counts every match, not the page"
ui GET 'deployments?limit=5'
t_is "$(j 'has("total")')" false "no total unless asked"
ui GET 'deployments?archived=true&limit=500'
t_is "$(j '.deployments|length')" 120 "archived=true: 120"
ui GET 'deployments?archived=false&limit=5'
t_is "$(j '[.deployments[].status]|map(select(.=="Archived"))|length')" 0 "archived=false: no Archived"
ui GET 'deployments?q=D-077'
t_is "$(j '[.deployments[].name]|join(",")')" "d-0770,d-0771,d-0772,d-0773,d-0774,d-0775,d-0776,d-0777,d-0778,d-0779" "q matches names, case-insensitively"
ui GET 'deployments?q=ultraviolet'
t_is "$(j '[.deployments[].name]|join(",")')" d-0777 "q matches an override value"
ui GET 'deployments?q=hidden-needle'
t_is "$(j '.deployments|length')" 0 "q never matches a secret value"
ui GET 'deployments?q=PASSWORD'
t_is "$(j '[.deployments[].name]|join(",")')" d-0500 "q matches an override key"
ui GET 'deployments?q=%25'
t_is "$(j '.deployments|length')" 0 "q=% is literal text, not a wildcard"
ui GET 'deployments?q=d_0'
t_is "$(j '.deployments|length')" 0 "q=_ is literal text, not a wildcard"
ui GET 'deployments?q=%5C'
t_is "$(j '.deployments|length')" 0 "q=\\ is literal text, not an escape"
# the search text follows every change of a deployment and its overrides
power POST deployments '{"name":"s-new","tag":"Zeta9","app_overrides":[{"key":"Shade","value":"InfraRed"}]}'
t_is "$S" 202 "a create through the API"
ui GET 'deployments?q=infrared'
t_is "$(j '[.deployments[].name]|join(",")')" s-new "q finds the override value of a new deployment"
ui GET 'deployments?q=zeta9'
t_is "$(j '[.deployments[].name]|join(",")')" s-new "and its tag"
sql "UPDATE overrides SET value = 'infrablue' WHERE value = 'ultraviolet'" >/dev/null
ui GET 'deployments?q=ultraviolet'
t_is "$(j '.deployments|length')" 0 "an old override value is no longer found"
ui GET 'deployments?q=infrablue'
t_is "$(j '[.deployments[].name]|join(",")')" d-0777 "its new value is"
sql "UPDATE overrides SET secret = true WHERE value = 'infrablue'" >/dev/null
ui GET 'deployments?q=infrablue'
t_is "$(j '.deployments|length')" 0 "a value made secret is no longer found"
sql "DELETE FROM overrides WHERE key = 'PASSWORD'" >/dev/null
ui GET 'deployments?q=password'
t_is "$(j '.deployments|length')" 0 "a deleted override key is no longer found"
sql "UPDATE deployments SET tag = 'omega77' WHERE name = 'd-0001'" >/dev/null
ui GET 'deployments?q=OMEGA77'
t_is "$(j '[.deployments[].name]|join(",")')" d-0001 "a new tag is found"
ui GET 'deployments?q=blue%0Av1'
t_is "$S/$(j .error.code)" 400/invalid "q with a control character: 400"
ui GET 'deployments?q=v3&status=Running&limit=500'
t_is "$(j '[.deployments[]|select(.tag!="v3" or .status!="Running")]|length')" 0 "filters combine"

for bad in 'status=Nope' 'archived=maybe' 'limit=0' 'limit=501' 'limit=x' 'sort=size' 'order=up' 'cursor=zz' 'cursor=n00' 'q=%ff' 'q=%zz' 'total=yes'; do
	ui GET "deployments?$bad"
	t_is "$S/$(j .error.code)" 400/invalid "bad parameter $bad: 400"
done
ui GET "deployments?sort=created&cursor=$first"
t_is "$S/$(j .error.code)" 400/invalid "a cursor of another sort: 400"
# the search uses the trigram indexes, also after many requests on each
# connection (a prepared statement would settle on a generic plan that
# scans): the page's through deployment_search's (sql/009), the count
# through deployments' (sql/004)
if [ "$(sql "SELECT count(*) FROM pg_indexes WHERE indexname = 'deployments_search'")" = 1 ]; then
	# enough rows that a scan is dearer than the index
	sql "INSERT INTO deployments (name, tag, status, created_by, updated_by)
	     SELECT 'bulk-' || g, 'v1', 'Running', 'seed', 'seed' FROM generate_series(1, 30000) g;
	     ANALYZE deployments" >/dev/null
	# as autovacuum leaves it (sql/009: at 1% of its rows changed), which
	# merges the trigram index's pending entries into it; without it the
	# planner read the whole table for the page instead
	sql "VACUUM ANALYZE deployment_search" >/dev/null
	scans() { sql "SELECT sum(idx_scan) FROM pg_stat_user_indexes
	    WHERE indexrelname IN ('deployments_search', 'deployment_search_tail')"; }
	before=$(scans)
	for i in $(seq 1 60); do
		curl -sS -o /dev/null --cacert "$OCTOPOD_VAR/tls/ca.pem" -u "$UI_CRED" \
		    "https://localhost:$UI_PORT/api/v1/deployments?q=ultra$i&total=true"
	done
	# each backend reports its counts when idle, within about 10 s
	for i in $(seq 1 200); do
		[ "$(scans)" -ge $((before + 120)) ] && break
		sleep 0.1
	done
	t_ok "60 searches (and their counts) used the trigram indexes ($before -> $(scans))" \
	    test "$(scans)" -ge $((before + 120))
else
	t_result 0 "# SKIP pg_trgm is not installed"
fi
t_done
