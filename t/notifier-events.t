#!/usr/bin/env bash
# Events through nginx (wss, basic auth): a hello with the sequence; a
# deployment's and its action's events in order, numbered without gaps;
# clients following one deployment get only its events.
. "$(dirname "$0")/lib/stack.sh"
. "$(dirname "$0")/lib/ws.sh"
stack_start

ws_watch all --sub '{"subscribe":"list"}' || t_diag "no list client"
ws_watch one --sub '{"subscribe":"deployment","name":"x"}'
ws_watch other --sub '{"subscribe":"deployment","name":"other"}'

hello=$(ws_msgs all 'select(.type == "hello")')
t_like "$hello" '{"type":"hello","seq":0,*' "hello with seq 0 first"
t_is "$(ws_msgs all | head -1 | jq -r .type)" hello "the hello comes first"
t_is "$(ws_msgs one 'select(.type == "subscribed") | .name')" x "a deployment subscription is acknowledged"

ui POST deployments '{"name":"x","tag":"v1"}'
t_is "$S" 202 "create x"
act=$(j .action.id)
t_is "$(wait_sql "SELECT status FROM deployments WHERE name = 'x'" Running 20)" Running "x goes Running"
ws_wait all 'select(.event.type == "deployment" and .event.status == "Running")' 10
t_ok "the list client saw x Running" ws_wait all 'select(.event.status == "Running")' 1

states=$(ws_msgs all "select(.event.type == \"action\" and .event.id == $act) | .event.state" | tr '\n' ' ')
t_is "$states" "queued running succeeded " "the action's states arrive in order"
statuses=$(ws_msgs all 'select(.event.type == "deployment") | .event.status' | uniq | tr '\n' ' ')
t_is "$statuses" "CreatePending Running " "the deployment's statuses arrive in order"
seqs=$(ws_msgs all 'select(.seq != null and .event != null) | .seq' | tr '\n' ' ')
n=$(ws_msgs all 'select(.event != null)' | wc -l)
t_is "$seqs" "$(seq -s ' ' 1 "$n") " "events are numbered 1..$n without gaps"
t_ok "more than 3 events" test "$n" -ge 4

ws_wait one 'select(.event.status == "Running")' 5
t_is "$(ws_msgs one 'select(.event != null)' | wc -l)" "$n" "the x follower got every x event"

ui POST deployments '{"name":"y","tag":"v1"}'
t_is "$S" 202 "create y"
wait_sql "SELECT status FROM deployments WHERE name = 'y'" Running 20 >/dev/null
ws_wait all 'select(.event.name == "y" and .event.status == "Running")' 10
t_ok "the list client saw y" ws_wait all 'select(.event.name == "y")' 1
t_is "$(ws_msgs one 'select(.event.name == "y" or .event.deployment == "y")' | wc -l)" 0 "the x follower got nothing of y"
t_is "$(ws_msgs other 'select(.event != null)' | wc -l)" 0 "a follower of another deployment got nothing"

# a second connection starts from the current sequence
ws_watch late --sub '{"subscribe":"list"}'
last=$(ws_msgs all 'select(.event != null) | .seq' | tail -1)
t_is "$(ws_msgs late 'select(.type == "hello") | .seq')" "$last" "a late hello carries the last seq"

ws_done
