#!/usr/bin/env bash
# Actions, their output and the status history through the API; unknown
# routes and methods; secrets readable by no route and in no log.
FCGI_ARGS=-R
. "$(dirname "$0")/lib/stack.sh"
stack_start

power POST deployments '{"name":"r1","tag":"v1","app_overrides":[{"key":"PW","value":"tr0ub4dor-secret","secret":true}]}'
a1=$(j .action.id)
sql "UPDATE actions SET state='succeeded', started_at=now()-interval '2 seconds', finished_at=now(), exit_code=0 WHERE id=$a1;
     UPDATE deployments SET status='Running' WHERE name='r1'" >/dev/null
for i in 1 2 3; do
	ui PATCH deployments/r1 "{\"tag\":\"v$((i + 1))\"}"
	sql "UPDATE actions SET state='succeeded', finished_at=now() WHERE deployment_name='r1' AND state='queued';
	     UPDATE deployments SET status='Running' WHERE name='r1'" >/dev/null
done
sql "INSERT INTO action_output (action_id, seq, stream, data)
     SELECT $a1, g, CASE WHEN g % 2 = 0 THEN 'stderr' ELSE 'stdout' END, 'line ' || g || E'\n'
     FROM generate_series(1, 25) g" >/dev/null

# a deployment's times, as octopod_iso() shows them (fcgi time_json):
# fractions of six digits, of one, of none; NULL
sql "UPDATE deployments SET checked_at = '2026-01-02 03:04:05.987654+00',
     status_changed_at = '2026-01-02 03:04:05.5+00', archived_at = NULL,
     expires_at = '2030-06-07 08:09:10+02' WHERE name = 'r1'" >/dev/null
want=$(sql "SELECT json_build_array(octopod_iso(created_at), octopod_iso(updated_at),
    octopod_iso(archived_at), octopod_iso(status_changed_at), octopod_iso(checked_at),
    octopod_iso(expires_at)) FROM deployments WHERE name = 'r1'" | jq -c .)
times='[.created_at, .updated_at, .archived_at, .status_changed_at, .checked_at, .expires_at]'
ui GET deployments/r1
t_is "$(j "$times | tojson")" "$want" "GET a deployment: every time as octopod_iso() shows it"
t_is "$(j .checked_at)/$(j .expires_at)" 2026-01-02T03:04:05.987Z/2030-06-07T06:09:10.000Z \
    "milliseconds cut, in UTC"
ui GET 'deployments?q=r1'
t_is "$(j ".deployments[0] | $times | tojson")" "$want" "the list: the same"

ui GET deployments/r1/actions
t_is "$S/$(j '.actions|length')" 200/4 "four actions"
t_is "$(j '[.actions[].kind]|join(",")')" update,update,update,create "newest first"
t_is "$(j '.actions[3].requested_by')/$(j '.actions[0].requested_by')" octo/octopod "each with its actor"
t_is "$(j '.actions[3].exit_code')/$(j '.actions[3].duration_ms >= 1900')" 0/true "exit code and duration"
ui GET 'deployments/r1/actions?limit=3'
t_is "$(j '.actions|length')" 3 "limit=3"
cur=$(j .next_cursor)
ui GET "deployments/r1/actions?limit=3&cursor=$cur"
t_is "$(j '[.actions[].kind]|join(",")')/$(j .next_cursor)" create/null "the next page holds the rest"
ui GET deployments/nobody/actions
t_is "$S/$(j .error.code)" 404/not_found "actions of an unknown deployment: 404"

ui GET "actions/$a1"
t_is "$S/$(j .id)/$(j .deployment)/$(j .state)" "200/$a1/r1/succeeded" "one action"
t_is "$(j .request.app_overrides[0].value)" '***' "its request snapshot masks the secret"
ui GET actions/999999
t_is "$S/$(j .error.code)" 404/not_found "unknown action: 404"
ui GET actions/12x
t_is "$S/$(j .error.code)" 404/not_found "action id that is no number: 404"

ui GET "actions/$a1/output"
t_is "$S/$(j '.chunks|length')/$(j .last_seq)/$(j .finished)" 200/25/25/true "all output of a finished action"
t_is "$(j '.chunks[1].stream'):$(j '.chunks[1].data')" "stderr:line 2" "chunks keep stream and data"
ui GET "actions/$a1/output?after=20"
t_is "$(j '[.chunks[].seq]|join(",")')" 21,22,23,24,25 "after=20 gives the rest"
ui GET "actions/$a1/output?after=5&limit=5"
t_is "$(j '[.chunks[].seq]|join(",")')/$(j .finished)" 6,7,8,9,10/false "a full page is not the end"
ui GET "actions/$a1/output?after=-1"
t_is "$S/$(j .error.code)" 400/invalid "after=-1: 400"
ui GET "actions/99999/output"
t_is "$S" 404 "output of an unknown action: 404"

ui GET deployments/r1/history
t_is "$S/$(j '[.history[].to]|join(",")')" 200/CreatePending,UpdatePending,UpdatePending,UpdatePending "history in order"
t_is "$(j '.history[1].from')/$(j '.history[1].actor')" Running/octopod "with from and actor"
ui GET deployments/r1/history?after=$(j '.history[1].id')
t_is "$(j '.history|length')" 2 "history after an id"
ui GET deployments/ghost/history
t_is "$S" 404 "history of an unknown deployment: 404"

# routes and methods
ui GET nothing/here
t_is "$S/$(j .error.code)" 404/not_found "unknown route: 404"
ui GET deployments/r1/extra/segments
t_is "$S" 404 "too many segments: 404"
ui PUT deployments/r1 '{}'
t_is "$S/$(j .error.code)" 405/method_not_allowed "PUT on a deployment: 405"
t_like "$(j .error.details.allow)" "*PATCH*" "Allow lists PATCH"
ui DELETE deployments
t_is "$S" 405 "DELETE on the list: 405"
ui GET project
t_is "$(j .actor)/$(j .door)" octopod/ui "project tells who and which door"

# the secret is readable nowhere
for path in deployments/r1 deployments "deployments?q=tr0ub" deployments/r1/actions "actions/$a1" deployments/r1/history; do
	ui GET "$path"
	t_is "$(printf '%s' "$B" | grep -c tr0ub4dor)" 0 "secret absent from GET $path"
done
t_is "$(cat "$OCTOPOD_VAR"/log/*.log | grep -c tr0ub4dor)" 0 "secret absent from every log"
t_done
