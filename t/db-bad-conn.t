#!/usr/bin/env bash
# A database that cannot be used, over TCP+TLS+scram as production has
# it: a wrong password, a server certificate of an unknown CA, a host
# that cannot be reached (t/lib/tcpgate.mjs: connections cut, new ones
# accepted and never answered). Each time: one log line a process naming
# the host, the API answers 503 (error shape, Retry-After) and no request
# hangs past the connect timeout, no child of the master is restarted;
# the setting fixed or the host back, service returns by itself.
export PG_TCP=1
. "$(dirname "$0")/lib/stack.sh"
. "$(dirname "$0")/lib/ws.sh"
stack_start
ws_env

GATE_PORT=$(free_port)
node "$T_ROOT/t/lib/tcpgate.mjs" "$GATE_PORT" "$PG_PORT" >"$T_TMP/gate.out" 2>&1 &
GATE=$!
for _ in $(seq 1 50); do grep -q ready "$T_TMP/gate.out" && break; sleep 0.1; done
t_cleanup_hook() { kill "$GATE" 2>/dev/null; ws_cleanup; stack_stop; return 0; }

# the stack's own CA file, to be swapped; the gate's port; 2 s to connect
cp "$OCTOPOD_VAR/pg/tls/ca.pem" "$T_TMP/root.pem"
URL="host=127.0.0.1 port=$GATE_PORT user=octopod password=$(cat "$OCTOPOD_VAR/pg/password") dbname=octopod sslmode=verify-full sslrootcert=$T_TMP/root.pem connect_timeout=2"
stack_kill TERM "$FCGI_PID"
stack_kill TERM "$NOTIFIER_PID"
: >"$OCTOPOD_VAR/log/octopod-fcgi.log"
: >"$OCTOPOD_VAR/log/octopod-notifier.log"
DATABASE_URL=$URL stack_fcgi_start
DATABASE_URL=$URL stack_notifier_start
stack_wait_ready 30 || stack_die "the stack did not become ready through the gate"
FLOG=$OCTOPOD_VAR/log/octopod-fcgi.log
NLOG=$OCTOPOD_VAR/log/octopod-notifier.log
asql() { "$PGBIN/psql" -X -q -tA -v ON_ERROR_STOP=1 -d "$PG_ADMIN" "$@"; }
kick() {	# end the stack's sessions: they must connect anew
	asql -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = 'octopod'" >/dev/null
}
wait_log() {	# wait_log FILE PATTERN [SECONDS]
	for _ in $(seq 1 $(( ${3:-10} * 10 ))); do
		grep -qF -- "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}
children() { pgrep -P "$FCGI_PID" | sort | tr '\n' ' '; }
kids=$(children)
t_like "$kids" "* * * " "a master with 3 children (2 responders, runner)"
ui GET deployments
t_is "$S" 200 "through the gate: service"
HOST="connection to server at \"127.0.0.1\", port $GATE_PORT failed"

# probe NAME: 12 requests, 6 at a time, on both doors; every one 503 in
# the error shape with Retry-After, none slower than MAX ms
probe() {
	local i f max=0 bad=0 ms pids=""
	rm -f "$T_TMP"/p.*
	for i in $(seq 1 12); do
		if [ $((i % 2)) = 0 ]; then
			curl -sS --max-time 15 --cacert "$OCTOPOD_VAR/tls/ca.pem" -u "$UI_CRED" \
			    -D "$T_TMP/p.$i.h" -o "$T_TMP/p.$i.b" -w '%{http_code} %{time_total}\n' \
			    "https://localhost:$UI_PORT/api/v1/deployments" >"$T_TMP/p.$i.s" 2>&1 &
		else
			curl -sS --max-time 15 --cacert "$OCTOPOD_VAR/tls/ca.pem" \
			    --cert "$OCTOPOD_VAR/tls/octo.pem" --key "$OCTOPOD_VAR/tls/octo-key.pem" \
			    -H 'Content-Type: application/json' -d "{\"name\":\"p$i\",\"tag\":\"v1\"}" \
			    -D "$T_TMP/p.$i.h" -o "$T_TMP/p.$i.b" -w '%{http_code} %{time_total}\n' \
			    "https://localhost:$POWER_PORT/api/v1/deployments" >"$T_TMP/p.$i.s" 2>&1 &
		fi
		pids="$pids $!"
		if [ $((i % 6)) = 0 ]; then
			# shellcheck disable=SC2086
			wait $pids
			pids=""
		fi
	done
	for i in $(seq 1 12); do
		f=$T_TMP/p.$i
		ms=$(awk '{printf "%d", $2 * 1000}' "$f.s")
		[ "$ms" -gt "$max" ] && max=$ms
		if [ "$(cut -d' ' -f1 "$f.s")" != 503 ] ||
		    [ "$(jq -r .error.code "$f.b" 2>/dev/null)" != database_unavailable ] ||
		    ! grep -qi '^Retry-After: [0-9]' "$f.h"; then
			bad=$((bad + 1))
			t_diag "request $i: $(cat "$f.s") $(cat "$f.b" 2>/dev/null)"
		fi
	done
	t_is "$bad" 0 "$1: every request 503 database_unavailable with Retry-After"
	t_ok "$1: no request took longer than $2 ms (slowest $max ms)" test "$max" -le "$2"
}

# back NAME: service returns by itself within 10 s, everywhere
back() {
	local i n=$(grep -c 'listening on channel' "$NLOG")
	for i in $(seq 1 100); do
		ui GET deployments
		[ "$S" = 200 ] && break
		sleep 0.1
	done
	t_is "$S" 200 "$1 fixed: the API answers again (after $((i / 10)).$((i % 10)) s)"
	t_ok "$1 fixed: the notifier listens again" wait_log "$NLOG" 'connected to the database again' 15
	t_is "$(children)" "$kids" "$1: no child of the master was restarted"
}

# one_line NAME LOG TEXT: TEXT (which names the host) logged, once a process
one_line() {
	local n
	t_ok "$1: $(basename "$2") says it, naming the host" wait_log "$2" "$3" 10
	n=$(grep -cF -- "$3" "$2")
	t_ok "$1: once a process, not once a request ($n in $(basename "$2"))" test "$n" -ge 1 -a "$n" -le "$4"
	t_diag "$(grep -F -- "$3" "$2" | head -1)"
}

# 1. a wrong password
asql -c "ALTER ROLE octopod PASSWORD 'not-the-one'" >/dev/null
kick
probe "wrong password" 1500
one_line "wrong password" "$FLOG" "could not connect to the database: $HOST: FATAL:  password authentication failed for user \"octopod\"" 3
one_line "wrong password" "$NLOG" "could not connect to the database: $HOST: FATAL:  password authentication failed for user \"octopod\"" 1
# (psql sets :'pw' in its input, not in -c)
echo "ALTER ROLE octopod PASSWORD :'pw'" | asql -v pw="$(cat "$OCTOPOD_VAR/pg/password")" >/dev/null
back "wrong password"

# 2. a server certificate the client's CA did not sign
: >"$FLOG"; : >"$NLOG"
(cd "$T_TMP" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -keyout other-key.pem -out other.pem -days 1 -subj "/CN=another CA" 2>/dev/null)
cp "$T_TMP/other.pem" "$T_TMP/root.pem"
kick
probe "unknown CA" 1500
one_line "unknown CA" "$FLOG" "could not connect to the database: $HOST: SSL error: certificate verify failed" 3
one_line "unknown CA" "$NLOG" "could not connect to the database: $HOST: SSL error: certificate verify failed" 1
cp "$OCTOPOD_VAR/pg/tls/ca.pem" "$T_TMP/root.pem"
back "unknown CA"

# 3. the host cannot be reached: every request within the connect
# timeout (2 s) and a little
: >"$FLOG"; : >"$NLOG"
kill -USR1 "$GATE"
probe "unreachable host" 3000
one_line "unreachable host" "$FLOG" "could not connect to the database: $HOST: timeout expired" 3
one_line "unreachable host" "$NLOG" "could not connect to the database: $HOST: no answer within 2 s" 1
kill -USR2 "$GATE"
back "unreachable host"

t_is "$(grep -cE 'exited with|killed by signal' "$FLOG")" 0 "the master restarted nothing"
ws_watch live --sub '{"subscribe":"list"}'
power POST deployments '{"name":"after","tag":"v1"}'
t_is "$S" 202 "a create after it all"
t_is "$(wait_sql "SELECT status FROM deployments WHERE name = 'after'" Running 30)" Running \
    "reaches Running through the runner"
t_ok "and a websocket client sees it live" \
    ws_wait live 'select(.event.name == "after" and .event.status == "Running")' 10
t_is "$(sql "SELECT count(*) FROM deployments WHERE name LIKE 'p%'")" 0 "nothing of the refused creates was written"
ws_done
