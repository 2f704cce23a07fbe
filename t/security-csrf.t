#!/usr/bin/env bash
# issue 14, finding 5: both doors refuse a change that is not sent as
# application/json (415: what a cross-site HTML form sends never is) and
# any request a browser marks cross-site or whose Origin is foreign (403),
# with the power door's client certificate in the browser as much as with
# the ui door's saved login.
export ALLOWED_ORIGINS="https://ui.example.test"
. "$(dirname "$0")/lib/octo.sh"

stack_start
# raw DOOR METHOD PATH [curl args...]: S status, B body
raw() {
	local door=$1 method=$2 path=$3 args
	shift 3
	args=(-sS -o "$T_TMP/.body" -w '%{http_code}' -X "$method"
	    --cacert "$OCTOPOD_VAR/tls/ca.pem")
	if [ "$door" = ui ]; then
		args+=(-u "$UI_CRED" -H 'X-Requested-With: octopod')
		port=$UI_PORT
	else
		args+=(--cert "$OCTOPOD_VAR/tls/octo.pem" --key "$OCTOPOD_VAR/tls/octo-key.pem")
		port=$POWER_PORT
	fi
	S=$(curl "${args[@]}" "$@" "https://localhost:$port$path")
	B=$(cat "$T_TMP/.body")
}
is_err() {
	t_is "$S $(j .error.code)" "$1 $2" "$3"
	t_like "$(j .error.message)" "?*" "$3: with a message"
}

power POST deployments '{"name":"cs","tag":"v1"}'
t_is "$S" 202 "a JSON create on the power door"
wait_status cs Running >/dev/null

# the form a foreign page can post: text/plain whose field name is JSON
for door in power ui; do
	raw $door POST /api/v1/deployments -H 'Content-Type: text/plain' \
	    --data-binary '{"name":"cs-form","tag":"v1","x":"=y"}'
	is_err 415 unsupported_media_type "$door: a text/plain create is 415"
	raw $door POST /api/v1/deployments/cs/archive -d 'a=b'
	is_err 415 unsupported_media_type "$door: a urlencoded form post to archive is 415"
	raw $door POST /api/v1/deployments/cs/pin -F 'a=b'
	is_err 415 unsupported_media_type "$door: a multipart form post to pin is 415"
	raw $door PATCH /api/v1/deployments/cs --data-binary '{"tag":"v2"}' \
	    -H 'Content-Type:'
	is_err 415 unsupported_media_type "$door: a body without a Content-Type is 415"
done
t_is "$(sql "SELECT count(*) FROM deployments WHERE name = 'cs-form'")" 0 "no form created anything"
t_is "$(sql "SELECT status || ' ' || pinned FROM deployments WHERE name = 'cs'")" \
    "Running false" "no form archived or pinned anything"

raw power POST /api/v1/deployments -H 'Content-Type: application/json; charset=utf-8' \
    --data-binary '{"name":"cs-cs","tag":"v1"}'
t_is "$S" 202 "application/json with a charset parameter is accepted"
raw ui POST /api/v1/deployments/cs/pin
t_is "$S" 200 "a change with no body and no Content-Type (the UI's pin) is accepted"
t_octo 0 "octo's bodiless POST (unpin) is accepted" unpin -n cs

# cross-site requests, by the browser's own marks
for door in power ui; do
	raw $door GET /api/v1/deployments -H 'Sec-Fetch-Site: cross-site'
	is_err 403 cross_site "$door: a GET marked Sec-Fetch-Site: cross-site is 403"
	raw $door POST /api/v1/deployments/cs/pin -H 'Sec-Fetch-Site: cross-site'
	is_err 403 cross_site "$door: a change marked cross-site is 403"
	raw $door POST /api/v1/deployments/cs/pin -H 'Origin: https://evil.example'
	is_err 403 cross_site "$door: a change from a foreign Origin is 403"
	raw $door GET /api/v1/deployments -H 'Origin: null'
	is_err 403 cross_site "$door: Origin null is 403"
done
t_is "$(sql "SELECT pinned FROM deployments WHERE name = 'cs'")" f "no cross-site request pinned it"

raw ui POST /api/v1/deployments/cs/pin -H 'Sec-Fetch-Site: same-origin' \
    -H "Origin: https://localhost:$UI_PORT"
t_is "$S" 200 "ui: the door's own origin is accepted"
raw power POST /api/v1/deployments/cs/unpin -H 'Sec-Fetch-Site: same-site' \
    -H "Origin: https://localhost:$POWER_PORT"
t_is "$S" 200 "power: the door's own origin (same-site) is accepted"
raw ui GET /api/v1/deployments -H 'Origin: https://ui.example.test'
t_is "$S" 200 "an origin of ALLOWED_ORIGINS is accepted"
raw ui GET /api/v1/deployments -H "Origin: https://localhost:$POWER_PORT"
is_err 403 cross_site "ui: the other door's origin is foreign"
t_done
