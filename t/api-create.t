#!/usr/bin/env bash
# POST deployments: success, every refusal, and that a refusal changes nothing.
FCGI_ARGS=-R
. "$(dirname "$0")/lib/stack.sh"
stack_start

count() { sql "SELECT (SELECT count(*) FROM deployments) || '/' || (SELECT count(*) FROM overrides) || '/' || (SELECT count(*) FROM actions)"; }

power POST deployments '{"name":"pr-1","tag":"v1.2","app_overrides":[{"key":"A","value":"1"},{"key":"TOKEN","value":"s3cr3t-v4lue","secret":true}],"deployment_overrides":[{"key":"replicas","value":"2"}]}'
t_is "$S" 202 "create: 202 Accepted"
t_is "$(j .deployment.status)" CreatePending "deployment is CreatePending"
t_is "$(j .deployment.busy)" true "and busy"
t_is "$(j .deployment.version)" 1 "version 1"
t_is "$(j .action.kind)/$(j .action.state)" create/queued "a queued create action"
t_is "$(j .action.requested_by)" octo "actor is the certificate CN"
t_is "$(j '.deployment.app_overrides|map(.key)|join(",")')" A,TOKEN "app overrides listed"
t_is "$(j '.deployment.app_overrides[1]|has("value")')" false "secret value not returned"
t_is "$(j '.deployment.deployment_overrides[0].value')" 2 "deployment override returned"
t_is "$(j '.action.request.app_overrides[1].value')" '***' "secret masked in the action's request snapshot"
t_is "$(sql "SELECT to_status || ':' || actor FROM status_history WHERE deployment_name='pr-1'")" CreatePending:octo "history row with the actor"
t_is "$(sql "SELECT value FROM overrides WHERE key='TOKEN'")" s3cr3t-v4lue "secret stored for the scripts"
before=$(count)

refuse() {	# refuse STATUS CODE DESC BODY
	power POST deployments "$4"
	t_is "$S/$(j .error.code)" "$1/$2" "refused: $3"
}
refuse 409 exists "the name is taken" '{"name":"pr-1","tag":"v1"}'
refuse 400 invalid "upper-case name" '{"name":"PR-1","tag":"v1"}'
t_is "$(j .error.details.field)" name "details name the field"
refuse 400 invalid "name starting with a digit" '{"name":"1pr","tag":"v1"}'
refuse 400 invalid "name ending with -" '{"name":"pr-","tag":"v1"}'
refuse 400 invalid "name of 64 characters" "{\"name\":\"a$(printf 'b%.0s' $(seq 1 63))\",\"tag\":\"v1\"}"
refuse 400 invalid "path traversal in a name" '{"name":"../etc","tag":"v1"}'
refuse 400 invalid "shell metacharacters in a name" '{"name":"a;rm -rf /","tag":"v1"}'
refuse 400 invalid "empty name" '{"name":"","tag":"v1"}'
refuse 400 invalid "missing tag" '{"name":"ok"}'
refuse 400 invalid "tag with a space" '{"name":"ok","tag":"v 1"}'
refuse 400 invalid "tag starting with -" '{"name":"ok","tag":"-v1"}'
refuse 400 invalid "name not a string" '{"name":5,"tag":"v1"}'
refuse 400 invalid "unknown field" '{"name":"ok","tag":"v1","app_override":[]}'
refuse 400 invalid "overrides not an array" '{"name":"ok","tag":"v1","app_overrides":{}}'
refuse 400 invalid "override without value" '{"name":"ok","tag":"v1","app_overrides":[{"key":"A"}]}'
refuse 400 invalid "bad override key" '{"name":"ok","tag":"v1","app_overrides":[{"key":"A B","value":"1"}]}'
refuse 400 invalid "key twice in a scope" '{"name":"ok","tag":"v1","app_overrides":[{"key":"A","value":"1"},{"key":"A","value":"2"}]}'
refuse 400 invalid "value with a line break" '{"name":"ok","tag":"v1","app_overrides":[{"key":"A","value":"1\n2"}]}'
refuse 400 bad_json "value with NUL (jansson refuses \\u0000)" '{"name":"ok","tag":"v1","app_overrides":[{"key":"A","value":"1\u00002"}]}'
refuse 400 invalid "secret not a boolean" '{"name":"ok","tag":"v1","app_overrides":[{"key":"A","value":"1","secret":"yes"}]}'
refuse 400 invalid "value over 4096 bytes" "{\"name\":\"ok\",\"tag\":\"v1\",\"app_overrides\":[{\"key\":\"A\",\"value\":\"$(head -c 4097 /dev/zero | tr '\0' x)\"}]}"
refuse 400 bad_json "not JSON" '{"name":'
refuse 400 bad_json "JSON but not an object" '["name"]'
refuse 400 bad_json "duplicate field" '{"name":"a","name":"b","tag":"v1"}'
deep=$(printf '[%.0s' $(seq 1 3000))
refuse 400 bad_json "deeply nested JSON" "$deep"
printf '{"name":"ok","tag":"v1","app_overrides":[{"key":"A","value":"\xff\xfe"}]}' >"$T_TMP/badutf8"
power POST deployments "@$T_TMP/badutf8"
S2=$(curl -sS -o "$T_TMP/b" -w '%{http_code}' --cacert "$OCTOPOD_VAR/tls/ca.pem" \
    --cert "$OCTOPOD_VAR/tls/octo.pem" --key "$OCTOPOD_VAR/tls/octo-key.pem" \
    -H 'Content-Type: application/json' --data-binary @"$T_TMP/badutf8" \
    "https://localhost:$POWER_PORT/api/v1/deployments")
t_is "$S2" 400 "refused: invalid UTF-8 in a value"
many=$(jq -nc '{name:"ok",tag:"v1",app_overrides:[range(0;201)|{key:("K\(.)"),value:"v"}]}')
refuse 400 invalid "more than 200 overrides" "$many"

# body too large: over BODY_MAX (1 MiB) the server refuses, over nginx's
# 4 MiB nginx does, both in the one error shape
{ printf '{"name":"big","tag":"v1","app_overrides":[{"key":"A","value":"'
  head -c 1100000 /dev/zero | tr '\0' x; printf '"}]}'; } >"$T_TMP/big"
S=$(curl -sS -o "$T_TMP/b" -w '%{http_code}' --cacert "$OCTOPOD_VAR/tls/ca.pem" \
    --cert "$OCTOPOD_VAR/tls/octo.pem" --key "$OCTOPOD_VAR/tls/octo-key.pem" \
    -H 'Content-Type: application/json' --data-binary @"$T_TMP/big" \
    "https://localhost:$POWER_PORT/api/v1/deployments")
t_is "$S/$(jq -r .error.code "$T_TMP/b")" 413/body_too_large "1.1 MB body: 413 from octopod"
head -c 5000000 /dev/zero | tr '\0' x >"$T_TMP/huge"
S=$(curl -sS -o "$T_TMP/b" -w '%{http_code}' --cacert "$OCTOPOD_VAR/tls/ca.pem" \
    --cert "$OCTOPOD_VAR/tls/octo.pem" --key "$OCTOPOD_VAR/tls/octo-key.pem" \
    -H 'Content-Type: application/json' --data-binary @"$T_TMP/huge" \
    "https://localhost:$POWER_PORT/api/v1/deployments")
t_is "$S/$(jq -r .error.code "$T_TMP/b")" 413/body_too_large "5 MB body: 413 from nginx, same shape"

t_is "$(count)" "$before" "no refusal changed anything"

# two creates of one name at once: exactly one wins
for i in 1 2 3 4 5 6; do
	curl -sS -o /dev/null -w '%{http_code}\n' --cacert "$OCTOPOD_VAR/tls/ca.pem" \
	    --cert "$OCTOPOD_VAR/tls/octo.pem" --key "$OCTOPOD_VAR/tls/octo-key.pem" \
	    -H 'Content-Type: application/json' -d '{"name":"race","tag":"v1"}' \
	    "https://localhost:$POWER_PORT/api/v1/deployments" >>"$T_TMP/race" &
	pids="${pids:-} $!"
done
wait $pids
t_is "$(sort "$T_TMP/race" | uniq -c | awk '{print $1"x"$2}' | tr '\n' ' ')" "1x202 5x409 " "six racing creates: one 202, five 409"
t_is "$(sql "SELECT count(*) FROM actions WHERE deployment_name='race'")" 1 "and one action"
t_done
