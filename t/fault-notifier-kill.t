#!/usr/bin/env bash
# kill -9 of the notifier while it relays events of a load of creates,
# five rounds, each time started again: its clients see the connection
# close (and can reconnect at once: the stale unix socket is replaced),
# the new process relays the new events, and the API never notices (every
# create accepted, nothing lost or run twice).
. "$(dirname "$0")/lib/fault.sh"
. "$(dirname "$0")/lib/ws.sh"
stack_start

load_start nk
ws_watch w0 --sub '{"subscribe":"list"}' || t_result 1 "first client subscribed"
relayed=0 closed=0 back=0 stale=0
for round in 1 2 3 4 5; do
	prev=w$((round - 1))
	ws_wait "$prev" 'select(.event.type == "deployment")' 10 && relayed=$((relayed + 1))
	old=$NOTIFIER_PID
	stack_kill KILL "$old"
	ws_wait "$prev" 'select(.closed != null)' 5 && closed=$((closed + 1))
	ws_stop "$prev"
	[ -S "$OCTOPOD_VAR/run/notifier.sock" ] && stale=$((stale + 1))
	stack_notifier_start
	ws_watch "w$round" --sub '{"subscribe":"list"}' && back=$((back + 1))
done
t_is "$relayed" 5 "each notifier relayed events before it was killed"
t_is "$closed" 5 "each kill closed the client's connection"
t_is "$stale" 5 "each kill left its unix socket behind"
t_is "$back" 5 "each new notifier took a new client at once (socket replaced)"
ws_wait w5 'select(.type == "hello" and .listening == true)' 5
t_is $? 0 "the last one is LISTENing"
load_stop nk
power POST deployments '{"name":"nk-final","tag":"v1"}'
t_is "$S" 202 "a create after the faults"
ws_wait w5 'select(.event.name == "nk-final" and .event.status == "Running")' 20
t_is $? 0 "its events reach the client of the last notifier"
fault_verify nk '202'
ws_done
