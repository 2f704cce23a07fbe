#!/usr/bin/env bash
# A database that accepts the connection and never answers (a network
# partition, a frozen server) does not stall the notifier: it connects
# without blocking its loop, gives each attempt 5 s, and meanwhile greets
# every new client at once (saying that it is not listening). Then the
# real database: it connects, LISTENs and says so.
. "$(dirname "$0")/lib/stack.sh"
. "$(dirname "$0")/lib/ws.sh"
stack_start
ws_env

SILENT_PORT=$(free_port)
node -e "require('net').createServer(() => {}).listen($SILENT_PORT, '127.0.0.1')" &
SILENT=$!
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$SILENT_PORT") 2>/dev/null && break; sleep 0.1; done
t_cleanup_hook() { kill "$SILENT" 2>/dev/null; ws_cleanup; stack_stop; return 0; }

restart_notifier() {	# restart_notifier DATABASE_URL
	stack_kill TERM "$NOTIFIER_PID"
	: >"$OCTOPOD_VAR/log/octopod-notifier.log"
	DATABASE_URL=$1 stack_notifier_start
}

REAL_URL=$DATABASE_URL
restart_notifier "postgresql://octopod@127.0.0.1:$SILENT_PORT/octopod"
sleep 0.5
# 16 clients over 8 s: through at least one whole connect timeout
node "$T_ROOT/t/ws/probe.mjs" --count 16 --every 500 >"$T_TMP/probe" 2>&1
t_diag "ms to hello, listening: $(tr '\n' ' ' <"$T_TMP/probe")"
t_is "$(grep -c ' false$' "$T_TMP/probe")" 16 "every client was greeted, not listening"
t_is "$(awk '$1 + 0 > 1000' "$T_TMP/probe")" "" "each within 1 s"
t_ok "an attempt timed out meanwhile" \
    grep -q "could not connect to the database: connection to server at \"127.0.0.1\", port $SILENT_PORT failed: no answer within 5 s" \
    "$OCTOPOD_VAR/log/octopod-notifier.log"
kill -0 "$NOTIFIER_PID"
t_is $? 0 "the notifier still runs"

t_is "$(grep -c 'could not connect' "$OCTOPOD_VAR/log/octopod-notifier.log")" 1 \
    "said once, not once an attempt"

# several hosts (issue 18), the silent one first: its connect timeout
# (the conninfo's, 2 s) passes and the notifier moves on to the second,
# as libpq's blocking connect does with connect_timeout
pg=$OCTOPOD_VAR/pg/run
t0=$(date +%s%N)
restart_notifier "host=127.0.0.1,$pg port=$SILENT_PORT,5432 user=postgres dbname=octopod connect_timeout=2 target_session_attrs=read-write"
for _ in $(seq 1 100); do
	grep -q 'listening on channel' "$OCTOPOD_VAR/log/octopod-notifier.log" && break
	sleep 0.05
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
t_diag "listening after $ms ms"
t_ok "past the silent first host to the second" grep -q 'listening on channel' "$OCTOPOD_VAR/log/octopod-notifier.log"
t_ok "within about the connect timeout (2 s): $ms ms" test "$ms" -ge 1900 -a "$ms" -lt 4000
t_ok "it says it moved on" grep -q "port $SILENT_PORT failed: no answer within 2 s: trying the next host" \
    "$OCTOPOD_VAR/log/octopod-notifier.log"
t_is "$(grep -c 'could not connect' "$OCTOPOD_VAR/log/octopod-notifier.log")" 0 "and logs no failure"

restart_notifier "$REAL_URL"
for _ in $(seq 1 50); do
	grep -q 'listening on channel' "$OCTOPOD_VAR/log/octopod-notifier.log" && break
	sleep 0.1
done
node "$T_ROOT/t/ws/probe.mjs" --count 1 --every 0 >"$T_TMP/probe" 2>&1
t_like "$(cat "$T_TMP/probe")" "* true" "on the real database it listens"
ws_watch a --sub '{"subscribe":"list"}'
sql "SELECT pg_notify('octopod_events', json_build_object('type', 'deployment',
    'name', 'x', 'status', 'Running')::text)" >/dev/null
t_ok "and relays events" ws_wait a 'select(.event.name == "x")' 5
ws_done
