#!/usr/bin/env bash
# GET /metrics: Prometheus text (checked by a strict parser,
# t/lib/promparse.js) on the ui server block without basic auth, from
# loopback; its counters follow the actions, checks and database errors.
# The metrics route is not on the API doors.
. "$(dirname "$0")/lib/stack.sh"
# the fixture scripts, but every update fails
cp -a "$T_ROOT/t/fixtures/scripts" "$T_TMP/scripts"
rm "$T_TMP/scripts/update"
printf '#!/bin/sh\necho "update fails" >&2\nexit 1\n' >"$T_TMP/scripts/update"
chmod 755 "$T_TMP/scripts/update"
# and once $T_TMP/checks-fail exists every check fails too, so that a
# check cannot take the failed deployment back to Running mid-test
rm "$T_TMP/scripts/check"
printf '#!/bin/sh\n[ -e "%s" ] && exit 1\nexec "%s" "$@"\n' "$T_TMP/checks-fail" \
    "$T_ROOT/t/fixtures/scripts/check" >"$T_TMP/scripts/check"
chmod 755 "$T_TMP/scripts/check"
export CONTROL_SCRIPTS_DIR=$T_TMP/scripts
stack_start
P="node $T_ROOT/t/lib/promparse.js"

scrape() {
	S=$(curl -sS -o "$T_TMP/.metrics" -D "$T_TMP/.headers" -w '%{http_code}' \
	    --cacert "$OCTOPOD_VAR/tls/ca.pem" "https://localhost:$UI_PORT/metrics")
	M=$($P < "$T_TMP/.metrics" 2>"$T_TMP/.perr")
	PRC=$?
}
# m FAMILY SAMPLE LABELS-JSON: the value of one series (jq)
m() { printf '%s' "$M" | jq -r --arg f "$1" --arg s "$2" --argjson l "${3:-{\}}" \
    '.[$f].samples[] | select(.name == $s and .labels == $l) | .value'; }

# the parser itself refuses what is not the format
bad() { printf "$2" | $P >/dev/null 2>&1; t_is $? 1 "parser refuses $1"; }
bad "a sample before its TYPE" 'x 1\n'
bad "a bad value" '# TYPE x gauge\nx one\n'
bad "an unterminated label" '# TYPE x gauge\nx{a="b} 1\n'
bad "a duplicate series" '# TYPE x gauge\nx{a="b"} 1\nx{a="b"} 2\n'
bad "non-cumulative buckets" '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'
bad "+Inf bucket other than _count" '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n'
bad "a negative counter" '# TYPE c counter\nc -1\n'
printf '# HELP g a gauge\n# TYPE g gauge\ng{a="x\\"y"} 1.5e3\n' | $P >/dev/null 2>&1
t_is $? 0 "parser takes a good text"

scrape; [ -n "${DBG:-}" ] && cat "$T_TMP/.metrics" >&2
t_is "$S/$PRC" 200/0 "GET /metrics: 200, parses as Prometheus text $(cat "$T_TMP/.perr")"
t_like "$(grep -i '^content-type' "$T_TMP/.headers" | tr -d '\r')" "*text/plain; version=0.0.4*" "content type of the text format"
for fam in octopod_deployments:gauge octopod_actions_total:counter octopod_action_queue_length:gauge \
    octopod_actions_running:gauge octopod_action_duration_seconds:histogram \
    octopod_check_duration_seconds:histogram octopod_db_errors_total:counter; do
	t_is "$(printf '%s' "$M" | jq -r --arg f "${fam%%:*}" '.[$f].type')" "${fam#*:}" "${fam%%:*} is a ${fam#*:}"
done
t_is "$(printf '%s' "$M" | jq -r '[.octopod_deployments.samples[].labels.status] | join(",")')" \
    CreatePending,Running,Failure,UpdatePending,ArchivePending,Archived,CleanupFailed "deployments by every status"
t_is "$(printf '%s' "$M" | jq -r '[.octopod_actions_total.samples[].labels | keys | join("+")] | unique | join(",")')" \
    kind+result "actions_total labelled by kind and result"
t_is "$(m octopod_actions_total octopod_actions_total '{"kind":"create","result":"succeeded"}')" 0 "no create yet"

ui POST deployments '{"name":"m1","tag":"v1"}'
t_is "$(wait_sql "SELECT status FROM deployments WHERE name = 'm1'" Running 10)" Running "m1 running"
sleep 1.5	# a check or two
scrape; [ -n "${DBG:-}" ] && cat "$T_TMP/.metrics" >&2
t_is "$(m octopod_actions_total octopod_actions_total '{"kind":"create","result":"succeeded"}')" 1 "create succeeded: counted"
t_is "$(m octopod_deployments octopod_deployments '{"status":"Running"}')" 1 "one deployment Running"
t_is "$(m octopod_action_duration_seconds octopod_action_duration_seconds_count '{"kind":"create"}')" 1 "create duration observed"
t_is "$(m octopod_action_duration_seconds octopod_action_duration_seconds_bucket '{"kind":"create","le":"+Inf"}')" 1 "create in the +Inf bucket"
checks=$(m octopod_check_duration_seconds octopod_check_duration_seconds_count)
t_like "$checks" "[1-9]*" "checks observed ($checks)"
t_is "$(m octopod_action_queue_length octopod_action_queue_length)" 0 "queue empty"

touch "$T_TMP/checks-fail"
ui PATCH deployments/m1 '{"tag":"v2"}'
t_is "$(wait_sql "SELECT state FROM actions WHERE deployment_name = 'm1' AND kind = 'update'" failed 10)" \
    failed "update failed"
t_is "$(wait_sql "SELECT status FROM deployments WHERE name = 'm1'" Failure 10)" Failure "m1 in Failure"
scrape; [ -n "${DBG:-}" ] && cat "$T_TMP/.metrics" >&2
t_is "$(m octopod_actions_total octopod_actions_total '{"kind":"update","result":"failed"}')" 1 "failed update: counted"
t_is "$(m octopod_deployments octopod_deployments '{"status":"Running"}')" 0 "none Running now"
t_is "$(m octopod_deployments octopod_deployments '{"status":"Failure"}')" 1 "one Failure"

errs=$(m octopod_db_errors_total octopod_db_errors_total)
sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'octopod-fcgi' AND pid <> pg_backend_pid()" >/dev/null
for i in 1 2 3 4 5 6 7 8; do ui GET deployments; done
scrape; [ -n "${DBG:-}" ] && cat "$T_TMP/.metrics" >&2
t_is "$S" 200 "metrics after the database dropped the connections"
after=$(m octopod_db_errors_total octopod_db_errors_total)
t_is "$(( after > errs ))" 1 "db errors counted ($errs -> $after)"

# websocket clients: each notifier reports its count every 5 s
. "$T_ROOT/t/lib/ws.sh"
# scrape until the websocket clients metric is N (20 s at most)
wait_clients() {
	for i in $(seq 1 100); do
		scrape
		[ "$(m octopod_websocket_clients octopod_websocket_clients)" = "$1" ] && return
		sleep 0.2
	done
}
ws_watch one
ws_watch two
wait_clients 2
t_is "$(m octopod_websocket_clients octopod_websocket_clients)" 2 "two websocket clients counted"
t_is "$(m octopod_notifiers octopod_notifiers)" 1 "from one notifier"
ws_stop one
wait_clients 1
t_is "$(m octopod_websocket_clients octopod_websocket_clients)" 1 "one left after a client went away"
ws_stop two

# only on /metrics, only through its own door
ui GET metrics
t_is "$S" 404 "no metrics through the ui API"
power GET metrics
t_is "$S" 404 "no metrics through the power API"
t_done
