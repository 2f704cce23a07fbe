#!/usr/bin/env bash
# PostgreSQL stopped and started again under a load of creates (scripts
# running), three rounds (fast and immediate stops): 503
# database_unavailable while it is down, never another error; full
# service within seconds after; no accepted create lost, run twice or
# left pending.
. "$(dirname "$0")/lib/fault.sh"
stack_start

# started again with synchronous_commit on (PG_FAST had it off): an
# immediate stop must not lose a commit that was answered 202
pg_up() {
	as_pg "$PGBIN/pg_ctl" -D "$OCTOPOD_VAR/pg/data" -l "$OCTOPOD_VAR/pg/postgres.log" -w \
	    -o "-k $OCTOPOD_VAR/pg/run -c listen_addresses= -p 5432 -c max_connections=300 \
	    -c fsync=off" start >/dev/null
}
load_start pk
load_start pl
down503=0 slowest=0
for mode in fast immediate fast; do
	sleep 1.5
	as_pg "$PGBIN/pg_ctl" -D "$OCTOPOD_VAR/pg/data" -m "$mode" -w stop >/dev/null
	sleep 0.5
	ui GET ping
	[ "$S/$(j .error.code)" = 503/database_unavailable ] && down503=$((down503 + 1))
	sleep 1
	pg_up
	took=$(wait_ping 10) || took=999
	[ "$took" -gt "$slowest" ] && slowest=$took
done
load_stop pk
load_stop pl
t_is "$down503" 3 "503 database_unavailable while it is down"
t_ok "full service within 5 s after each start (slowest $slowest/10 s)" test "$slowest" -le 50
t_ok "the load saw the outages (503s)" grep -q ' 503$' "$T_TMP/load.pk" "$T_TMP/load.pl"
fault_verify pk '202|503'
fault_verify pl '202|503'
ok=0
for i in $(seq 1 12); do	# every thread of every responder is back
	power POST deployments "{\"name\":\"after-$i\",\"tag\":\"v1\"}"
	[ "$S" = 202 ] && ok=$((ok + 1))
done
t_is "$ok" 12 "after the outages every create is accepted"
t_done
