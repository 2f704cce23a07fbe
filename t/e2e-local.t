#!/usr/bin/env bash
# The embedded default end to end, as `make run` runs it: the real runner
# with control/local. create -> CreatePending -> Running when the local
# check passes, the page at the URL that info printed shows the deployment;
# update, archive -> Archived, restore, cleanup; the action log holds actor,
# argument style, exit code, duration and output; no secret is stored.
export CONTROL_SCRIPTS_DIR="$(cd "$(dirname "$0")/.." && pwd)/control/local"
export STATUS_CHECK_INTERVAL=1
. "$(dirname "$0")/lib/stack.sh"
export OCTOPOD_LOCAL_DATA="$OCTOPOD_VAR/deployments"
stack_start
# the local deployments are nginx processes of their own: stop them too
t_cleanup_hook() {
	for pidf in "$OCTOPOD_LOCAL_DATA"/*/nginx.pid "$OCTOPOD_LOCAL_DATA"/*/run/nginx.pid; do
		[ -f "$pidf" ] && kill -TERM "$(cat "$pidf")" 2>/dev/null
	done
	stack_stop
}

power POST deployments '{"name":"hello","tag":"v1","app_overrides":[{"key":"GREETING","value":"hi there"},{"key":"TOKEN","value":"zq-secret-99","secret":true}]}'
t_is "$S/$(j .deployment.status)" 202/CreatePending "create accepted"
a=$(j .action.id)
t_is "$(wait_sql "SELECT status FROM deployments WHERE name='hello'" Running 30)" Running "the local check moved it to Running"
t_is "$(sql "SELECT state || ' ' || exit_code || ' ' || requested_by || ' ' || args_style FROM actions WHERE id=$a")" \
    "succeeded 0 octo v1" "create action: succeeded, exit 0, actor, argument style"
ui GET "actions/$a"
t_like "$(j .duration_ms)" "[0-9]*" "the action has a duration"
t_like "$(j '.argv|join(" ")')" "*--name hello*--tag v1*--app-env-override GREETING=hi there*" "argv recorded"
t_is "$(j '.argv|join(" ")' | grep -c TOKEN)" 0 "the secret is not in argv (OCTOPOD_CONFIG_FILE has it)"
ui GET deployments/hello
url=$(j '.links[0].url')
t_like "$url" "http://127.0.0.1:*" "info gave the deployment's URL"
page=$(curl -fsS "$url")
t_like "$page" "*hello*" "its page shows the name"
t_like "$page" "*v1*" "and the tag"
t_like "$page" "*hi there*" "and the overrides"

# the local set's defaults in Octopod's key,value CSV, as the server parses them
ui GET 'default_overrides?scope=app'
t_is "$(j '[.overrides[]|.key+"="+.value]|join(" ")')" "GREETING=Hello from octopod LOG_LEVEL=info" \
    "the server reads the local set's app defaults (key,value lines)"
ui GET 'default_overrides?scope=deployment'
t_is "$(j '[.overrides[]|.key+"="+.value]|join(" ")')" "replicas=1 storage_size=1Gi" "and its deployment defaults"

# a second deployment beside the first gets a port of its own
power POST deployments '{"name":"second","tag":"s1"}'
t_is "$(wait_sql "SELECT status FROM deployments WHERE name='second'" Running 30)" Running "a second deployment also reaches Running"
ui GET deployments/second
url2=$(j '.links[0].url')
t_isnt "$url2" "$url" "on its own URL"
t_like "$(curl -fsS "$url2")" "*second*" "serving its own page"
t_like "$(cat "$OCTOPOD_LOCAL_DATA/notifications.log" 2>/dev/null)" "*hello CreatePending -> Running*" \
    "the notifications script took the runner's arguments"
t_is "$(grep -c 'exited with code 64' "$OCTOPOD_VAR/log/octopod-fcgi.log")" 0 "no script refused its arguments"

ui PATCH deployments/hello '{"tag":"v2"}'
t_is "$S" 202 "update accepted"
t_is "$(wait_sql "SELECT status FROM deployments WHERE name='hello'" Running 30)" Running "Running again after the update"
t_is "$(wait_sql "SELECT state FROM actions WHERE deployment_name='hello' AND kind='update'" succeeded 30)" succeeded "update action succeeded"
t_like "$(curl -fsS "$url")" "*v2*" "the page shows the new tag"

ui POST deployments/hello/archive
t_is "$S/$(j .deployment.status)" 202/ArchivePending "archive accepted"
t_is "$(wait_sql "SELECT status FROM deployments WHERE name='hello'" Archived 30)" Archived "archive_check moved it to Archived"
t_is "$(sql "SELECT archived_at IS NOT NULL FROM deployments WHERE name='hello'")" t "archived_at set"
t_ok "the page is gone" sh -c "! curl -fsS --max-time 2 '$url' >/dev/null 2>&1"
t_ok "its data is kept" test -d "$OCTOPOD_LOCAL_DATA/hello"

ui POST deployments/hello/restore
t_is "$S" 202 "restore accepted"
t_is "$(wait_sql "SELECT status FROM deployments WHERE name='hello'" Running 30)" Running "Running after restore"
ui GET deployments/hello
t_like "$(curl -fsS "$(j '.links[0].url')")" "*v2*" "the page is back with its data"

ui POST deployments/hello/archive
wait_sql "SELECT status FROM deployments WHERE name='hello'" Archived 30 >/dev/null
ui POST deployments/hello/cleanup
t_is "$S" 202 "cleanup accepted"
t_is "$(wait_sql "SELECT count(*) FROM deployments WHERE name='hello'" 0 30)" 0 "cleanup removed the record"
t_ok "and the data" test ! -d "$OCTOPOD_LOCAL_DATA/hello"
ui GET deployments/hello/actions
t_is "$(j '[.actions[]|.kind+":"+.state]|reverse|join(",")')" \
    "create:succeeded,update:succeeded,archive:succeeded,restore:succeeded,archive:succeeded,cleanup:succeeded" \
    "the action log keeps every action after cleanup"
t_is "$(sql "SELECT count(*) FROM action_output WHERE data LIKE '%zq-secret-99%'")" 0 "the secret is in no stored output"
t_is "$(sql "SELECT count(*) FROM actions WHERE argv::text LIKE '%zq-secret-99%' OR request::text LIKE '%zq-secret-99%'")" 0 "nor in any action record"
t_done
