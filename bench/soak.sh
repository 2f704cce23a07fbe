#!/usr/bin/env bash
# bench/soak.sh (make soak): SOAK_MINUTES (default 10) of mixed load
# through nginx on a throw-away stack: readers on the ui door, and
# lifecycle workers (create, wait Running, update, wait, archive, wait
# Archived, cleanup) on the power door, with 1-second control scripts
# (t/fixtures/slow, FAULT_SLEEP=1) and a websocket client following
# everything. Samples the RSS of every octopod process (fcgi master,
# responders, runner, notifier) and nginx every SOAK_SAMPLE seconds.
# Prints the figures; exits 1 on any unexpected answer, a restarted
# process, or RSS growth after the warm-up (first fifth) of more than
# 10 % + 1 MiB.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
MIN=${SOAK_MINUTES:-10}
SAMPLE=${SOAK_SAMPLE:-5}
READERS=${SOAK_READERS:-2}
WORKERS=${SOAK_WORKERS:-3}
export TOP O=${O:-$TOP/build}
case "$O" in /*) ;; *) O="$TOP/$O" ;; esac
D=$(mktemp -d /tmp/octopod-soak.XXXXXX)
chmod 755 "$D"
export OCTOPOD_VAR=$D/var
export PG_FAST=1 ACCESS_LOG=off CONTROL_SCRIPTS_DIR=$TOP/t/fixtures/slow FAULT_SLEEP=1
export STATUS_CHECK_INTERVAL=2
export UI_PORT=$((20000 + RANDOM % 8000)) POWER_PORT=$((20000 + RANDOM % 8000))
unset DATABASE_URL
. "$TOP/scripts/stack.sh"
KIDS=""
cleanup() {
	local p
	touch "$D/stop"
	for p in $KIDS; do kill "$p" 2>/dev/null; done
	for p in $KIDS; do wait "$p" 2>/dev/null; done
	stack_stop
	[ "${KEEP:-0}" = 1 ] && echo "kept $D" || rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
stack_up
UI_CRED=$(cat "$OCTOPOD_VAR/ui-credentials")
export UI_CRED UI_PORT OCTOPOD_VAR
END=$(( $(date +%s) + MIN * 60 ))

# req LOG KIND DOOR METHOD PATH [BODY]: one request; "KIND STATUS" in LOG;
# the body in $BODY (each loop sets its own)
req() {
	local log=$1 kind=$2 door=$3 method=$4 path=$5 body=${6-} a s
	a=(-sS -m 30 -o "$BODY" -w '%{http_code}' -X "$method"
	    --cacert "$OCTOPOD_VAR/tls/ca.pem")
	if [ "$door" = ui ]; then
		a+=(-u "$UI_CRED" -H 'X-Requested-With: octopod')
		s="https://localhost:$UI_PORT"
	else
		a+=(--cert "$OCTOPOD_VAR/tls/octo.pem" --key "$OCTOPOD_VAR/tls/octo-key.pem")
		s="https://localhost:$POWER_PORT"
	fi
	[ -n "$body" ] && a+=(-H 'Content-Type: application/json' --data-binary "$body")
	S=$(curl "${a[@]}" "$s/api/v1/$path" 2>/dev/null) || S=000
	echo "$kind $S" >>"$log"
}
# wait_status LOG NAME STATUS: poll the deployment until STATUS and not busy
wait_status() {
	local i
	for i in $(seq 1 120); do
		req "$1" poll ui GET "deployments/$2"
		[ "$S" = 200 ] && [ "$(jq -r '.status + "/" + (.busy|tostring)' \
		    "$BODY")" = "$3/false" ] && return 0
		[ -e "$D/stop" ] && return 1
		sleep 0.5
	done
	echo "timeout $2 $3" >>"$1"
	return 1
}
reader() {
	local log=$D/reader.$1
	BODY=$D/body.r$1
	while [ "$(date +%s)" -lt "$END" ] && [ ! -e "$D/stop" ]; do
		req "$log" list ui GET 'deployments?limit=20'
		n=$(jq -r '.deployments[0].name // empty' "$BODY" 2>/dev/null)
		[ -n "$n" ] && req "$log" get ui GET "deployments/$n"
		[ -n "$n" ] && req "$log" history ui GET "deployments/$n/history"
		req "$log" ping ui GET ping
		req "$log" search ui GET 'deployments?q=soak&status=Running,CreatePending&total=true'
	done
}
worker() {
	local log=$D/worker.$1 i=0 n
	BODY=$D/body.w$1
	while [ "$(date +%s)" -lt "$END" ] && [ ! -e "$D/stop" ]; do
		i=$((i + 1))
		n=soak-$1-$i
		req "$log" create power POST deployments \
		    "{\"name\":\"$n\",\"tag\":\"v1\",\"app_overrides\":[{\"key\":\"K\",\"value\":\"$i\"},{\"key\":\"S\",\"value\":\"secret-$i\",\"secret\":true}]}"
		wait_status "$log" "$n" Running || continue
		req "$log" update ui PATCH "deployments/$n" '{"tag":"v2","app_overrides":{"set":[{"key":"K","value":"x"}]}}'
		wait_status "$log" "$n" Running || continue
		req "$log" actions ui GET "deployments/$n/actions"
		a=$(jq -r '.actions[0].id // empty' "$BODY" 2>/dev/null)
		[ -n "$a" ] && req "$log" output ui GET "actions/$a/output"
		req "$log" archive ui POST "deployments/$n/archive"
		wait_status "$log" "$n" Archived || continue
		req "$log" cleanup power POST "deployments/$n/cleanup"
	done
}
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null; }
# sampler: "TIME NAME PID RSS_KB" lines in $D/rss
sampler() {
	local t0 p k
	t0=$(date +%s)
	while [ "$(date +%s)" -lt "$END" ] && [ ! -e "$D/stop" ]; do
		t=$(( $(date +%s) - t0 ))
		echo "$t fcgi-master $FCGI_PID $(rss "$FCGI_PID")"
		for p in $(pgrep -P "$FCGI_PID"); do
			k=responder
			grep -q "started runner $p\$" "$OCTOPOD_VAR/log/octopod-fcgi.log" && k=runner
			echo "$t $k $p $(rss "$p")"
		done
		echo "$t notifier $NOTIFIER_PID $(rss "$NOTIFIER_PID")"
		for p in $(pgrep -P "$NGINX_PID"); do echo "$t nginx-worker $p $(rss "$p")"; done
		sleep "$SAMPLE"
	done >>"$D/rss"
}

echo "soak: $MIN min, $READERS readers, $WORKERS lifecycle workers, 1 s scripts, sampling every $SAMPLE s"
node "$TOP/t/ws/watch.mjs" --out "$D/ws.log" --sub '{"subscribe":"list"}' \
    --timeout $((MIN * 60 + 120)) 2>"$D/ws.err" &
WS=$!
for r in $(seq 1 "$READERS"); do reader "$r" & KIDS="$KIDS $!"; done
for w in $(seq 1 "$WORKERS"); do worker "$w" & KIDS="$KIDS $!"; done
sampler & KIDS="$KIDS $!"
for p in $KIDS; do wait "$p"; done
KIDS=""
kill "$WS" 2>/dev/null; wait "$WS" 2>/dev/null

# ---- figures ----
fail=0
cat "$D"/reader.* "$D"/worker.* >"$D/all"
total=$(wc -l <"$D/all")
echo "requests: $total in $MIN min ($(( total / (MIN * 60) )) req/s), by kind and status:"
sort "$D/all" | uniq -c | sort -k2 | awk '{printf "  %-8s %s %7d\n", $2, $3, $1}'
# a reader may pick a deployment that a worker cleans up before its GET
bad=$(awk '!($2 ~ /^(200|202)$/) && $1 != "timeout" && !($1 == "get" && $2 == 404)' \
    "$D/all" | sort | uniq -c)
timeouts=$(grep -c '^timeout' "$D/all")
if [ -n "$bad" ] || [ "$timeouts" != 0 ]; then
	echo "FAIL: unexpected answers: ${bad:-none}; deployments that never reached their status: $timeouts"
	fail=1
else
	echo "unexpected answers: 0"
fi
c=$(grep -c '^cleanup 202' "$D/all")
echo "full lifecycles (create, update, archive, cleanup): $c"
echo "events the websocket client got: $(grep -c '"event"' "$D/ws.log" 2>/dev/null)"
restarts=$(grep -c 'killed by signal\|exited with' "$OCTOPOD_VAR/log/octopod-fcgi.log")
[ "$restarts" = 0 ] || { echo "FAIL: $restarts child processes died"; fail=1; }
kill -0 "$NOTIFIER_PID" 2>/dev/null || { echo "FAIL: the notifier died"; fail=1; }
# RSS: per process, after warm-up (first sample at or past a fifth of the
# run) vs the last sample
warm=$(( MIN * 60 / 5 ))
echo "RSS (kB): process pid: min / after warm-up ($warm s) / max / last -> growth after warm-up"
awk -v warm="$warm" '
	{ k = $2 " " $3; if ($4 == "") next
	  if (!(k in first)) { order[++n] = k; min[k] = $4; max[k] = $4 }
	  first[k] = 1
	  if ($4 < min[k]) min[k] = $4; if ($4 > max[k]) max[k] = $4
	  if ($1 >= warm && !(k in w)) w[k] = $4
	  last[k] = $4 }
	END { bad = 0
	  for (i = 1; i <= n; i++) { k = order[i]; if (!(k in w)) w[k] = last[k]
	    g = last[k] - w[k]; lim = w[k] / 10 + 1024
	    printf "  %-22s %6d / %6d / %6d / %6d -> %+d%s\n", k, min[k], w[k], max[k], last[k], g,
	      (g > lim ? "  GROWING" : "")
	    if (g > lim) bad = 1 }
	  exit bad }' "$D/rss" || { echo "FAIL: RSS grew after the warm-up"; fail=1; }
echo "samples: $(awk '{print $1}' "$D/rss" | sort -un | wc -l)"
[ "$fail" = 0 ] && echo "soak: PASS" || echo "soak: FAIL"
exit "$fail"
