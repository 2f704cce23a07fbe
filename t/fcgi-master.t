#!/usr/bin/env bash
# The master: a killed responder is restarted and the service goes on;
# SIGTERM stops every process and removes the socket; bad settings stop
# start-up with one clear line; migrations are applied once.
. "$(dirname "$0")/lib/stack.sh"
stack_start

kids() { pgrep -P "$FCGI_PID" | sort | tr '\n' ' '; }
before=$(kids)
t_is "$(echo $before | wc -w)" 3 "two responders and a runner"
victim=$(echo $before | cut -d' ' -f1)
kill -KILL "$victim"
for i in $(seq 1 50); do
	now=$(kids)
	[ "$(echo $now | wc -w)" = 3 ] && ! echo " $now " | grep -q " $victim " && break
	sleep 0.1
done
t_is "$(echo $now | wc -w)" 3 "the master replaced the killed child"
t_like "$now" "*[0-9]*" "with a new pid"
ok=0
for i in $(seq 1 10); do ui GET ping; [ "$S" = 200 ] && ok=$((ok + 1)); done
t_is "$ok" 10 "service goes on"

# migrations: a second run applies nothing and changes nothing
n=$(sql "SELECT count(*) FROM schema_migrations")
t_is "$n" "$(ls "$T_ROOT"/sql/*.sql | wc -l)" "every migration recorded once"
MIGRATIONS_DIR="$T_ROOT/sql" "$O/bin/octopod-fcgi" -m 2>"$T_TMP/mig"
t_is "$?" 0 "migrate again: exit 0"
t_like "$(cat "$T_TMP/mig")" "*0 applied*" "nothing applied the second time"
t_is "$(sql "SELECT count(*) FROM schema_migrations")" "$n" "nothing recorded twice"

# bad settings
out=$(THREADS=0 "$O/bin/octopod-fcgi" -n 2>&1); rc=$?
t_is "$rc" 1 "THREADS=0: exit 1"
t_like "$out" "*invalid setting THREADS*" "one clear line naming the setting"
out=$(CONTROL_SCRIPT_ARGS=v3 "$O/bin/octopod-fcgi" -n 2>&1); rc=$?
t_like "$rc:$out" "1:*CONTROL_SCRIPT_ARGS*v1|v2*" "a bad choice names the choices"
out=$(DATABASE_URL="host=/x password=hunter2" "$O/bin/octopod-fcgi" -n 2>&1)
t_like "$out" "*DATABASE_URL=\*\*\**" "-n masks the database URL"

# SIGTERM: everything stops, the socket goes away
all="$FCGI_PID $(kids)"
kill -TERM "$FCGI_PID"
for i in $(seq 1 100); do
	alive=0
	for p in $all; do
		pid_gone "$p" || alive=1
	done
	[ $alive = 0 ] && break
	sleep 0.1
done
t_is "$alive" 0 "SIGTERM: master and children gone within 10 s"
t_ok "socket removed" test ! -e "$OCTOPOD_VAR/run/fcgi.sock"
t_done
