#!/usr/bin/env bash
# bench/notifier.sh: how long a committed event takes to reach websocket
# clients through nginx (wss, basic auth) and octopod-notifier, next to a
# bare LISTEN/NOTIFY round trip on the same PostgreSQL in the same run;
# fan-out to 1,000 clients; the notifier's RSS. Not part of `make test`.
#
#	bench/notifier.sh	(knobs: N_BARE, N_ONE, N_FAN, FAN_CLIENTS, O)
#
# Latency is from just before the NOTIFY statement is sent (autocommit)
# to the client's receipt (wall clock, same host).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
export O=${O:-build}
case "$O" in /*) ;; *) O="$TOP/$O" ;; esac
N_BARE=${N_BARE:-2000}
N_ONE=${N_ONE:-1000}
N_FAN=${N_FAN:-200}
FAN_CLIENTS=${FAN_CLIENTS:-1000}

make -s all >/dev/null || exit 1
[ -d node_modules/ws ] || npm ci --silent >/dev/null 2>&1 || npm install --silent >/dev/null
mkdir -p "$O/bench"
cc -O2 -Wall -Wextra -Werror -I"$(pg_config --includedir)" -o "$O/bench/pgnotify" \
    bench/pgnotify.c -lpq || exit 1

B=$(mktemp -d /tmp/octopod-bench.XXXXXX)
chmod 755 "$B"
export OCTOPOD_VAR=$B/var ACCESS_LOG=off TOP
export CONTROL_SCRIPTS_DIR=$TOP/t/fixtures/scripts
unset DATABASE_URL
port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 30000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}
UI_PORT=$(port)
POWER_PORT=$(port)
export UI_PORT POWER_PORT
. "$TOP/scripts/stack.sh"
PIDS=""
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	stack_stop
	rm -rf "$B"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ulimit -n 20000 2>/dev/null
# every client comes from one address: lift the per-client caps
export WS_PER_CLIENT=${WS_PER_CLIENT:-4000} NOTIFIER_MAX_CLIENTS=${NOTIFIER_MAX_CLIENTS:-8192}
stack_up >/dev/null
UI_CRED=$(cat "$OCTOPOD_VAR/ui-credentials")
export UI_CRED OCTOPOD_VAR DATABASE_URL

pct() {	# pct FILE P: the P-th percentile (0..100) of a column of numbers
	sort -n "$1" | awk -v p="$2" '{ a[NR] = $1 } END {
	    i = int(NR * p / 100); if (i < 1) i = 1; if (i > NR) i = NR; printf "%.2f", a[i] }'
}
rss() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$NOTIFIER_PID/status"; }
wait_file() {
	local i
	for i in $(seq 1 "$((${2:-120} * 10))"); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	echo "bench: timed out waiting for $1" >&2
	return 1
}

echo "octopod-notifier benchmark ($(nproc) cores, $(uname -r))"
rss_idle=$(rss)

# the limit: a bare LISTEN/NOTIFY round trip
read -r bare50 bare99 baremax < <("$O/bench/pgnotify" bare "$N_BARE")

# one client, one event every 2 ms
node t/ws/fanout.mjs --clients 1 --sub '{"subscribe":"deployment","name":"one"}' \
    --name one --expect "$N_ONE" --ready "$B/one.ready" --result "$B/one.json" \
    --samples "$B/one.lat" --timeout 120 2>"$B/one.err" &
PIDS="$PIDS $!"
wait_file "$B/one.ready" 30 || exit 1
"$O/bench/pgnotify" send "$N_ONE" 2 one
wait_file "$B/one.json" 60 || exit 1

# fan-out: FAN_CLIENTS clients in two node processes (one node process
# is itself the limit past a few hundred TLS clients), one event / 20 ms
half=$((FAN_CLIENTS / 2))
for k in 1 2; do
	node t/ws/fanout.mjs --clients "$half" --sub '{"subscribe":"list"}' \
	    --name fan --expect "$N_FAN" --ready "$B/fan$k.ready" \
	    --result "$B/fan$k.json" --samples "$B/fan$k.lat" \
	    --resume "$B/fan.done" --timeout 180 2>"$B/fan$k.err" &
	PIDS="$PIDS $!"
done
wait_file "$B/fan1.ready" 120 && wait_file "$B/fan2.ready" 120 || exit 1
rss_conn=$(rss)
"$O/bench/pgnotify" send "$N_FAN" 20 fan
wait_file "$B/fan1.json" 120 && wait_file "$B/fan2.json" 120 || exit 1
rss_fan=$(rss)
hwm=$(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$NOTIFIER_PID/status")
touch "$B/fan.done"
cat "$B/fan1.lat" "$B/fan2.lat" >"$B/fan.lat"
complete=$(( $(jq .complete "$B/fan1.json") + $(jq .complete "$B/fan2.json") ))

one50=$(pct "$B/one.lat" 50); one99=$(pct "$B/one.lat" 99)
fan50=$(pct "$B/fan.lat" 50); fan99=$(pct "$B/fan.lat" 99)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
printf '\n%-46s %9s %9s %9s\n' "" "p50 ms" "p99 ms" "p50 ratio"
printf '%-46s %9.2f %9.2f %9s\n' "bare LISTEN/NOTIFY round trip (libpq, $N_BARE)" \
    "$bare50" "$bare99" "1.0"
printf '%-46s %9s %9s %9s\n' "commit -> 1 client via nginx+notifier ($N_ONE)" \
    "$one50" "$one99" "$(ratio "$one50" "$bare50")"
printf '%-46s %9s %9s %9s\n' "commit -> $FAN_CLIENTS clients (fan-out, $N_FAN events)" \
    "$fan50" "$fan99" "$(ratio "$fan50" "$bare50")"
printf '\nfan-out: %d of %d clients got all %d events in order (%d samples)\n' \
    "$complete" "$FAN_CLIENTS" "$N_FAN" "$(wc -l <"$B/fan.lat")"
printf 'notifier RSS: %s MiB idle, %s MiB with %d clients, %s MiB after the fan-out (peak %s MiB)\n' \
    "$rss_idle" "$rss_conn" "$FAN_CLIENTS" "$rss_fan" "$hwm"
