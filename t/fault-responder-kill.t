#!/usr/bin/env bash
# kill -9 of a responder in the middle of work, six rounds under a load of
# creates: the master replaces it, the service answers again within
# seconds, an accepted create is never lost nor run twice, nothing stays
# pending; a request cut by the kill gets nginx's 502, never a 500.
. "$(dirname "$0")/lib/fault.sh"
stack_start

load_start rk
load_start rl
slowest=0
for round in 1 2 3 4 5 6; do
	sleep 0.7
	victim=$(fcgi_child responder) || { t_result 1 "round $round: a responder to kill"; break; }
	fault_kill "$victim"
	took=$(wait_ping 10) || took=999
	[ "$took" -gt "$slowest" ] && slowest=$took
done
load_stop rk
load_stop rl
t_ok "the service answered again within 5 s of each kill (slowest $slowest/10 s)" \
    test "$slowest" -le 50
wait_deaths responder 6
t_is "$(grep -c 'killed by signal 9' "$OCTOPOD_VAR/log/octopod-fcgi.log")" 6 \
    "the master saw six responders die"
for i in $(seq 1 100); do	# a child that died young is restarted after a back-off
	[ "$(pgrep -P "$FCGI_PID" | wc -l)" = 3 ] && break
	sleep 0.1
done
t_is "$(pgrep -P "$FCGI_PID" | wc -l)" 3 "and runs two responders and a runner again"
fault_verify rk '202|502'
fault_verify rl '202|502'
# after the last kill, every request is answered
ok=0
for i in $(seq 1 20); do
	power POST deployments "{\"name\":\"after-$i\",\"tag\":\"v1\"}"
	[ "$S" = 202 ] && ok=$((ok + 1))
done
t_is "$ok" 20 "after the faults every create is accepted"
t_done
