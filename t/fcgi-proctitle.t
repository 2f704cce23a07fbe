#!/usr/bin/env bash
# Process titles an operator can read in ps and top: the master, each
# responder by its number (the same number after a restart), the runner,
# the notifier with its state; the short names top shows by default.
. "$(dirname "$0")/lib/stack.sh"
stack_start

args() { ps -o args= -p "$1" | sed 's/ *$//'; }
kids() { for p in $(pgrep -P "$FCGI_PID"); do args "$p"; done | sort | tr '\n' '|'; }
t_is "$(args "$FCGI_PID")" "octopod-fcgi: master" "ps shows the master"
t_is "$(kids)" "octopod-fcgi: responder 1|octopod-fcgi: responder 2|octopod-fcgi: runner|" \
    "ps shows each responder by its number, and the runner"
comms=$(for p in $(pgrep -P "$FCGI_PID"); do ps -o comm= -p "$p"; done | sort | tr '\n' '|')
t_is "$comms" "octopod-resp-1|octopod-resp-2|octopod-runner|" "top's short names tell them apart too"
t_is "$(ps -o comm= -p "$FCGI_PID")" octopod-fcgi "the master's short name is the program's"

# responder 1 killed: the master starts another in its slot, titled the same
r1=$(for p in $(pgrep -P "$FCGI_PID"); do [ "$(args "$p")" = "octopod-fcgi: responder 1" ] && echo "$p"; done)
kill -KILL "$r1"
for _ in $(seq 1 100); do
	[ "$(kids)" = "octopod-fcgi: responder 1|octopod-fcgi: responder 2|octopod-fcgi: runner|" ] &&
	    ! pgrep -P "$FCGI_PID" | grep -qx "$r1" && break
	sleep 0.1
done
t_is "$(kids)" "octopod-fcgi: responder 1|octopod-fcgi: responder 2|octopod-fcgi: runner|" \
    "the restarted responder is responder 1 again"
ui GET deployments
t_is "$S" 200 "and the stack answers (the environment survived the title)"

for _ in $(seq 1 50); do
	[ "$(args "$NOTIFIER_PID")" = "octopod-notifier: listening" ] && break
	sleep 0.1
done
t_is "$(args "$NOTIFIER_PID")" "octopod-notifier: listening" "ps shows the notifier listening"
as_pg "$PGBIN/pg_ctl" -D "$OCTOPOD_VAR/pg/data" -m fast -w stop >/dev/null
for _ in $(seq 1 50); do
	[ "$(args "$NOTIFIER_PID")" = "octopod-notifier: connecting" ] && break
	sleep 0.1
done
t_is "$(args "$NOTIFIER_PID")" "octopod-notifier: connecting" "and connecting while the database is away"
as_pg "$PGBIN/pg_ctl" -D "$OCTOPOD_VAR/pg/data" -l "$OCTOPOD_VAR/pg/postgres.log" -w \
    -o "$PG_OPTS" start >/dev/null
t_done
