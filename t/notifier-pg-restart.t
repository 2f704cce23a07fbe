#!/usr/bin/env bash
# PostgreSQL restarts under the notifier: it reconnects (with backoff),
# LISTENs again, tells every client to resync, and events flow again to
# the same connections; output followed across the restart continues.
. "$(dirname "$0")/lib/stack.sh"
. "$(dirname "$0")/lib/ws.sh"
stack_start
export PGHOST=$OCTOPOD_VAR/pg/run

notify() {	# notify NAME: a deployment event, as octopod-fcgi sends them
	sql "SELECT pg_notify('octopod_events', json_build_object('type',
	    'deployment', 'name', '$1', 'status', 'Running')::text)" >/dev/null
}

ws_watch a --sub '{"subscribe":"list"}'
ws_watch b --sub '{"subscribe":"deployment","name":"after"}'
notify before
t_ok "an event before the restart" ws_wait a 'select(.event.name == "before")' 5

as_pg "$PGBIN/pg_ctl" -D "$OCTOPOD_VAR/pg/data" -m fast -w stop >/dev/null
sleep 1
as_pg "$PGBIN/pg_ctl" -D "$OCTOPOD_VAR/pg/data" -l "$OCTOPOD_VAR/pg/postgres.log" -w \
    -o "-k $OCTOPOD_VAR/pg/run -c listen_addresses= -p 5432 -c max_connections=300" \
    start >/dev/null
t_ok "the list client is told to resync" ws_wait a 'select(.type == "resync")' 15
t_ok "the deployment client is told to resync" ws_wait b 'select(.type == "resync")' 5
t_is "$(ws_msgs a 'select(.closed != null)')" "" "the client's connection stayed up"

notify after
t_ok "events flow again after the restart" ws_wait a 'select(.event.name == "after")' 10
t_ok "also to a deployment follower" ws_wait b 'select(.event.name == "after")' 5
t_is "$(ws_msgs a 'select(.event != null) | .seq' | tr '\n' ' ')" "1 2 " \
    "the sequence goes on"
t_like "$(grep -c 'listening on channel' "$OCTOPOD_VAR/log/octopod-notifier.log")" 2 \
    "the notifier LISTENed twice"

# the API still works end to end through the notifier
ui POST deployments '{"name":"after","tag":"v1"}'
t_is "$S" 202 "create after the restart"
t_ok "its events arrive" ws_wait b 'select(.event.status == "Running")' 20

# down for a while: several retries, then back
as_pg "$PGBIN/pg_ctl" -D "$OCTOPOD_VAR/pg/data" -m immediate -w stop >/dev/null
sleep 3
as_pg "$PGBIN/pg_ctl" -D "$OCTOPOD_VAR/pg/data" -l "$OCTOPOD_VAR/pg/postgres.log" -w \
    -o "-k $OCTOPOD_VAR/pg/run -c listen_addresses= -p 5432 -c max_connections=300" \
    start >/dev/null
for i in $(seq 1 100); do
	[ "$(ws_msgs a 'select(.type == "resync")' | wc -l)" -ge 2 ] && break
	sleep 0.1
done
t_is "$(ws_msgs a 'select(.type == "resync")' | wc -l)" 2 "a second resync after a longer outage"
t_ok "it retried meanwhile" grep -q 'could not connect to the database' "$OCTOPOD_VAR/log/octopod-notifier.log"
notify again
t_ok "and events again" ws_wait a 'select(.event.name == "again")' 10
kill -0 "$NOTIFIER_PID"
t_is $? 0 "the notifier is still running"
ws_done
