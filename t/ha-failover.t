#!/usr/bin/env bash
# The database fails over under load, and nothing accepted is lost: a real
# Patroni cluster (t/lib/patroni.sh: etcd + two PostgreSQL 15 nodes,
# synchronous_mode) under octopod-c, reached with a multi-host
# DATABASE_URL (target_session_attrs=read-write). Under a load of creates,
# updates, archives and reads the primary's machine dies (SIGKILL of its Patroni and
# of all its PostgreSQL processes), twice: the second time the other node,
# after the first has rejoined. What must hold:
#   - every request answered 2xx has its change and its action in the
#     database after the failovers; every such action ends, its script
#     started once;
#   - meanwhile only 503 (with Retry-After), never a 500, a 502/504 or a
#     hang past the client's timeout; service back within Patroni's own
#     promotion time + HA_BACK_SLACK seconds;
#   - no action left running or run twice; interrupted ones marked so;
#   - the notifier reconnects, tells its clients to resync, events flow.
# HA_SYNC=0 runs the cluster asynchronously, with the standby's WAL
# receiver stopped from a moment before each kill and killed with it (a
# standby behind, as over a real network; on one machine it is never more
# than milliseconds behind): then the test reports what was lost
# (docs/deployment.md).
: "${CONTROL_SCRIPTS_DIR:=$(cd "$(dirname "$0")" && pwd)/fixtures/slow}"
export CONTROL_SCRIPTS_DIR
export FAULT_SLEEP=${FAULT_SLEEP:-0.3}
export HEARTBEAT_INTERVAL=1 KILL_GRACE=1 STATUS_CHECK_INTERVAL=1
. "$(dirname "$0")/lib/stack.sh"
. "$(dirname "$0")/lib/ws.sh"
. "$(dirname "$0")/lib/patroni.sh"

HA_BACK_SLACK=${HA_BACK_SLACK:-5}	# seconds after the promotion
CLIENT_TIMEOUT=8			# each request's curl --max-time
LOAD=$T_TMP/load

t_cleanup_hook() {
	load_stop
	ws_cleanup
	stack_stop
	ha_stop
	if [ "${KEEP:-0}" = 1 ]; then
		cp -r "$T_TMP" "$T_TMP.kept"
		echo "# kept $T_TMP.kept" >&2
	fi
}

# req LOOP OP NAME METHOD PATH [BODY]: one request through the power door;
# one line in $LOAD.LOOP: start op name status seconds retry-after, then
# the action's id (202) or the error's code (or -)
req() {
	local l=$1 op=$2 name=$3 method=$4 path=$5 body=${6-} t0 w a=- args
	args=(-sS -o "$LOAD.$l.body" -m "$CLIENT_TIMEOUT" -X "$method"
	    -w '%{http_code} %{time_total} ra=%header{retry-after}'
	    --cacert "$OCTOPOD_VAR/tls/ca.pem" --cert "$OCTOPOD_VAR/tls/octo.pem"
	    --key "$OCTOPOD_VAR/tls/octo-key.pem")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	t0=$(ha_now)
	: >"$LOAD.$l.body"
	w=$(curl "${args[@]}" "https://localhost:$POWER_PORT/api/v1/$path" 2>/dev/null)
	case "$w" in
	202\ *) a=$(jq -r '.action.id // "-"' "$LOAD.$l.body" 2>/dev/null) ;;
	2*) ;;
	*) a=$(jq -r '.error.code // "-"' "$LOAD.$l.body" 2>/dev/null) ;;
	esac
	echo "$t0 $op $name ${w:-000 0 ra=} ${a:--}" >>"$LOAD.$l"
}

# load_start LOOP: round i creates LOOP-i, reads LOOP-(i-5), archives
# LOOP-(i-15) (so that the status checks stay few), and every third
# round updates LOOP-(i-9) to tag u-LOOP-i; until load_stop
LOAD_PIDS=""
load_start() {
	local l=$1
	: >"$LOAD.$l"
	(
		i=0
		while [ ! -e "$LOAD.stop" ]; do
			i=$((i + 1))
			req "$l" create "$l-$i" POST deployments "{\"name\":\"$l-$i\",\"tag\":\"v1\"}"
			[ "$i" -gt 5 ] && req "$l" read "$l-$((i - 5))" GET "deployments/$l-$((i - 5))"
			[ "$i" -gt 9 ] && [ $((i % 3)) = 0 ] &&
			    req "$l" update "$l-$((i - 9))" PATCH "deployments/$l-$((i - 9))" \
			    "{\"tag\":\"u-$l-$i\"}"
			[ "$i" -gt 15 ] &&
			    req "$l" archive "$l-$((i - 15))" POST "deployments/$l-$((i - 15))/archive"
			sleep 0.1
		done
	) &
	LOAD_PIDS="$LOAD_PIDS $!"
}
load_stop() {
	local p
	touch "$LOAD.stop"
	for p in $LOAD_PIDS; do wait "$p" 2>/dev/null; done
	LOAD_PIDS=""
}
loads() { cat "$LOAD".[a-z] 2>/dev/null; }

# n_2xx_since T: requests started after T and answered 2xx
n_2xx_since() {
	loads | awk -v t="$1" '$1 > t && $4 ~ /^2/' | wc -l
}
have_2xx_since() { [ "$(n_2xx_since "$1")" -ge "$2" ]; }
wait_2xx_since() {	# wait_2xx_since T N SECONDS
	ha_until "$3" have_2xx_since "$1" "$2"
}
n_resyncs() { ws_msgs w 'select(.type == "resync")' | wc -l; }
more_resyncs() { [ "$(n_resyncs)" -gt "$1" ]; }

# window K: after the kill at K, "back w503 n503 slowest": back, the
# seconds from K to the first 2xx answer to a request started after K;
# w503, from the first 503 to the end of the last one before that
window() {
	loads | sort -n | awk -v k="$1" '
	$1 > k - 1 {
		end = $1 + $5
		if ($4 == 503 && (back == "" || $1 < back_t)) {
			if (f == "") f = $1
			l = end; n++
		}
		if ($1 > k && $4 ~ /^2/ && back == "") { back = end - k; back_t = $1 }
		if ($1 > k && (back == "" || $1 < back_t) && $5 > slow) slow = $5
	}
	END { printf "%s %.1f %d %.2f\n", back == "" ? "none" : sprintf("%.1f", back),
	    n ? l - f : 0, n, slow }'
}

ha_start
t_diag "cluster: etcd :$HA_ETCD_CLIENT, node 1 :$HA_PG_1, node 2 :$HA_PG_2, synchronous_mode: $([ "$HA_SYNC" = 1 ] && echo true || echo false)"
STACK_DATABASE_URL=$HA_URL stack_start
t_like "$DATABASE_URL" "host=127.0.0.1,127.0.0.1 port=*target_session_attrs=read-write*" \
    "octopod-c runs on the cluster's multi-host DATABASE_URL"
ws_watch w --sub '{"subscribe":"list"}' --timeout 600 ||
    t_diag "the websocket client did not start"

load_start a
load_start b
wait_2xx_since 0 60 60 || t_diag "few requests answered before the first kill"

BOUND_FAILED=0
for round in 1 2; do
	before=$(ha_primary)
	resyncs=$(n_resyncs)
	if [ "$HA_SYNC" = 0 ]; then
		ha_lag_standby
		lag_at=$(ha_now)
		wait_2xx_since "$lag_at" 10 30
		t_diag "round $round: the standby's WAL receiver stopped $(echo "$(ha_now) $lag_at" |
		    awk '{printf "%.1f", $1 - $2}') s before the kill"
	fi
	ha_kill_primary
	K=$HA_KILL_AT
	KILLS="${KILLS:-} $K"
	# what the stopped receiver's socket holds is dropped with it
	ha_lag_drop
	t_diag "round $round: node $before killed; $(loads | awk -v k="$K" '$4 ~ /^2/ && $1 + $5 < k' | wc -l) requests answered 2xx before"
	promo=$(ha_wait_primary 90) || promo=none
	t_isnt "$promo" none "round $round: node $((3 - before)) promoted after node $before died"
	# service back: a 2xx to a request started after the kill
	wait_2xx_since "$K" 3 60
	read -r back w503 n503 slowest <<<"$(window "$K")"
	t_diag "round $round: promotion ${promo} s after the kill; service back after ${back} s; 503 window ${w503} s ($n503 answers 503); slowest request ${slowest} s"
	t_ok "round $round: the load saw the failover (503s)" test "$n503" -gt 0
	bound=$(awk -v p="$promo" -v s="$HA_BACK_SLACK" 'BEGIN { print (p == "none" ? 60 : p + s) }')
	t_ok "round $round: service back within the promotion + $HA_BACK_SLACK s ($back s <= $bound s)" \
	    awk -v b="$back" -v m="$bound" 'BEGIN { exit !(b != "none" && b <= m) }'
	# the notifier: a resync, then events of changes made after the failover
	t_ok "round $round: the websocket client is told to resync" \
	    ha_until 30 more_resyncs "$resyncs"
	name=$(loads | sort -n | awk -v k="$K" -v b="$back" \
	    '$1 > k + b && $2 == "create" && $4 == 202 { print $3; exit }')
	if [ -z "$name" ]; then
		wait_2xx_since "$K" 20 30
		name=$(loads | sort -n | awk -v k="$K" -v b="$back" \
		    '$1 > k + b && $2 == "create" && $4 == 202 { print $3; exit }')
	fi
	t_ok "round $round: it sees events of a create after the failover (${name:-none})" \
	    ws_wait w "select(.event.name == \"${name:-none}\")" 30
	if [ "$round" = 1 ]; then
		t0=$(ha_now)
		t_ok "node $before rejoins as the $([ "$HA_SYNC" = 1 ] && echo sync standby || echo replica)" \
		    ha_rejoin 120
		t_diag "node $before rejoined in $(echo "$(ha_now) $t0" | awk '{printf "%.1f", $1 - $2}') s"
		wait_2xx_since "$(ha_now)" 20 60
	fi
done
wait_2xx_since "$(ha_now)" 10 60
load_stop

# what the load saw
t_diag "answers: $(loads | awk '{print $2 ":" $4}' | sort | uniq -c | tr -s ' \n' ' ')"
t_is "$(loads | awk '$4 !~ /^(2..|404|409|503)$/ {print $2 ":" $4}' | sort | uniq -c |
    tr -s ' \n' ' ')" "" "no answer but 2xx, 404, 409 and 503 (no 500, 502, 504, no hang past ${CLIENT_TIMEOUT} s)"
t_is "$(loads | awk '$4 == 503 && $6 != "ra=2"' | wc -l)" 0 "every 503 carries Retry-After"
t_is "$(loads | awk '$4 == 503 {print $7}' | sort | uniq -c | tr -s ' \n' ' ')" \
    " $(loads | awk '$4 == 503' | wc -l) database_unavailable " "every 503 says database_unavailable"

# every accepted change and its action are in the database
loads | awk '$4 == 202 && $2 == "create" {print $3}' | sort -u >"$T_TMP/acc.create"
loads | awk '$4 == 202 {print $7}' | grep -E '^[0-9]+$' | sort -u >"$T_TMP/acc.action"
loads | awk '$4 == 202 && $2 == "update" {print $7, $3}' >"$T_TMP/acc.update"
n_acc=$(wc -l <"$T_TMP/acc.action")
t_ok "requests were accepted ($n_acc actions, $(wc -l <"$T_TMP/acc.update") of them updates)" \
    test "$(wc -l <"$T_TMP/acc.update")" -gt 0

t_is "$(wait_sql "SELECT count(*) FROM actions WHERE state IN ('queued','running')" 0 90)" 0 \
    "no action left queued or running"
ids=$(paste -sd, "$T_TMP/acc.action")
sql "SELECT name FROM deployments" | sort >"$T_TMP/db.deps"
sql "SELECT id, kind, deployment_name, state, coalesce(request->>'tag', '') FROM actions
    WHERE id IN (${ids:-0})" -F ' ' | sort >"$T_TMP/db.actions"
lost_deps=$(comm -23 "$T_TMP/acc.create" "$T_TMP/db.deps" | tr '\n' ' ')
# by id, kind and deployment: a database that lost actions may give
# their ids to new ones
loads | awk '$4 == 202 && $7 ~ /^[0-9]+$/ {print $7, $2, $3}' | sort -u >"$T_TMP/acc.idkind"
lost_actions=$(cut -d' ' -f1-3 "$T_TMP/db.actions" | sort | comm -23 "$T_TMP/acc.idkind" - |
    awk '{print $1 "(" $2 " " $3 ")"}' | tr '\n' ' ')
t_is "$lost_deps" "" "every accepted create has its deployment ($(wc -l <"$T_TMP/acc.create") accepted)"
t_is "$lost_actions" "" "every accepted action is in the database ($n_acc accepted, $(wc -l <"$T_TMP/db.actions") present)"
t_is "$(awk '$4 !~ /^(succeeded|failed|interrupted|timed_out)$/' "$T_TMP/db.actions" | wc -l)" 0 \
    "every accepted action ended in a terminal state"
# an update of a deployment whose update the database lost shows the old tag
t_is "$(while read -r id name; do
	grep -q "^$id update $name " "$T_TMP/db.actions" || echo "$id"
done <"$T_TMP/acc.update" | tr '\n' ' ')" "" "every accepted update has its update action"

# the scripts: each accepted action started its script at most once, a
# succeeded one exactly once (t/fixtures/slow logs every start); the
# argv names the deployment, and for an update the new tag
awk '$1 ~ /^(create|update|archive)$/ {
	name = tag = ""
	for (i = 2; i < NF; i++) {
		if ($i == "--name") name = $(i + 1)
		if ($i == "--tag") tag = $(i + 1)
	}
	print $1, name, ($1 == "update" ? tag : "-")
}' "$OCTOPOD_VAR/starts.log" | sort | uniq -c | awk '{print $2, $3, $4, $1}' >"$T_TMP/starts"
runs=$(awk 'NR == FNR { n[$1 " " $2 " " $3] = $4; next }
	{ k = $2 " " $3 " " ($2 == "update" ? $5 : "-"); print $1, $4, n[k] + 0 }' \
    "$T_TMP/starts" "$T_TMP/db.actions")
once=$(echo "$runs" | awk '$3 == 1' | grep -c .)
interrupted=$(echo "$runs" | awk '$2 == "interrupted"' | grep -c .)
t_is "$(echo "$runs" | awk '$3 > 1 {print $1 ":" $3}' | tr '\n' ' ')" "" \
    "no accepted action started its script twice"
t_is "$(echo "$runs" | awk '$2 == "succeeded" && $3 != 1 {print $1 ":" $3}' | tr '\n' ' ')" "" \
    "every succeeded action ran its script exactly once"
t_is "$(grep -o -- '^create .*--name [^ ]*' "$OCTOPOD_VAR/starts.log" | sort | uniq -d | wc -l)" 0 \
    "no create script started twice for one name"
t_is "$(sql "SELECT count(*) FROM actions WHERE state = 'interrupted' AND
    (error IS NULL OR error NOT LIKE 'interrupted%')")" 0 \
    "interrupted actions say so (error: interrupted …)"
# the runner's claims carry over: the actions running at a kill
for K in $KILLS; do
	t_diag "running at the kill at $K: $(sql "SELECT coalesce(string_agg(n || ' ' || state,
	    ', '), 'none') FROM (SELECT state, count(*) AS n FROM actions WHERE
	    started_at <= to_timestamp($K) AND coalesce(finished_at, now()) > to_timestamp($K)
	    GROUP BY state) s") (now)"
done
t_diag "accepted $n_acc actions ($(wc -l <"$T_TMP/acc.create") creates); present after the failovers $(wc -l <"$T_TMP/db.actions"); started once $once; interrupted $interrupted"
if [ -n "$lost_deps$lost_actions" ]; then
	t_diag "LOST (answered 202, not in the database): deployments: ${lost_deps:-none}; actions: ${lost_actions:-none}"
	ran=$(for d in $lost_deps; do
		grep -q -- "^create .*--name $d\( \|\$\)" "$OCTOPOD_VAR/starts.log" && echo "$d"
	done | tr '\n' ' ')
	t_diag "lost creates whose script had started all the same: ${ran:-none}"
fi

t_ok "the notifier LISTENed again after each failover" \
    test "$(grep -c 'listening on channel' "$OCTOPOD_VAR/log/octopod-notifier.log")" -ge 3
t_ok "octopod-fcgi is still running" kill -0 "$FCGI_PID"
t_ok "the notifier is still running" kill -0 "$NOTIFIER_PID"
ws_done
