#!/usr/bin/env bash
# PostgreSQL stopped under the API: 503 in the one error shape, never a
# crash; started again: full service, no responder restarted.
FCGI_ARGS=-R
. "$(dirname "$0")/lib/stack.sh"
stack_start

power POST deployments '{"name":"db1","tag":"v1"}'
t_is "$S" 202 "created before the restart"
pids_before=$(pgrep -P "$FCGI_PID" | sort | tr '\n' ' ')

as_pg "$PGBIN/pg_ctl" -D "$OCTOPOD_VAR/pg/data" -m fast -w stop >/dev/null
for path in ping deployments deployments/db1; do
	ui GET "$path"
	t_is "$S/$(j .error.code)" 503/database_unavailable "database down: GET $path is 503"
done
power POST deployments '{"name":"db2","tag":"v1"}'
t_is "$S/$(j .error.code)" 503/database_unavailable "database down: create is 503"
ui GET project
t_is "$S" 503 "every route needs the database"

as_pg "$PGBIN/pg_ctl" -D "$OCTOPOD_VAR/pg/data" -l "$OCTOPOD_VAR/pg/postgres.log" -w \
    -o "-k $OCTOPOD_VAR/pg/run -c listen_addresses= -p 5432 -c fsync=off" start >/dev/null
ok=0
for i in $(seq 1 8); do	# every thread of every responder reconnects
	ui GET deployments/db1
	[ "$S" = 200 ] && ok=$((ok + 1))
done
t_is "$ok" 8 "database back: every request answered"
power POST deployments '{"name":"db2","tag":"v1"}'
t_is "$S" 202 "database back: create works"
t_is "$(sql "SELECT count(*) FROM deployments WHERE name='db2'")" 1 "and is stored once"
t_is "$(pgrep -P "$FCGI_PID" | sort | tr '\n' ' ')" "$pids_before" "no responder died"
t_done
