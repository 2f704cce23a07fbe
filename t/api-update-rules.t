#!/usr/bin/env bash
# The rules of a change that need the deployment or the defaults (issue
# 15): an unknown field is named in details.field; an unset of a key the
# deployment has no override of is refused naming it; the tag and an
# image.tag override that disagree are refused; a value equal to its
# key's default (app_overrides / deployment_overrides, Octopod's
# key,value CSV) is no override, as in Octopod. Nothing is written when
# refused.
FCGI_ARGS=-R
. "$(dirname "$0")/lib/octo.sh"
export CONTROL_SCRIPTS_DIR="$T_TMP/scripts"
mkscripts "$CONTROL_SCRIPTS_DIR"
printf '#!/bin/sh\nprintf "%%s\\n" "LOG_LEVEL,info" "GREETING,hello there"\n' >"$CONTROL_SCRIPTS_DIR/app_overrides"
printf '#!/bin/sh\necho replicas,1\n' >"$CONTROL_SCRIPTS_DIR/deployment_overrides"
chmod 755 "$CONTROL_SCRIPTS_DIR"/*_overrides
stack_start
settle() {
	sql "UPDATE actions SET state='succeeded', finished_at=now() WHERE deployment_name='$1' AND state IN ('queued','running');
	     UPDATE deployments SET status='Running' WHERE name='$1'" >/dev/null
}

power POST deployments '{"name":"r-1","tagg":"v1"}'
t_is "$S/$(j .error.code)/$(j .error.details.field)" 400/invalid/tagg "unknown field: details.field names it"
power POST deployments '{"name":"r-1","tag":"v1","app_overrides":[{"key":"A","value":"1","sekret":true}]}'
t_is "$S/$(j .error.details.field)" "400/app_overrides[0].sekret" "a nested unknown field: its path"
ui PATCH deployments/r-1 '{"tags":"v2"}'
t_is "$S/$(j .error.details.field)" 400/tags "update: named too"

power POST deployments '{"name":"r-1","tag":"v1","app_overrides":[{"key":"image.tag","value":"v2"}]}'
t_is "$S/$(j .error.details.field)" 400/app_overrides "create: tag v1 and image.tag v2 refused"
t_like "$(j .error.message)" '*image.tag ("v2") disagrees with the tag ("v1")*' "saying both"
t_is "$(sql "SELECT count(*) FROM deployments")" 0 "nothing written"

power POST deployments '{"name":"r-1","tag":"v1","app_overrides":[{"key":"image.tag","value":"v1"},{"key":"LOG_LEVEL","value":"info"},{"key":"GREETING","value":"hi"}],"deployment_overrides":[{"key":"replicas","value":"1"}]}'
t_is "$S" 202 "create with two values equal to their defaults"
t_is "$(sql "SELECT string_agg(scope || ':' || key, ' ' ORDER BY scope, key) FROM overrides")" \
    "app:GREETING app:image.tag" "the defaults' own values are no overrides"
settle r-1

v=$(sql "SELECT version FROM deployments WHERE name='r-1'")
ui PATCH deployments/r-1 '{"app_overrides":{"unset":["NOPE"]}}'
t_is "$S/$(j .error.details.field)" "400/app_overrides.unset[0]" "unset of a key it does not have: 400"
t_like "$(j .error.message)" '*no app override "NOPE" to unset*' "naming the key"
ui PATCH deployments/r-1 '{"deployment_overrides":{"unset":["GREETING"]}}'
t_is "$S" 400 "an app key is not a deployment override"

ui PATCH deployments/r-1 '{"tag":"v3"}'
t_is "$S/$(j .error.details.field)" 400/app_overrides "update: a new tag against the stored image.tag: refused"
ui PATCH deployments/r-1 '{"app_overrides":{"set":[{"key":"image.tag","value":"v4"}]}}'
t_is "$S" 400 "update: an image.tag against the tag: refused"
t_is "$(sql "SELECT version FROM deployments WHERE name='r-1'")" "$v" "refusals change nothing"
ui PATCH deployments/r-1 '{"tag":"v3","app_overrides":{"set":[{"key":"image.tag","value":"v3"}]}}'
t_is "$S" 202 "tag and image.tag together: accepted"
settle r-1

ui PATCH deployments/r-1 '{"app_overrides":{"set":[{"key":"GREETING","value":"hello there"}]}}'
t_is "$S" 202 "update: GREETING back to its default"
t_is "$(sql "SELECT count(*) FROM overrides WHERE key='GREETING'")" 0 "the override is gone: the default applies"
settle r-1
ui PATCH deployments/r-1 '{"app_overrides":{"unset":["image.tag"]}}'
t_is "$S" 202 "unset of an override it has: accepted"
settle r-1

# delete: a default's key removed (Octopod's deleted override)
ui PATCH deployments/r-1 '{"app_overrides":{"delete":["NOPE"]}}'
t_is "$S/$(j .error.details.field)" "400/app_overrides.delete[0]" "delete of a key with no default: 400"
t_like "$(j .error.message)" '*"NOPE" has no app default to remove*' "naming it"
ui PATCH deployments/r-1 '{"app_overrides":{"delete":["LOG_LEVEL"],"unset":["LOG_LEVEL"]}}'
t_is "$S" 400 "a key both deleted and unset: 400"
ui PATCH deployments/r-1 '{"app_overrides":{"delete":["LOG_LEVEL"]}}'
t_is "$S" 202 "delete LOG_LEVEL (a default): accepted"
t_is "$(j '.deployment.app_overrides[] | select(.key=="LOG_LEVEL") | "\(.deleted) \(.value)"')" "true null" \
    "the deployment shows it deleted, no value"
t_is "$(sql "SELECT deleted FROM overrides WHERE key='LOG_LEVEL'")" t "stored as deleted"
settle r-1
ui PATCH deployments/r-1 '{"app_overrides":{"unset":["LOG_LEVEL"]}}'
t_is "$S" 202 "unset of the deletion: the default is back"
t_is "$(sql "SELECT count(*) FROM overrides WHERE key='LOG_LEVEL'")" 0 "no row left"
t_done
