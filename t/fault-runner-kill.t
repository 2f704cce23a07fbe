#!/usr/bin/env bash
# kill -9 of the runner while its scripts run (1 s each), five rounds under
# a load of creates, with a second octopod-fcgi (another pod) claiming from
# the same queue all along: the master starts a new runner; a runner finds
# the dead one's actions by their stale heartbeat and marks them
# interrupted (their deployments go to Failure, not left pending); every
# other accepted create runs exactly once; the dead runners' check claims
# expire within seconds (every deployment is checked again); the API never
# stops answering.
export FAULT_SLEEP=1 FAULT_CHECK_SLEEP=0.5
. "$(dirname "$0")/lib/fault.sh"
stack_start
FCGI_SOCKET=$OCTOPOD_VAR/run/second.sock RESPONDERS=1 "$O/bin/octopod-fcgi" \
    >>"$OCTOPOD_VAR/log/octopod-fcgi-second.log" 2>&1 &
SECOND=$!
STACK_PIDS="$STACK_PIDS $SECOND"

load_start uk
for round in 1 2 3 4 5; do
	# the new runner (the master backs off a child that died young),
	# once it runs a script
	victim=
	for i in $(seq 1 150); do
		v=$(fcgi_child runner) && [ "$(sql "SELECT count(*) FROM actions
		    WHERE state = 'running' AND runner LIKE '%:$v'")" -gt 0 ] &&
		    { victim=$v; break; }
		sleep 0.1
	done
	[ -n "$victim" ] || { t_result 1 "round $round: a runner at work to kill"; break; }
	fault_kill "$victim"
done
load_stop uk
wait_deaths runner 5
t_is "$(grep -c 'runner [0-9]* killed by signal 9' "$OCTOPOD_VAR/log/octopod-fcgi.log")" 5 \
    "the master saw five runners die"
r2=$(grep -o 'started runner [0-9]*' "$OCTOPOD_VAR/log/octopod-fcgi-second.log" | awk '{print $3}' | head -1)
t_ok "the second octopod-fcgi ran actions too" test "$(sql "SELECT count(*) FROM actions
    WHERE runner LIKE '%:${r2:-none}'")" -gt 0
fault_verify uk '202'
t_ok "some actions were interrupted by the kills" \
    test "$(sql "SELECT count(*) FROM actions WHERE state = 'interrupted'
    AND error LIKE '%stopped sending heartbeats%'")" -gt 0
t_is "$(sql "SELECT count(*) FROM actions a JOIN deployments d ON d.id = a.deployment_id
    WHERE a.state = 'interrupted' AND (d.status, d.failure_reason) <> ('Failure', 'interrupted')
    AND d.status <> 'Running'")" 0 "their deployments are in Failure (interrupted) or checked Running"
t_is "$(sql "SELECT count(*) FROM actions WHERE state NOT IN
    ('succeeded','failed','interrupted','timed_out')")" 0 "every action is terminal"
t_is "$(wait_sql "SELECT count(*) FROM deployments WHERE checked_at IS NULL
    OR checked_at < now() - interval '40 seconds'" 0 45)" 0 \
    "every deployment was checked again (no claim of a dead runner left)"
t_done
