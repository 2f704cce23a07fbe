#!/usr/bin/env bash
# kill -9 of the master under a load of creates, five rounds, each time
# started again as an operator (or systemd) would, at once, while the old
# master's orphaned children may still be around: the new master starts
# (the stale FastCGI socket is unlinked and created anew), the service
# answers again within seconds, the orphans stop by themselves (the
# runner finishing its scripts' bookkeeping; STOP_DEADLINE bounds it),
# and no accepted action is lost, left pending or run twice.
. "$(dirname "$0")/lib/fault.sh"
stack_start

ALL_KIDS=""
# children left behind (when the master's children outlive it) are stopped
t_cleanup_hook() {
	local k
	stack_stop
	for k in $ALL_KIDS; do
		[ "$(readlink "/proc/$k/exe")" = "$O/bin/octopod-fcgi" ] && kill -KILL "$k"
	done
	return 0
}
# what a child that did not stop is doing: its kind, each thread's state
# and kernel wait channel, its last log lines (on stderr, which prove shows)
orphan_report() {
	local t
	t_diag "round $round: $1 still there: $(grep -h "started .* $1\$" \
	    "$OCTOPOD_VAR/log/octopod-fcgi.log")"
	for t in /proc/"$1"/task/*; do
		t_diag "  thread ${t##*/}: $(awk '{print $3}' "$t/stat" 2>/dev/null) $(cat "$t/wchan" 2>/dev/null)"
	done
	grep -h "\[$1\]" "$OCTOPOD_VAR/log/octopod-fcgi.log" | tail -5 |
	    while IFS= read -r t; do t_diag "  $t"; done
} >&2
load_start mk
slowest=0 started=0 orphans_left=""
for round in 1 2 3 4 5; do
	sleep 1
	old=$FCGI_PID
	kids=$(pgrep -P "$old" | tr '\n' ' ')
	ALL_KIDS="$ALL_KIDS $kids"
	ino=$(stat -c %z "$OCTOPOD_VAR/run/fcgi.sock")
	stack_kill KILL "$old"
	stack_fcgi_start
	took=$(wait_ping 10) || took=999
	[ "$took" -gt "$slowest" ] && slowest=$took
	kill -0 "$FCGI_PID" 2>/dev/null && started=$((started + 1))
	[ "$(stat -c %z "$OCTOPOD_VAR/run/fcgi.sock" 2>/dev/null)" != "$ino" ] ||
	    t_result 1 "round $round: the socket was created anew"
	# they stop by themselves, STOP_DEADLINE (10 s) after the kill at most
	for i in $(seq 1 150); do
		left=""
		for k in $kids; do pid_gone "$k" || left="$left $k"; done
		[ -z "$left" ] && break
		sleep 0.1
	done
	for k in $left; do orphan_report "$k"; done
	orphans_left="$orphans_left$left"
done
load_stop mk
t_is "$started" 5 "a new master started each time, with the old one's children around"
t_ok "the service answered again within 5 s each time (slowest $slowest/10 s)" \
    test "$slowest" -le 50
t_is "$orphans_left" "" "the old master's children stopped by themselves within 15 s"
t_is "$(pgrep -P "$FCGI_PID" | wc -l)" 3 "the last master runs two responders and a runner"
fault_verify mk '202|502'
t_is "$(sql "SELECT count(*) FROM actions WHERE state NOT IN
    ('succeeded','failed','interrupted','timed_out')")" 0 "every action is terminal"
t_done
