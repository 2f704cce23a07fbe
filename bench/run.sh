#!/usr/bin/env bash
# bench/run.sh: `make bench`. Starts one throw-away stack (scripts/stack.sh:
# PostgreSQL in a temp dir, octopod-fcgi, octopod-notifier, nginx with
# generated TLS, access_log off) on free ports, measures each figure next to
# its limit measured in the same run, and prints one table. See
# bench/README.md for what each row means.
#
# Knobs: RUNS (3), DUR (wrk seconds, 5), IDLE_SECS (60), N_CREATE (100),
# N_CHECKS (1000), FAN_CLIENTS (1000), UI (1; 0 skips the browser), O,
# ONLY (a space-separated subset of: get list ui ws checks create rss idle,
# and of the scale rows deep search dbsize), N_DEPLOY (10000: deployments
# seeded), SEED_HISTORY (0: finished actions with output seeded per
# deployment, and a secret and deployment overrides; bench/scale.sh sets 20).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
export O=${O:-build}
case "$O" in /*) ;; *) O="$TOP/$O" ;; esac
RUNS=${RUNS:-3}
DUR=${DUR:-5}
IDLE_SECS=${IDLE_SECS:-60}
N_CREATE=${N_CREATE:-100}
N_CHECKS=${N_CHECKS:-1000}
FAN_CLIENTS=${FAN_CLIENTS:-1000}
N_BARE=2000 N_ONE=1000 N_FAN=200
N_DEPLOY=${N_DEPLOY:-10000}
SEED_HISTORY=${SEED_HISTORY:-0}
NF=$(printf "%'d" "$N_DEPLOY" 2>/dev/null || echo "$N_DEPLOY")
THREADS_TOTAL=$(( ${RESPONDERS:-2} * ${THREADS:-4} ))

for b in barefcgi barepq stamp pgnotify barerelay servertime; do
	[ -x "$O/bench/$b" ] || { echo "bench: $O/bench/$b is missing: run make bench" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
[ -d node_modules/ws ] || npm ci --silent >/dev/null 2>&1

B=$(mktemp -d /tmp/octopod-bench.XXXXXX)
chmod 755 "$B"
export OCTOPOD_VAR=$B/var ACCESS_LOG=off TOP PG_FAST=1
export STATUS_CHECK_INTERVAL=86400 CHECK_CONCURRENCY=20
# the fan-out's 1,000 websockets come from one address: above nginx's cap
# a client address (32) and the notifier's (as bench/notifier.sh)
export WS_PER_CLIENT=${WS_PER_CLIENT:-4000} NOTIFIER_MAX_CLIENTS=${NOTIFIER_MAX_CLIENTS:-8192}
export BENCH_STAMPS=$B/stamps BENCH_CHECK_MS=100
export CONTROL_SCRIPTS_DIR=$B/scripts
unset DATABASE_URL
mkdir -p "$CONTROL_SCRIPTS_DIR"
for s in create update archive restore cleanup check archive_check; do
	cp "$O/bench/stamp" "$CONTROL_SCRIPTS_DIR/$s"
done
chmod -R a+rX "$B"
. "$TOP/scripts/free-port.sh"
UI_PORT=$(free_port); POWER_PORT=$(free_port); BARE_PORT=$(free_port)
export UI_PORT POWER_PORT
. "$TOP/scripts/stack.sh"

# the bare responder's own server block, same TLS and basic auth
mkdir -p "$OCTOPOD_VAR/nginx/conf.d"
cat >"$OCTOPOD_VAR/nginx/conf.d/bare.conf" <<CONF
server {
    listen 127.0.0.1:$BARE_PORT ssl;
    auth_basic "octopod";
    auth_basic_user_file $OCTOPOD_VAR/nginx/htpasswd;
    location = /api/v1/events {
        proxy_pass http://unix:$OCTOPOD_VAR/run/barerelay.sock:/events;
        proxy_http_version 1.1;
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection \$connection_upgrade;
        proxy_set_header X-Octopod-Actor \$remote_user;
        proxy_read_timeout 1h;
    }
    location /api/v1/ {
        include $OCTOPOD_VAR/nginx/fastcgi_params;
        fastcgi_pass unix:$OCTOPOD_VAR/run/bare.sock;
    }
}
CONF

PIDS=""
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	stack_stop
	[ "${KEEP:-0}" = 1 ] && echo "bench: kept $B" >&2 || rm -rf "$B"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ulimit -n 20000 2>/dev/null
stack_up >/dev/null 2>&1 || { echo "bench: the stack did not start: see $B/var/log" >&2; KEEP=1; exit 1; }
UI_CRED=$(cat "$OCTOPOD_VAR/ui-credentials")
AUTH="Authorization: Basic $(printf '%s' "$UI_CRED" | base64 -w0)"
export UI_CRED DATABASE_URL PGBIN
"$O/bench/barefcgi" "$OCTOPOD_VAR/run/bare.sock" "${RESPONDERS:-2}" "${THREADS:-4}" \
    2>"$B/bare.err" &
BARE_PID=$!
PIDS="$PIDS $BARE_PID"

sql() { "$PGBIN/psql" -X -q -tA -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -c "$1"; }
med() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
pct() {	# pct FILE P: the P-th percentile of a column of numbers
	sort -g "$1" | awk -v p="$2" '{ a[NR] = $1 } END {
	    i = int(NR * p / 100); if (i < 1) i = 1; if (i > NR) i = NR; printf "%.2f", a[i] }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
note() { echo "bench: $*" >&2; }
wait_file() {
	local i
	for i in $(seq 1 "$((${2:-120} * 10))"); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	note "timed out waiting for $1"
	return 1
}
# wrk's requests/s, and p50/p99 in ms
wrk_run() {	# wrk_run CONNS URL -> "rps p50 p99"
	local t=2
	[ "$1" -lt 2 ] && t=1
	wrk -t"$t" -c"$1" -d"${DUR}s" --latency -H "$AUTH" "$2" 2>&1 | awk '
	    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0;
		if (v ~ /s$/) return v * 1000; return v }
	    /^Requests\/sec:/ { r = $2 }
	    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
	    /Non-2xx/ { bad = $NF }
	    END { if (bad) print "bench: " bad " non-2xx answers" > "/dev/stderr";
		printf "%s %.3f %.3f\n", r, p50, p99 }'
}
ROWS=()
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
ONLY=${ONLY:-get list ui ws checks create rss idle}
want() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }
row() { ROWS+=("$(printf '%-44s|%14s|%14s|%8s|%-13s' "$@")"); }
okv() {	# okv VALUE OP GOAL -> ok | MISS
	awk -v v="$1" -v g="$3" -v op="$2" 'BEGIN { ok = (op == "<=") ? v <= g : v >= g;
	    print ok ? "ok" : "MISS" }'
}

note "stack up on ports $UI_PORT (ui), $BARE_PORT (bare responder); $(nproc) cores"

# ---- seed: N_DEPLOY deployments (as bench/ui.mjs), none due for a check
seed0=$(date +%s.%N)
sql "INSERT INTO deployments (name, tag, status, created_by, updated_by, checked_at)
     SELECT 'd-'||g, 'v'||(g % 50), CASE WHEN g % 37 = 0 THEN 'Failure' ELSE 'Running' END,
     'seed', 'seed', now() FROM generate_series(1, $N_DEPLOY) g ON CONFLICT DO NOTHING;
     INSERT INTO overrides (deployment_id, scope, key, value, secret)
     SELECT id, 'app', k, 'value-' || id, false FROM deployments,
     unnest(ARRAY['LOG_LEVEL','FEATURE_X','DB_POOL','REGION']) k ON CONFLICT DO NOTHING;
     ANALYZE;" || exit 1
# a year of use: deployment overrides, a secret, and SEED_HISTORY finished
# actions a deployment with a few chunks of output each (one statement each)
if [ "$SEED_HISTORY" -gt 0 ]; then
	sql "INSERT INTO overrides (deployment_id, scope, key, value, secret)
	     SELECT id, 'deployment', k, 'dvalue-' || id, false FROM deployments,
	     unnest(ARRAY['replicas','ingress.host']) k ON CONFLICT DO NOTHING;
	     INSERT INTO overrides (deployment_id, scope, key, value, secret)
	     SELECT id, 'app', 'DB_PASSWORD', md5(id::text), true FROM deployments
	     ON CONFLICT DO NOTHING;
	     INSERT INTO actions (deployment_id, deployment_name, kind, state,
	       requested_by, exit_code, output_bytes, request, queued_at, started_at,
	       finished_at)
	     SELECT d.id, d.name, CASE WHEN h = 1 THEN 'create' ELSE 'update' END,
	       'succeeded', 'seed', 0, 300, jsonb_build_object('tag', 'v' || h),
	       now() - (h || ' hours')::interval, now() - (h || ' hours')::interval,
	       now() - (h || ' hours')::interval + interval '20 seconds'
	     FROM deployments d, generate_series(1, $SEED_HISTORY) h
	     WHERE d.name LIKE 'd-%';
	     INSERT INTO action_output (action_id, seq, stream, data)
	     SELECT a.id, s, CASE WHEN s = 2 THEN 'stderr' ELSE 'stdout' END,
	       'helm upgrade --install ' || a.deployment_name || ': step ' || s || E' done\n'
	     FROM actions a, generate_series(1, 2) s;
	     ANALYZE;" || exit 1
fi
# as autovacuum leaves the tables once settled, and so that it does not
# start on the fresh rows in the middle of a measurement (at 1,000 the
# rows measured first ran beside it): every table vacuumed, and
# deployment_search's pages all-visible (sql/009, sql/011), again while a
# snapshot open elsewhere held them back
sql "VACUUM" || exit 1
for i in $(seq 1 60); do
	sql "VACUUM deployment_search" || exit 1
	[ "$(sql "SELECT relallvisible = relpages FROM pg_class WHERE relname = 'deployment_search'")" = t ] && break
	sleep 0.5
done
note "seeded: deployment_search $(sql "SELECT relallvisible || ' of ' || relpages FROM pg_class
    WHERE relname = 'deployment_search'") pages all-visible"
note "seeded $N_DEPLOY deployments ($SEED_HISTORY finished actions each) in $(awk -v a="$seed0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"

# ---- GET one deployment, ours vs the bare responder, 16 and 64 connections
if want get; then
GET=/api/v1/deployments/d-$((N_DEPLOY / 2))
curl -fsS --cacert "$OCTOPOD_VAR/tls/ca.pem" -H "$AUTH" "https://localhost:$BARE_PORT$GET" \
    >/dev/null || { note "the bare responder does not answer"; exit 1; }
for c in 16 64; do
	ours=() bare=()
	for i in $(seq 1 "$RUNS"); do
		ours+=("$(wrk_run "$c" "https://127.0.0.1:$UI_PORT$GET" | cut -d' ' -f1)")
		bare+=("$(wrk_run "$c" "https://127.0.0.1:$BARE_PORT$GET" | cut -d' ' -f1)")
	done
	o=$(med "${ours[@]}"); b=$(med "${bare[@]}")
	note "GET one, $c conns: ours ${ours[*]}; bare ${bare[*]}"
	r=$(ratio "$o" "$b")
	row "GET one deployment, req/s, $c conns" "$(printf '%.0f' "$o")" \
	    "$(printf '%.0f bare' "$b")" "$r" ">= 1.0x $(okv "${r%x}" '>=' 1.0)"
done
st=()
for i in $(seq 1 "$RUNS"); do
	st+=("$(wrk_run 64 "https://127.0.0.1:$UI_PORT/index.html" | cut -d' ' -f1)")
done
row "  (nginx static file, req/s, 64 conns)" "$(printf '%.0f' "$(med "${st[@]}")")" "" "" "reference"
fi

# ---- the list: a page of 50 of N_DEPLOY, one request at a time. Server
# time is the answer's Server-Timing (accept to last byte encoded, in the
# responder); the client's whole round trip through TLS and nginx is shown
# under it for reference.
if want list; then
LIST="/api/v1/deployments?archived=false&limit=50"
l50=() l99=() b50=() b99=() t50=() t99=() f50=() f99=()
for i in $(seq 1 "$RUNS"); do
	read -r p50 p99 e50 e99 < <("$O/bench/servertime" 1000 \
	    "https://localhost:$UI_PORT$LIST" "$OCTOPOD_VAR/tls/ca.pem" "$UI_CRED")
	l50+=("$p50"); l99+=("$p99"); t50+=("$e50"); t99+=("$e99")
	read -r p50 p99 < <("$O/bench/barepq" 1000 50)
	b50+=("$p50"); b99+=("$p99")
	read -r p50 p99 < <("$O/bench/barepq" 1000 50 page)
	f50+=("$p50"); f99+=("$p99")
done
note "list server p50 ours ${l50[*]} bare ${b50[*]} in-process ${f50[*]}; p99 ours ${l99[*]} bare ${b99[*]} in-process ${f99[*]}"
note "list round trip p50 ${t50[*]}; p99 ${t99[*]}"
for q in 50 99; do
	eval "o=\$(med \"\${l$q[@]}\"); b=\$(med \"\${b$q[@]}\")"
	r=$(ratio "$o" "$b")
	row "list, 50 of $NF, server p$q ms" "$o" "$b libpq" "$r" "<= 1.5x $(okv "${r%x}" '<=' 1.5)"
done
# the floor under it: the same page made in-process with the responder's
# own row code and jansson (barepq.c page), no FastCGI, no request
for q in 50 99; do
	eval "o=\$(med \"\${l$q[@]}\"); f=\$(med \"\${f$q[@]}\")"
	row "  (the page made in-process, p$q ms)" "$o" "$f page" "$(ratio "$o" "$f")" "reference"
done
for q in 50 99; do
	eval "o=\$(med \"\${t$q[@]}\"); b=\$(med \"\${b$q[@]}\")"
	row "  (round trip through nginx, p$q ms)" "$o" "$b libpq" "$(ratio "$o" "$b")" "reference"
done
fi

# ---- scale rows: a page deep in the cursor order (by name, from the
# middle), a search matching ~1% ("d-12": d-12, d-120…, d-1200…), server
# time p50/p99; the bare libpq figure of the list row is their limit too.
# The same search's first 10: a full page at every size (at 1,000 the
# search matches 11, so its page of 50 holds 11 rows, and 50 from 10,000)
for what in deep search search10; do
	want "${what%10}" || continue
	if [ "$what" = deep ]; then
		cur=$(sql "SELECT 'n' || encode(convert_to(name || chr(31) || id, 'UTF8'), 'hex')
		    FROM deployments WHERE name LIKE 'd-%' ORDER BY name, id
		    OFFSET $((N_DEPLOY / 2)) LIMIT 1")
		url="/api/v1/deployments?archived=false&sort=name&order=asc&limit=50&cursor=$cur"
		label="list, a page deep (from the middle)"
	elif [ "$what" = search ]; then
		url="/api/v1/deployments?archived=false&limit=50&q=d-12"
		label="list, search matching ~1%"
	else
		url="/api/v1/deployments?archived=false&limit=10&q=d-12"
		label="list, the same search's first 10"
	fi
	s50=() s99=() sb50=()
	for i in $(seq 1 "$RUNS"); do
		read -r p50 p99 _ _ < <("$O/bench/servertime" 500 \
		    "https://localhost:$UI_PORT$url" "$OCTOPOD_VAR/tls/ca.pem" "$UI_CRED")
		s50+=("$p50"); s99+=("$p99")
		read -r p50 _ < <("$O/bench/barepq" 500 50)
		sb50+=("$p50")
	done
	b=$(med "${sb50[@]}")
	row "$label, server p50 ms" "$(med "${s50[@]}")" "$b libpq" "$(ratio "$(med "${s50[@]}")" "$b")" "reference"
	row "$label, server p99 ms" "$(med "${s99[@]}")" "" "" "reference"
done

# ---- the UI (headless Chromium), bench/ui.mjs on the same N_DEPLOY
if ! want ui; then
	:
elif [ "${UI:-1}" = 1 ] && [ -x /usr/bin/chromium ]; then
	if BENCH_N=$N_DEPLOY BENCH_OUT=$B/ui.json node bench/ui.mjs >"$B/ui.out" 2>&1; then
		rend=$(jq .render "$B/ui.json"); rapi=$(jq .api "$B/ui.json")
		key=$(jq .key "$B/ui.json"); kfl=$(jq .keyFloor "$B/ui.json")
		row "UI first render of $NF, ms" "$rend" "$rapi API" "$(ratio "$rend" "$rapi")" \
		    "<= 500 $(okv "$rend" '<=' 500)"
		row "UI one search keystroke, ms" "$key" "$kfl API" "$(ratio "$key" "$kfl")" \
		    "<= 50 $(okv "$key" '<=' 50)"
	else
		note "bench/ui.mjs failed: $(tail -3 "$B/ui.out")"
		row "UI first render / keystroke" "failed" "" "" ""
	fi
else
	row "UI first render / keystroke" "skipped" "" "" "(UI=0 or no chromium)"
fi

# ---- commit -> websocket client (wss through nginx), fan-out, notifier RSS
if want ws; then
read -r nfy50 nfy99 _ < <("$O/bench/pgnotify" bare "$N_BARE")
note "bare LISTEN/NOTIFY round trip (two libpq connections): p50 $nfy50 p99 $nfy99 ms"
"$O/bench/barerelay" "$OCTOPOD_VAR/run/barerelay.sock" 2>"$B/barerelay.err" &
RELAY_PID=$!
PIDS="$PIDS $RELAY_PID"
wait_file "$OCTOPOD_VAR/run/barerelay.sock" 10
# one client, 1,000 events 2 ms apart; ours (the notifier) and the bare
# relay in turn, RUNS times each, the same nginx and TLS in front
: >"$B/one.lat"; : >"$B/relay.lat"
for i in $(seq 1 "$RUNS"); do
	for side in one relay; do
		rm -f "$B/$side.ready" "$B/$side.json"
		if [ "$side" = relay ]; then
			url="wss://localhost:$BARE_PORT/api/v1/events"
		else
			url="wss://localhost:$UI_PORT/api/v1/events"
		fi
		WS_URL=$url node t/ws/fanout.mjs --clients 1 \
		    --sub '{"subscribe":"deployment","name":"one"}' \
		    --name one --expect "$N_ONE" --ready "$B/$side.ready" \
		    --result "$B/$side.json" --samples "$B/$side.lat.$i" \
		    --timeout 120 2>"$B/$side.err" &
		cpid=$!
		if wait_file "$B/$side.ready" 30; then
			"$O/bench/pgnotify" send "$N_ONE" 2 one
			wait_file "$B/$side.json" 60
		fi
		kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null
		cat "$B/$side.lat.$i" >>"$B/$side.lat" 2>/dev/null
	done
done
half=$((FAN_CLIENTS / 2))
for k in 1 2; do
	node t/ws/fanout.mjs --clients "$half" --sub '{"subscribe":"list"}' \
	    --name fan --expect "$N_FAN" --ready "$B/fan$k.ready" \
	    --result "$B/fan$k.json" --samples "$B/fan$k.lat" \
	    --resume "$B/fan.done" --timeout 180 2>"$B/fan$k.err" &
	PIDS="$PIDS $!"
done
if wait_file "$B/fan1.ready" 120 && wait_file "$B/fan2.ready" 120; then
	"$O/bench/pgnotify" send "$N_FAN" 20 fan
	wait_file "$B/fan1.json" 120 && wait_file "$B/fan2.json" 120
fi
nrss=$(rss_kb "$NOTIFIER_PID")
touch "$B/fan.done"
wait_file "$B/fan1.json.final" 60; wait_file "$B/fan2.json.final" 60
# the same fan-out through the bare relay: what this machine (nginx, TLS,
# the clients on the same two cores) allows at all
for k in 1 2; do
	WS_URL="wss://localhost:$BARE_PORT/api/v1/events" node t/ws/fanout.mjs \
	    --clients "$half" --sub '{"subscribe":"list"}' \
	    --name rfan --expect "$N_FAN" --ready "$B/rfan$k.ready" \
	    --result "$B/rfan$k.json" --samples "$B/rfan$k.lat" \
	    --timeout 180 2>"$B/rfan$k.err" &
	PIDS="$PIDS $!"
done
if wait_file "$B/rfan1.ready" 120 && wait_file "$B/rfan2.ready" 120; then
	"$O/bench/pgnotify" send "$N_FAN" 20 rfan
	wait_file "$B/rfan1.json" 120 && wait_file "$B/rfan2.json" 120
fi
kill "$RELAY_PID" 2>/dev/null; wait "$RELAY_PID" 2>/dev/null
if [ -s "$B/one.lat" ] && [ -s "$B/relay.lat" ]; then
	one50=$(pct "$B/one.lat" 50); one99=$(pct "$B/one.lat" 99)
	rel50=$(pct "$B/relay.lat" 50); rel99=$(pct "$B/relay.lat" 99)
	r=$(ratio "$one50" "$rel50")
	row "commit -> 1 ws client (wss), p50 ms" "$one50" "$rel50 relay" "$r" \
	    "<= 1.5x $(okv "${r%x}" '<=' 1.5)"
	row "commit -> 1 ws client (wss), p99 ms" "$one99" "$rel99 relay" \
	    "$(ratio "$one99" "$rel99")" "<= 5 $(okv "$one99" '<=' 5)"
fi
cat "$B"/fan?.lat >"$B/fan.lat" 2>/dev/null
if [ -s "$B/fan.lat" ]; then
	complete=$(( $(jq .complete "$B/fan1.json") + $(jq .complete "$B/fan2.json") ))
	fan99=$(pct "$B/fan.lat" 99)
	cat "$B"/rfan?.lat >"$B/rfan.lat" 2>/dev/null
	rfan99=$(pct "$B/rfan.lat" 99)
	row "fan-out to $FAN_CLIENTS ws clients, p99 ms" "$fan99" "$rfan99 relay" \
	    "$(ratio "$fan99" "$rfan99")" "<= 25 $(okv "$fan99" '<=' 25)"
	note "fan-out: $complete of $FAN_CLIENTS clients got all $N_FAN events; p50 $(pct "$B/fan.lat" 50) ms (bare relay p50 $(pct "$B/rfan.lat" 50))"
fi
row "notifier RSS with $FAN_CLIENTS clients, MiB" "$(awk -v k="$nrss" 'BEGIN { printf "%.1f", k / 1024 }')" \
    "" "" "<= 32 $(okv "$nrss" '<=' 32768)"
for p in $PIDS; do [ "$p" != "$BARE_PID" ] && kill "$p" 2>/dev/null; done
fi

# ---- checks: N_CHECKS deployments due at once, 100 ms each, 20 at a time
if want checks; then
sql "INSERT INTO deployments (name, tag, status, created_by, updated_by)
     SELECT 'k-'||g, 'v1', 'Running', 'seed', 'seed' FROM generate_series(1, $N_CHECKS) g" || exit 1
for i in $(seq 1 900); do
	[ "$(sql "SELECT count(*) FROM deployments WHERE name LIKE 'k-%' AND checked_at IS NOT NULL")" \
	    = "$N_CHECKS" ] && break
	sleep 0.1
done
first=$(awk '$1 == "check" && $2 ~ /^k-/ { print $3 }' "$BENCH_STAMPS" | sort -g | head -1)
last=$(sql "SELECT extract(epoch FROM max(checked_at)) * 1000 FROM deployments WHERE name LIKE 'k-%'")
done_n=$(sql "SELECT count(*) FROM deployments WHERE name LIKE 'k-%' AND checked_at IS NOT NULL")
ideal=$(awk -v n="$N_CHECKS" -v c=20 -v ms="$BENCH_CHECK_MS" 'BEGIN { printf "%.2f", n * ms / c / 1000 }')
ck=$(awk -v a="$first" -v b="$last" 'BEGIN { printf "%.2f", (b - a) / 1000 }')
[ "$done_n" = "$N_CHECKS" ] || ck=">$ck ($done_n done)"
r=$(ratio "$ck" "$ideal")
row "$N_CHECKS checks of 100 ms, 20 at a time, s" "$ck" "$ideal ideal" "$r" "<= 1.1x $(okv "${r%x}" '<=' 1.1)"
fi

# ---- request accepted -> control script started
if want create; then
node bench/create.mjs "$N_CREATE" 30 c >"$B/sent" 2>"$B/create.err" || note "create.mjs: $(tail -1 "$B/create.err")"
for i in $(seq 1 100); do
	[ "$(awk '$1 == "create" && $2 ~ /^c-[0-9]/' "$BENCH_STAMPS" | wc -l)" -ge "$N_CREATE" ] && break
	sleep 0.1
done
# accepted: the action's queued_at (clock_timestamp() when the POST's
# transaction writes the action, just before the commit that wakes the
# runner); also from the client's send
sql "SELECT deployment_name, extract(epoch FROM queued_at) * 1000 FROM actions
     WHERE kind = 'create' AND deployment_name ~ '^c-[0-9]'" | tr '|' ' ' >"$B/queued"
awk 'NR == FNR { q[$1] = $2; next } $1 == "create" && ($2 in q) { printf "%.3f\n", $3 - q[$2] }' \
    "$B/queued" "$BENCH_STAMPS" >"$B/create.lat"
awk 'NR == FNR { sent[$1] = $2; next } $1 == "create" && ($2 in sent) { printf "%.3f\n", $3 - sent[$2] }' \
    "$B/sent" "$BENCH_STAMPS" >"$B/sent.lat"
read -r fe50 fe99 < <("$O/bench/stamp" bare 200 "$CONTROL_SCRIPTS_DIR/create")
if [ -s "$B/create.lat" ]; then
	c50=$(pct "$B/create.lat" 50)
	d=$(awk -v a="$c50" -v b="$fe50" 'BEGIN { printf "%.2f", a - b }')
	row "create accepted -> script started, p50 ms" "$c50" "$fe50 fork+exec" "$(ratio "$c50" "$fe50")" \
	    "<= 2 $(okv "$c50" '<=' 2)"
	awk '{ printf "%.3f\n", $3 - $2 }' "$B/sent" >"$B/post.lat"
	q=$(sql "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY
	    extract(epoch FROM started_at - queued_at) * 1000)::numeric, 2)
	    FROM actions WHERE kind = 'create' AND deployment_name LIKE 'c-%'")
	note "create: POST answered p50 $(pct "$B/post.lat" 50) ms; queued_at -> started_at (claim) p50 $q ms"
	note "create: client send -> script started p50 $(pct "$B/sent.lat" 50) ms"
	note "create: accepted -> script: p50 $c50 ms, p99 $(pct "$B/create.lat" 99) ms over $(wc -l <"$B/create.lat"); bare fork+exec p50 $fe50 p99 $fe99; difference $d ms"
fi
fi

# ---- RSS of the responders (after all of the above)
if want rss; then
resp=$(awk '/started responder/ { print $NF }' "$OCTOPOD_VAR/log/octopod-fcgi.log")
mx=0
for p in $resp; do
	[ -r "/proc/$p/status" ] || continue
	k=$(rss_kb "$p"); [ "$k" -gt "$mx" ] && mx=$k
done
row "RSS of a responder (largest), MiB" "$(awk -v k="$mx" 'BEGIN { printf "%.1f", k / 1024 }')" "" "" \
    "<= 8 $(okv "$mx" '<=' 8192)"
fi

# ---- CPU of the idle stack: every process of it, IDLE_SECS seconds
kill "$BARE_PID" 2>/dev/null; wait "$BARE_PID" 2>/dev/null
PIDS=""
if want idle; then
sleep 3
pg_pid=$(head -1 "$OCTOPOD_VAR/pg/data/postmaster.pid")
tree() {	# the pids of the given processes and of all their descendants
	ps -e -o pid=,ppid= | awk -v roots="$*" 'BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
	    { par[$1] = $2 } END { do { ch = 0; for (p in par) if (!(p in keep) && (par[p] in keep)) { keep[p] = 1; ch = 1 } } while (ch);
	    for (p in keep) print p }'
}
ticks() {
	local p s=0 t
	for p in $(tree "$FCGI_PID" "$NOTIFIER_PID" "$NGINX_PID" "$pg_pid"); do
		t=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null) && s=$((s + t))
	done
	echo "$s"
}
t0=$(ticks); s0=$(date +%s.%N)
sleep "$IDLE_SECS"
t1=$(ticks); s1=$(date +%s.%N)
cpu=$(awk -v a="$t0" -v b="$t1" -v s0="$s0" -v s1="$s1" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%.2f", (b - a) / hz / (s1 - s0) * 100 }')
row "CPU of the idle stack over ${IDLE_SECS} s, % core" "$cpu" "0" "" "<= 1 $(okv "$cpu" '<=' 1)"
fi

# ---- the database's size, and per 1,000 actions
if want dbsize; then
	sql "CHECKPOINT" >/dev/null 2>&1
	dbb=$(sql "SELECT pg_database_size(current_database())")
	na=$(sql "SELECT count(*) FROM actions")
	ab=$(sql "SELECT pg_total_relation_size('actions') + pg_total_relation_size('action_output')")
	row "database size, MiB" "$(awk -v b="$dbb" 'BEGIN { printf "%.1f", b / 1048576 }')" "" "" "$na actions"
	row "actions + output per 1,000 actions, MiB" \
	    "$(awk -v b="$ab" -v n="$na" 'BEGIN { if (n > 0) printf "%.2f", b / n * 1000 / 1048576; else print "-" }')" \
	    "" "" "reference"
fi

printf '\noctopod-c bench: %s cores, %s, %s; medians of %s runs where repeated\n\n' \
    "$(nproc)" "$(uname -r)" "$(date -u +%Y-%m-%dT%H:%MZ)" "$RUNS"
printf '%-44s|%14s|%14s|%8s|%-13s\n' "figure" "value" "limit" "ratio" "goal"
printf '%s\n' "--------------------------------------------|--------------|--------------|--------|-------------"
printf '%s\n' "${ROWS[@]}"
