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
ws_done
