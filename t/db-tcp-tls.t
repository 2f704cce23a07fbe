#!/usr/bin/env bash
# The stack against PostgreSQL as production has it: over TCP, TLS with
# sslmode=verify-full against the cluster's own test CA, scram-sha-256
# passwords (hostssl lines only), and the conninfo from DATABASE_URL_FILE
# (a mounted Secret) for the responders, the runner and the notifier. A
# create reaches Running through the runner, and a websocket client on
# the ui door sees it live: the notifier connects over TCP (it did not:
# it asked for writability from inside lws's writable callback, which
# lws then cleared, so the second step of a TCP connect never came).
export PG_TCP=1 PG_URL_FILE=1
. "$(dirname "$0")/lib/stack.sh"
. "$(dirname "$0")/lib/ws.sh"
stack_start

t_like "$DATABASE_URL" "host=127.0.0.1 port=$PG_PORT *sslmode=verify-full*" "the stack's conninfo is TCP, verify-full"
t_is "$(stat -c %a "$OCTOPOD_VAR/database-url")" 600 "the conninfo file is 0600"
# (stack_start started octopod-fcgi and octopod-notifier with DATABASE_URL
# unset and DATABASE_URL_FILE set: what they read from it, masked)
for b in octopod-fcgi octopod-notifier; do
	t_is "$(env -u DATABASE_URL DATABASE_URL_FILE="$OCTOPOD_VAR/database-url" \
	    "$O/bin/$b" -n | grep '^DATABASE_URL=')" 'DATABASE_URL=***' \
	    "$b reads the conninfo from DATABASE_URL_FILE, and never prints it"
done

# what the server says about the sessions: every client is on TLS, scram
conns=$(sql "SELECT x || ' x' || count(*) FROM (SELECT a.application_name || ' ' ||
    s.ssl || ' ' || host(a.client_addr) AS x FROM pg_stat_activity a
    JOIN pg_stat_ssl s USING (pid) WHERE a.usename = 'octopod') q GROUP BY x ORDER BY 1")
t_diag "$conns"
t_like "$conns" "*octopod-fcgi true 127.0.0.1 x*" "responders are connected over TLS"
t_like "$conns" "*octopod-runner true 127.0.0.1 x*" "the runner is connected over TLS"
for _ in $(seq 1 100); do
	grep -q 'listening on channel' "$OCTOPOD_VAR/log/octopod-notifier.log" && break
	sleep 0.1
done
t_ok "the notifier listens" grep -q 'listening on channel' "$OCTOPOD_VAR/log/octopod-notifier.log"
t_like "$(sql "SELECT s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
    WHERE a.application_name = 'octopod-notifier'")" t "the notifier is connected over TLS"
t_is "$(sql "SELECT count(*) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
    WHERE a.usename = 'octopod' AND NOT s.ssl")" 0 "no session without TLS"
t_is "$(sql "SELECT rolpassword LIKE 'SCRAM-SHA-256\$%' FROM pg_authid WHERE rolname = 'octopod'" 2>/dev/null ||
    "$PGBIN/psql" -X -tA -d "$PG_ADMIN" -c "SELECT rolpassword LIKE 'SCRAM-SHA-256\$%' FROM pg_authid WHERE rolname = 'octopod'")" t \
    "the role's password is a scram-sha-256 verifier"
# hostssl only: TCP without TLS is refused
t_rc 2 "TCP without TLS is refused" "$PGBIN/psql" -X -tA \
    -d "host=127.0.0.1 port=$PG_PORT user=octopod dbname=octopod sslmode=disable password=$(cat "$OCTOPOD_VAR/pg/password")" -c 'SELECT 1'
t_like "$(cat "$T_ERR")" "*no pg_hba.conf entry*" "by pg_hba ($(head -1 "$T_ERR"))"

ws_watch live --sub '{"subscribe":"list"}' || t_diag "no websocket client"
t_ok "the websocket client is told the notifier listens" \
    ws_wait live 'select(.type == "hello" and .listening == true)' 10

ui POST deployments '{"name":"tls","tag":"v1"}'
t_is "$S" 202 "create through the ui door"
t_is "$(wait_sql "SELECT status FROM deployments WHERE name = 'tls'" Running 30)" Running \
    "the runner takes it to Running"
t_is "$(sql "SELECT state FROM actions a JOIN deployments d ON d.id = a.deployment_id WHERE d.name = 'tls'")" \
    succeeded "its action succeeded"
t_ok "the websocket client saw it Running, live" \
    ws_wait live 'select(.event.name == "tls" and .event.status == "Running")' 10
t_is "$(grep -c 'could not connect' "$OCTOPOD_VAR"/log/octopod-*.log | awk -F: '{s += $2} END {print s}')" 0 \
    "no connection failure logged"
ws_cleanup

# several hosts (issue 18), in the file: a first one that accepts and
# never answers, then the database, and no connect_timeout: all three
# give the first host the default 5 s (the runner had none: it waited on
# a silent host for ever), target_session_attrs as libpq reads it
SILENT_PORT=$(free_port)
node -e "require('net').createServer(() => {}).listen($SILENT_PORT, '127.0.0.1')" &
SILENT=$!
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$SILENT_PORT") 2>/dev/null && break; sleep 0.1; done
t_cleanup_hook() { kill "$SILENT" 2>/dev/null; ws_cleanup; stack_stop; return 0; }
stack_kill TERM "$FCGI_PID"
stack_kill TERM "$NOTIFIER_PID"
: >"$OCTOPOD_VAR/log/octopod-notifier.log"
multi=${DATABASE_URL/host=127.0.0.1 port=$PG_PORT/host=localhost,127.0.0.1 port=$SILENT_PORT,$PG_PORT}
(umask 077; printf '%s target_session_attrs=read-write\n' "$multi" >"$OCTOPOD_VAR/database-url")
t_like "$(cat "$OCTOPOD_VAR/database-url")" "host=localhost,127.0.0.1 port=$SILENT_PORT,$PG_PORT *" "a conninfo of two hosts"
url=$DATABASE_URL
unset DATABASE_URL
export DATABASE_URL_FILE="$OCTOPOD_VAR/database-url"
stack_fcgi_start
stack_notifier_start
export DATABASE_URL=$url
unset DATABASE_URL_FILE
stack_wait_ready 30
t_is $? 0 "the stack answers"
for _ in $(seq 1 100); do
	grep -q 'listening on channel' "$OCTOPOD_VAR/log/octopod-notifier.log" && break
	sleep 0.1
done
t_ok "the notifier went past the silent host" grep -q \
    "connection to server at \"localhost\", port $SILENT_PORT failed: no answer within 5 s: trying the next host" \
    "$OCTOPOD_VAR/log/octopod-notifier.log"
t_ok "and listens on the second" grep -q 'listening on channel' "$OCTOPOD_VAR/log/octopod-notifier.log"
ws_watch multi --sub '{"subscribe":"list"}' || t_diag "no websocket client"
ui POST deployments '{"name":"multi","tag":"v1"}'
t_is "$S" 202 "a create through responders that went past it"
t_is "$(wait_sql "SELECT status FROM deployments WHERE name = 'multi'" Running 40)" Running \
    "and a runner that went past it takes it to Running"
t_ok "the websocket client sees it live" \
    ws_wait multi 'select(.event.name == "multi" and .event.status == "Running")' 10
t_like "$(sql "SELECT string_agg(DISTINCT application_name, ' ' ORDER BY application_name)
    FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE usename = 'octopod' AND s.ssl")" \
    "*octopod-fcgi octopod-notifier octopod-runner*" "all three are connected, on TLS"
ws_done
