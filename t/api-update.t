#!/usr/bin/env bash
# PATCH deployments/NAME: only the change is applied, optimistic
# concurrency with the version, busy and forbidden transitions refused.
FCGI_ARGS=-R
. "$(dirname "$0")/lib/stack.sh"
stack_start

# a Running deployment with no action in flight (no runner here: -R)
settle() {
	sql "UPDATE actions SET state='succeeded', finished_at=now() WHERE deployment_name='$1' AND state IN ('queued','running');
	     UPDATE deployments SET status='${2:-Running}' WHERE name='$1'" >/dev/null
}
power POST deployments '{"name":"web","tag":"v1","app_overrides":[{"key":"A","value":"1"},{"key":"B","value":"2"},{"key":"S","value":"hush","secret":true}],"deployment_overrides":[{"key":"D","value":"x"}]}'
t_is "$S" 202 "created"

ui PATCH deployments/web '{"tag":"v2"}'
t_is "$S/$(j .error.code)" 409/busy "update while the create is queued: 409 busy"
settle web
v=$(sql "SELECT version FROM deployments WHERE name='web'")

ui PATCH deployments/web '{"app_overrides":{"set":[{"key":"A","value":"2"}]}}'
t_is "$S" 202 "update -e A=2: 202"
t_is "$(j .deployment.status)" UpdatePending "UpdatePending"
t_is "$(j .action.kind)" update "an update action"
t_is "$(j '[.deployment.app_overrides[]|.key+"="+(.value//"(secret)")]|join(" ")')" "A=2 B=2 S=(secret)" "A changed, B and the secret kept"
t_is "$(j '.deployment.deployment_overrides[0].value')" x "deployment overrides untouched"
t_is "$(j .deployment.tag)" v1 "tag untouched"
t_is "$(sql "SELECT value FROM overrides WHERE key='S'")" hush "secret value still stored"
t_is "$(j .deployment.updated_by)" octopod "updated_by is the UI user"
t_is "$(j .deployment.version)" $((v + 1)) "version bumped"
settle web

v=$(sql "SELECT version FROM deployments WHERE name='web'")
ui PATCH deployments/web '{"tag":"v3","app_overrides":{"unset":["B"]},"deployment_overrides":{"set":[{"key":"E","value":"y","secret":true}]}}' -H "If-Match: \"$v\""
t_is "$S" 202 "update with the current If-Match: 202"
t_is "$(j '[.deployment.app_overrides[].key]|join(",")')" A,S "B unset"
t_is "$(j '[.deployment.deployment_overrides[]|.key+":"+(.secret|tostring)]|join(",")')" "D:false,E:true" "E set as a secret"
t_is "$(j .deployment.tag)" v3 "tag changed"
t_is "$(j .action.request.deployment_overrides.set[0].value)" '***' "secret masked in the request snapshot"
settle web

ui PATCH deployments/web '{"tag":"v4"}' -H "If-Match: $v"
t_is "$S/$(j .error.code)" 409/version_conflict "stale If-Match: 409 version_conflict"
t_is "$(j .error.details.current_version)" $((v + 1)) "details give the current version"
ui PATCH deployments/web '{"tag":"v4","version":1}'
t_is "$S/$(j .error.code)" 409/version_conflict "stale body version: 409"
ui PATCH deployments/web '{"tag":"v4"}' -H "If-Match: banana"
t_is "$S/$(j .error.code)" 400/invalid "If-Match that is no version: 400"
t_is "$(sql "SELECT tag FROM deployments WHERE name='web'")" v3 "refusals changed nothing"

ui PATCH deployments/web '{}'
t_is "$S/$(j .error.code)" 400/invalid "empty update: 400"
ui PATCH deployments/web '{"app_overrides":{"set":[{"key":"A","value":"1"}],"unset":["A"]}}'
t_is "$S/$(j .error.code)" 400/invalid "a key both set and unset: 400"
ui PATCH deployments/web '{"app_overrides":{"put":[]}}'
t_is "$S/$(j .error.code)" 400/invalid "unknown member of a change: 400"
ui PATCH deployments/web '{"name":"other"}'
t_is "$S/$(j .error.code)" 400/invalid "renaming is not an update: 400"
ui PATCH deployments/nope '{"tag":"v1"}'
t_is "$S/$(j .error.code)" 404/not_found "unknown deployment: 404"

for st in Archived ArchivePending CreatePending UpdatePending CleanupFailed; do
	settle web "$st"
	ui PATCH deployments/web '{"tag":"v9"}'
	t_is "$S/$(j .error.code)/$(j .error.details.status)" "409/forbidden_transition/$st" "update from $st: forbidden"
done
t_is "$(sql "SELECT count(*) FROM actions WHERE deployment_name='web'")" 3 "refusals queued nothing"

# 50 clients update one deployment at once: each applies or gets 409, and
# the final overrides are exactly the applied ones
settle web Running
for i in $(seq 1 50); do
	( ui PATCH deployments/web "{\"app_overrides\":{\"set\":[{\"key\":\"K$i\",\"value\":\"$i\"}]}}"
	  echo "$i $S" >>"$T_TMP/res"
	  [ "$S" = 202 ] && settle web ) &
	pids="${pids:-} $!"
done
wait $pids
t_is "$(awk '$2 != 202 && $2 != 409' "$T_TMP/res" | wc -l)" 0 "every request got 202 or 409"
applied=$(awk '$2 == 202 {print "K"$1}' "$T_TMP/res" | LC_ALL=C sort | tr '\n' ' ')
t_like "$applied" "K*" "at least one applied"
t_is "$(sql "SELECT string_agg(key, ' ' ORDER BY key) || ' ' FROM overrides o JOIN deployments d ON d.id=o.deployment_id WHERE d.name='web' AND key LIKE 'K%'")" \
    "$applied" "the K overrides are exactly the applied ones"
t_is "$(sql "SELECT count(*) FROM actions WHERE deployment_name='web' AND kind='update'")" \
    $(( 2 + $(awk '$2 == 202' "$T_TMP/res" | wc -l) )) "one update action per applied request"
# what the list shows (deployments.overrides_shown, sql/012) follows every
# change above: the same as computed from overrides, for every deployment
t_is "$(sql "SELECT count(*) || '/' || count(*) FILTER (WHERE overrides_shown <> octopod_overrides_shown(id))
    FROM deployments WHERE EXISTS (SELECT 1 FROM overrides o WHERE o.deployment_id = deployments.id)")" \
    "$(sql "SELECT count(DISTINCT deployment_id) FROM overrides")/0" "every deployment's shown overrides are its overrides"
t_done
