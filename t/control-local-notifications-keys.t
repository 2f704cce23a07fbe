#!/bin/sh
# The local set's notifications script appends one line per status change
# to the data root's log; the key scripts print keys / KEY=VALUE lines.
. "$(dirname "$0")/lib/control.sh"
. "$(dirname "$0")/lib/local.sh"

LOG=$OCTOPOD_LOCAL_DATA/notifications.log
t_ok "notifications" local_run notifications $COMMON --name nk-one \
    --old-status CreatePending --new-status Running
t_like "$(cat "$LOG")" "????-??-??T??:??:??Z nk-one CreatePending -> Running" "one line logged"
t_ok "notifications with a line feed in a status" local_run notifications $COMMON --name nk-one \
    --old-status 'Running
x' --new-status Failure
t_is "$(wc -l < "$LOG" | tr -d ' ')" 2 "still one line per change"
t_like "$(tail -n 1 "$LOG")" "* nk-one Running x -> Failure" "the line feed became a space"
t_ok "notifications --event expiry-warning" local_run notifications $COMMON --name nk-one \
    --tag v1 --event expiry-warning --expires-at 2030-01-02T03:04:05.000Z
t_like "$(tail -n 1 "$LOG")" "????-??-??T??:??:??Z nk-one expiry-warning expires-at 2030-01-02T03:04:05.000Z" \
    "the warning is logged"
t_rc 64 "expiry-warning without --expires-at -> 64" local_run notifications $COMMON \
    --name nk-one --event expiry-warning
t_is "$(wc -l < "$LOG" | tr -d ' ')" 3 "one line per event"

for s in app_keys deployment_keys; do
	t_ok "$s" local_run $s $COMMON
	out=$(cat "$T_OUT")
	t_isnt "$out" "" "$s prints keys"
	t_is "$(printf '%s\n' "$out" | grep -c '[=,[:space:]]')" 0 "$s: one bare key a line"
done
for s in app_overrides deployment_overrides; do
	t_ok "$s" local_run $s $COMMON --deployment-config replicas=1
	out=$(cat "$T_OUT")
	t_isnt "$out" "" "$s prints defaults"
	# Octopod's format: two columns, "key,value" (helm-control-scripts'
	# print_kv), which the server parses (fcgi/keys.c)
	t_is "$(printf '%s\n' "$out" | grep -vc '^[A-Za-z_][A-Za-z0-9_.]*,')" 0 "$s: key,value lines"
done
t_like "$(local_run app_overrides $COMMON)" "*GREETING,Hello from octopod*" "app default GREETING"
t_done
