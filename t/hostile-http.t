#!/usr/bin/env bash
# Hostile requests through nginx, each answered with the right error in
# the one JSON shape and nothing changed: path traversal and encoded
# slashes in names, unknown routes and methods, changes on the ui door
# without the same-origin proof (or with a wrong one), power routes on the
# ui door, bad query parameters, odd bodies and headers.
shopt -s extglob
. "$(dirname "$0")/lib/stack.sh"
stack_start

power POST deployments '{"name":"hh","tag":"v1"}'
t_is "$S" 202 "a deployment to aim at"
wait_sql "SELECT status FROM deployments WHERE name = 'hh'" Running 20 >/dev/null
counts() {
	sql "SELECT (SELECT count(*) FROM deployments) || '/' || (SELECT count(*) FROM actions)
	    || '/' || (SELECT count(*) FROM overrides) || '/' || (SELECT count(*) FROM status_history)
	    || '/' || (SELECT max(version) FROM deployments)"
}
before=$(counts)

# raw DOOR METHOD PATH [curl args...]: no helper's path handling
raw() {
	local door=$1 method=$2 path=$3 port args
	shift 3
	args=(-sS --path-as-is -o "$T_TMP/.body" -w '%{http_code}' -X "$method"
	    --cacert "$OCTOPOD_VAR/tls/ca.pem")
	if [ "$door" = ui ]; then
		port=$UI_PORT
		args+=(-u "$UI_CRED")
	else
		port=$POWER_PORT
		args+=(--cert "$OCTOPOD_VAR/tls/octo.pem" --key "$OCTOPOD_VAR/tls/octo-key.pem")
	fi
	S=$(curl "${args[@]}" "$@" "https://localhost:$port$path")
	B=$(cat "$T_TMP/.body")
}
# is_err STATUS-PATTERN CODE-PATTERN DESC: S and the error shape
is_err() {
	t_like "$S/$(j '.error.code' 2>/dev/null)" "$1/$2" "$3"
}

# path traversal, encoded slashes, NUL, dot segments
for p in '/api/v1/deployments/..%2f..%2fetc%2fpasswd' \
    '/api/v1/deployments/%2e%2e%2f%2e%2e%2fetc%2fpasswd' \
    '/api/v1/deployments/hh%2f..%2f..%2fping' \
    '/api/v1/deployments/%252e%252e%252fetc' \
    '/api/v1/deployments/hh%00' \
    '/api/v1/deployments/h%68' \
    '/api/v1/deployments/..' \
    '/api/v1/deployments/hh/../../ping/../deployments/x' \
    '/api/v1/deployments/%c0%ae%c0%ae%2fetc' \
    '/api/v1/deployments/%ff%fe' \
    '/api/v1/deployments/hh;rm%20-rf' \
    "/api/v1/deployments/$(printf 'a%.0s' $(seq 1 5000))"; do
	raw power GET "$p"
	t_like "$S" [1-5]0[0-9] "GET ${p:0:60}: answered ($S)"
	t_ok "  in the error shape (or the deployment hh, when nginx decoded it)" \
	    sh -c 'printf "%s" "$1" | jq -e ".error.code // .name" >/dev/null' _ "$B"
	case $B in *root:*) t_result 1 "  no file served" ;; esac
done
raw power GET '/api/v1/deployments/..%2f..%2fetc%2fpasswd'
is_err 4?? '@(invalid|not_found)' "an encoded traversal is a 400 or 404"
raw power DELETE '/api/v1/deployments/hh%2f..%2fhh'
is_err 4?? '@(invalid|not_found)' "DELETE through an encoded slash: refused"
raw power POST '/api/v1/deployments/..%2fhh/archive'
is_err 4?? '@(invalid|not_found)' "archive through an encoded traversal: refused"
raw power GET '/api/v1/../../../../etc/passwd'
t_like "$S" 4?? "a dot-segment path out of /api/v1 is refused by nginx"
case $B in *root:*) t_result 1 "no /etc/passwd" ;; *) t_result 0 "no /etc/passwd" ;; esac

# unknown routes and methods
raw power GET /api/v1/nope
is_err 404 not_found "unknown route: 404"
raw power GET /api/v1/deployments/hh/nope
is_err 404 not_found "unknown sub-route: 404"
raw power PUT /api/v1/deployments/hh -H 'Content-Type: application/json' -d '{}'
is_err 405 method_not_allowed "PUT on a deployment: 405"
t_like "$(j '.error.details.allow')" "*PATCH*" "  the allowed methods are named"
raw power PATCH /api/v1/deployments -H 'Content-Type: application/json' -d '{}'
is_err 405 method_not_allowed "PATCH on the list: 405"
raw power DELETE /api/v1/ping
is_err 405 method_not_allowed "DELETE on ping: 405"
raw power FROB /api/v1/deployments
t_like "$S" '4[0-9][0-9]' "an invented method: 4xx ($S)"
raw power TRACE /api/v1/deployments
t_like "$S" '4[0-9][0-9]' "TRACE: 4xx ($S)"
raw ui OPTIONS /api/v1/deployments -H 'Origin: https://evil.example' \
    -H 'Access-Control-Request-Method: POST' \
    -H 'Access-Control-Request-Headers: x-requested-with' -D "$T_TMP/h"
t_is "$(grep -ci '^access-control-allow' "$T_TMP/h")" 0 "a CORS preflight is never granted"

# no same-origin proof on the ui door (the helper ui always sends it)
J=(-H 'Content-Type: application/json')
for xrw in none XMLHttpRequest octopodx ''; do
	h=()
	[ "$xrw" = none ] || h=(-H "X-Requested-With: $xrw")
	raw ui POST /api/v1/deployments "${J[@]}" "${h[@]}" -d '{"name":"csrf1","tag":"v1"}'
	is_err 403 csrf "ui create with X-Requested-With '$xrw': 403 csrf"
	raw ui PATCH /api/v1/deployments/hh "${J[@]}" "${h[@]}" -d '{"tag":"v9"}'
	is_err 403 csrf "ui update with X-Requested-With '$xrw': 403 csrf"
	for tr in archive restore cleanup; do
		raw ui POST "/api/v1/deployments/hh/$tr" "${h[@]}"
		is_err 403 csrf "ui $tr with X-Requested-With '$xrw': 403 csrf"
	done
done
raw ui POST /api/v1/deployments -H 'Content-Type: text/plain' -d '{"name":"csrf2","tag":"v1"}'
is_err 403 csrf "a form-like text/plain POST (what a foreign page can send): 403"

# power routes on the ui door, even with the proof
raw ui DELETE /api/v1/deployments/hh -H 'X-Requested-With: octopod'
is_err 403 power_only "forget on the ui door: 403 power_only"
raw ui POST /api/v1/clean_archive -H 'X-Requested-With: octopod'
is_err 403 power_only "clean_archive on the ui door: 403 power_only"
# identity headers a client may try to set are not trusted
raw ui DELETE /api/v1/deployments/hh -H 'X-Requested-With: octopod' \
    -H 'Octopod-Api: power' -H 'Ssl-Client-Verify: SUCCESS'
is_err 403 power_only "forged door headers change nothing"
raw ui GET /api/v1/project -H 'Remote-User: admin'
t_is "$(j .actor)" "$(cut -d: -f1 "$OCTOPOD_VAR/ui-credentials")" "a forged Remote-User header is not the actor"

# bad query parameters
for q in 'limit=-1' 'limit=0' 'limit=99999999999999999999' 'limit=1e3' 'limit=%00' \
    'cursor=%27%3B--' 'cursor=AAAA' 'status=Bogus' "status=Running'--" 'sort=id;drop' \
    'order=sideways' 'archived=maybe' 'total=%ff'; do
	raw power GET "/api/v1/deployments?$q"
	is_err 400 invalid "list with $q: 400 invalid"
done
raw power GET "/api/v1/deployments?q=%27%3B%20DROP%20TABLE%20deployments%3B--"
t_is "$S/$(j '.deployments | length')" 200/0 "a search for SQL is just a search"
raw power GET "/api/v1/actions/1%20OR%201=1"
is_err 404 not_found "an action id with SQL: 404"
raw power GET "/api/v1/actions/1/output?after=-5"
is_err 400 invalid "output after=-5: 400"

# odd bodies and headers
raw power PATCH /api/v1/deployments/hh "${J[@]}" -H 'If-Match: 99999999999999999999999' -d '{"tag":"v9"}'
is_err 4?? '@(invalid|version_conflict)' "If-Match past every integer: refused"
raw power PATCH /api/v1/deployments/hh "${J[@]}" -H "If-Match: $(printf 'x%.0s' $(seq 1 6000))" -d '{"tag":"v9"}'
t_like "$S" '4[0-9][0-9]' "a 6 kB If-Match: refused ($S)"
raw power POST /api/v1/deployments "${J[@]}" --data-binary ''
is_err 400 bad_json "an empty body: 400 bad_json"
raw power POST /api/v1/deployments -H 'Content-Type: application/json' -H 'Content-Length: 10' --data-binary '{"name":"cl1","tag":"v1","x":1}'
t_like "$S" '4[0-9][0-9]' "a body longer than its Content-Length: refused ($S)"
printf '{"name":"u8","tag":"v1","app_overrides":[{"key":"A","value":"\xed\xa0\x80"}]}' >"$T_TMP/surrogate"
raw power POST /api/v1/deployments "${J[@]}" --data-binary @"$T_TMP/surrogate"
is_err 400 '@(bad_json|invalid)' "a UTF-8-encoded surrogate: 400"
printf '{"name":"u8","tag":"v1","app_overrides":[{"key":"A","value":"\xc0\xaf"}]}' >"$T_TMP/overlong"
raw power POST /api/v1/deployments "${J[@]}" --data-binary @"$T_TMP/overlong"
is_err 400 '@(bad_json|invalid)' "an overlong UTF-8 slash: 400"
deep=$(printf '{"a":%.0s' $(seq 1 20000))
raw power POST /api/v1/deployments "${J[@]}" --data-binary "$deep"
is_err 400 bad_json "20000 nested objects: 400 bad_json"
raw power PATCH /api/v1/deployments/hh "${J[@]}" --data-binary "$(printf '[%.0s' $(seq 1 20000))"
is_err 400 bad_json "20000 nested arrays in an update: 400 bad_json"
{ printf '{"name":"big","tag":"v1","app_overrides":['
  for i in $(seq 1 3000); do printf '{"key":"K%d","value":"v"},' "$i"; done
  printf '{"key":"Z","value":"v"}]}'; } >"$T_TMP/many"
raw power POST /api/v1/deployments "${J[@]}" --data-binary @"$T_TMP/many"
is_err 400 invalid "3001 overrides: 400"
{ printf '{"tag":"v1","app_overrides":{"set":[{"key":"A","value":"'
  head -c 2000000 /dev/zero | tr '\0' y; printf '"}]}}'; } >"$T_TMP/big"
raw ui PATCH /api/v1/deployments/hh "${J[@]}" -H 'X-Requested-With: octopod' --data-binary @"$T_TMP/big"
is_err 413 body_too_large "a 2 MB update: 413"

t_is "$(counts)" "$before" "nothing changed: deployments/actions/overrides/history/version"
ui GET ping
t_is "$S" 200 "the service still answers"
t_is "$(pgrep -P "$FCGI_PID" | wc -l)" 3 "no child of the master died"
t_is "$(grep -c 'killed by signal\|exited with' "$OCTOPOD_VAR/log/octopod-fcgi.log")" 0 "none was restarted"
t_done
