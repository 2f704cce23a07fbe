#!/usr/bin/env bash
# Sign-in with OIDC (UI_AUTH=oidc) against a real identity provider
# (t/lib/glewlwyd.sh), driven with curl as the browser: auth/login sends
# the browser to the IdP with state, nonce and an S256 challenge; the
# callback makes a session (an opaque cookie: Secure, HttpOnly,
# SameSite=Lax; only its SHA-256 in the database) and alice's create is
# recorded as alice; the API and the websocket take the session and refuse
# a tampered or expired one (401, no basic-auth prompt); a callback whose
# state is not this browser's, or used twice, is refused; sign-out ends the
# session; vera (viewer) is refused a create, adam (admin) may clean up.
. "$(dirname "$0")/lib/stack.sh"
. "$T_ROOT/t/lib/glewlwyd.sh"

CALLBACK=https://localhost:$UI_PORT/api/v1/auth/callback
idp_start "$CALLBACK"
idp_stack_env
stack_start
[ "https://localhost:$UI_PORT/api/v1/auth/callback" = "$CALLBACK" ] ||
    stack_die "nginx moved to another port than the IdP's redirect URI"

BASE=https://localhost:$UI_PORT
CURL=(curl -sS --cacert "$OCTOPOD_VAR/tls/ca.pem")

# as JAR: METHOD PATH [BODY]: a request with the cookie jar JAR; S, B, H
# (the response headers)
as() {
	local jar=$1 method=$2 path=$3 body=${4-}
	local args=(-o "$T_TMP/.b" -D "$T_TMP/.h" -w '%{http_code}' -X "$method"
	    -b "$T_TMP/$jar" -c "$T_TMP/$jar" -H 'X-Requested-With: octopod')
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	S=$("${CURL[@]}" "${args[@]}" "$BASE$path")
	B=$(cat "$T_TMP/.b")
	H=$(tr -d '\r' <"$T_TMP/.h")
}
hdr() { printf '%s\n' "$H" | sed -n "s/^$1: //Ip" | head -1; }
qparam() { printf '%s' "$1" | sed -n "s/.*[?&]$2=\([^&]*\).*/\1/p"; }

# sign_in JAR USER PASSWORD: auth/login, the IdP, the callback; sets LOGIN
# (the IdP URL we were sent to), S/B/H of the callback
sign_in() {
	local jar=$1 loc state nonce challenge
	as "$jar" GET /api/v1/auth/login
	LOGIN=$(hdr Location)
	state=$(qparam "$LOGIN" state)
	nonce=$(qparam "$LOGIN" nonce)
	challenge=$(qparam "$LOGIN" code_challenge)
	loc=$(idp_code "$2" "$3" "$IDP_CLIENT_ID" "$CALLBACK" "$state" "$nonce" "$challenge") ||
	    { S=idp; return 1; }
	BACK=${loc#"$BASE"}
	as "$jar" GET "$BACK"
}

# 1-5: no session
as anon GET /api/v1/project
t_is "$S" 401 "no session: the API answers 401"
t_is "$(j .error.code)" unauthenticated "code unauthenticated"
t_is "$(printf '%s' "$B" | jq -r .error.details.login)" /api/v1/auth/login "and points to the sign-in"
t_is "$(hdr WWW-Authenticate)" "" "with no basic-auth prompt"
as anon GET /
t_is "$S $(hdr Location)" "302 /api/v1/auth/login" "the page itself goes to the sign-in"

# 6-11: auth/login
as alice GET /api/v1/auth/login
t_is "$S" 302 "auth/login: 302"
LOGIN=$(hdr Location)
t_like "$LOGIN" "$IDP_ISSUER/auth?*" "to the IdP's authorization endpoint"
t_is "$(qparam "$LOGIN" code_challenge_method) $(qparam "$LOGIN" response_type) $(qparam "$LOGIN" client_id)" \
    "S256 code $IDP_CLIENT_ID" "code flow, PKCE S256, our client id"
t_is "$(qparam "$LOGIN" redirect_uri)" "$(jq -rn --arg u "$CALLBACK" '$u | @uri')" \
    "the redirect URI derived from the ui door's URL"
t_like "$(hdr Set-Cookie)" 'octopod_login=????????????????????????????????????????????????????????????????; Path=/api/v1/auth/; Max-Age=600; Secure; HttpOnly; SameSite=Lax' \
    "the sign-in is bound to this browser by a cookie"
t_is "$(sql "SELECT count(*) FROM oidc_logins WHERE state = '$(qparam "$LOGIN" state)' AND length(code_verifier) = 43")" 1 \
    "its state, nonce and PKCE verifier are kept server-side"

# 12-20: alice signs in
sign_in alice alice "$IDP_ALICE_PASSWORD"
t_is "$S $(hdr Location)" "302 /" "the callback: 302 to the UI"
cookie=$(printf '%s\n' "$H" | grep -i '^Set-Cookie: octopod_session=' | head -1)
t_like "$cookie" 'Set-Cookie: octopod_session=????????????????????????????????????????????????????????????????; Path=/; Max-Age=43200; Secure; HttpOnly; SameSite=Lax' \
    "a session cookie: opaque, Secure, HttpOnly, SameSite=Lax, 12 h"
tok=$(printf '%s' "$cookie" | sed 's/^[^=]*=\([0-9a-f]*\);.*/\1/')
t_is "$(sql "SELECT username || ' ' || role FROM sessions WHERE token_hash = sha256(convert_to('$tok', 'UTF8'))")" \
    "alice deployer" "the database keeps the token's SHA-256, alice, deployer"
t_is "$(sql "SELECT count(*) FROM sessions WHERE encode(token_hash, 'hex') = '$tok' OR username = '$tok'")" 0 \
    "and not the token itself"
t_is "$(sql "SELECT count(*) FROM oidc_logins WHERE state = '$(qparam "$LOGIN" state)'")" 0 "the sign-in was used up"
as alice GET /api/v1/project
t_is "$S $(printf '%s' "$B" | jq -c '[.you.name, .you.role, .auth]')" '200 ["alice","deployer","oidc"]' \
    "the API knows alice as a deployer"
as alice GET /api/v1/auth/session
t_is "$S $(printf '%s' "$B" | jq -c '[.user, .role]')" '200 ["alice","deployer"]' "auth/session says who"
t_is "$(cd "$T_ROOT" && node t/ws/cookie.mjs "$UI_PORT" "$OCTOPOD_VAR/tls/ca.pem" "octopod_session=$tok")" hello \
    "the websocket takes the session"
# a session that ends in 2 s: the notifier closes its socket then (nginx
# passes the end as X-Octopod-Expires)
sql "UPDATE sessions SET expires_at = now() + interval '2 seconds' WHERE username = 'alice'" >/dev/null
t_is "$(cd "$T_ROOT" && node t/ws/cookie.mjs "$UI_PORT" "$OCTOPOD_VAR/tls/ca.pem" "octopod_session=$tok" 8 | tr '\n' ' ')" \
    "hello closed 1008 session expired " "the websocket is closed when its session ends (1008)"
sql "UPDATE sessions SET expires_at = now() + interval '12 hours' WHERE username = 'alice'" >/dev/null

# 21-24: a create recorded as alice
as alice POST /api/v1/deployments '{"name":"by-alice","tag":"v1"}'
t_is "$S" 202 "alice creates by-alice: 202"
t_is "$(sql "SELECT created_by FROM deployments WHERE name = 'by-alice'")" alice "recorded as created by alice"
t_is "$(sql "SELECT requested_by FROM actions WHERE deployment_name = 'by-alice' AND kind = 'create'")" alice \
    "the action requested by alice"
t_is "$(wait_sql "SELECT status FROM deployments WHERE name = 'by-alice'" Running 30)" Running "and it runs"

# 24-25: the callback is used once, and only from the browser that began it
# (the same callback again, with the sign-in's cookie as it was)
FIRST_BACK=$BACK
state=$(qparam "$LOGIN" state)
S=$("${CURL[@]}" -o "$T_TMP/.b" -w '%{http_code}' -b "octopod_login=$state" "$BASE$FIRST_BACK")
B=$(cat "$T_TMP/.b")
t_is "$S $(j .error.message)" "401 this sign-in is unknown, used or expired; sign in again" \
    "a state is not taken twice"
# mallory begins a sign-in and has the IdP sign vera in for it; alice's
# browser is sent to the callback with that code: refused (login CSRF)
as mallory GET /api/v1/auth/login
L=$(hdr Location)
loc=$(idp_code vera "$IDP_VERA_PASSWORD" "$IDP_CLIENT_ID" "$CALLBACK" "$(qparam "$L" state)" \
    "$(qparam "$L" nonce)" "$(qparam "$L" code_challenge)")
as alice GET "${loc#"$BASE"}"
t_is "$S $(j .error.message)" "401 this sign-in did not start in this browser; sign in again" \
    "another browser's sign-in is refused (login CSRF)"

# 26-30: a tampered cookie, an expired session
# one hex digit changed
if [ "${tok:0:1}" = 0 ]; then bad=1${tok:1}; else bad=0${tok:1}; fi
S=$("${CURL[@]}" -o "$T_TMP/.b" -w '%{http_code}' -b "octopod_session=$bad" "$BASE/api/v1/project")
t_is "$S" 401 "a tampered cookie: 401"
t_is "$(cd "$T_ROOT" && node t/ws/cookie.mjs "$UI_PORT" "$OCTOPOD_VAR/tls/ca.pem" "octopod_session=$bad")" "refused 401" \
    "and the websocket refuses it"
sql "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE username = 'alice'" >/dev/null
as alice GET /api/v1/project
t_is "$S $(j .error.code)" "401 unauthenticated" "an expired session: 401"
as alice POST /api/v1/deployments '{"name":"late-alice","tag":"v1"}'
t_is "$S $(sql "SELECT count(*) FROM deployments WHERE name = 'late-alice'")" "401 0" "and no create"
t_is "$(cd "$T_ROOT" && node t/ws/cookie.mjs "$UI_PORT" "$OCTOPOD_VAR/tls/ca.pem" "octopod_session=$tok")" "refused 401" \
    "the websocket refuses an expired session"

# 31-34: sign-out
sign_in alice alice "$IDP_ALICE_PASSWORD"
as alice GET /api/v1/project
t_is "$S" 200 "alice signs in again"
as alice POST /api/v1/auth/logout
t_is "$S $(printf '%s' "$B" | jq -r .signed_out)" "200 true" "sign-out: 200"
t_like "$(hdr Set-Cookie)" 'octopod_session=; Path=/; Max-Age=0; *' "the cookie is cleared"
t_is "$(sql "SELECT count(*) FROM sessions WHERE username = 'alice' AND expires_at > now()")" 0 \
    "and the session is gone from the database"

# 35-37: vera (viewer) is refused a create
sign_in vera vera "$IDP_VERA_PASSWORD"
as vera GET /api/v1/project
t_is "$S $(printf '%s' "$B" | jq -c '[.you.name, .you.role]')" '200 ["vera","viewer"]' "vera is a viewer"
as vera POST /api/v1/deployments '{"name":"by-vera","tag":"v1"}'
t_is "$S $(j .error.code)" "403 forbidden" "her create: 403 forbidden"
t_is "$(j .error.message)" "create needs the deployer role; vera is a viewer" "naming the role needed"

# 38-40: adam (admin) may clean up
power POST deployments/by-alice/archive
wait_sql "SELECT status FROM deployments WHERE name = 'by-alice'" Archived 30 >/dev/null
sign_in adam adam "$IDP_ADAM_PASSWORD"
as adam POST /api/v1/deployments/by-alice/cleanup
t_is "$S" 202 "adam cleans up by-alice: 202"
t_is "$(sql "SELECT requested_by FROM actions WHERE deployment_name = 'by-alice' AND kind = 'cleanup'")" adam \
    "requested by adam"
as vera POST /api/v1/deployments/by-alice/cleanup
t_is "$S $(j .error.code)" "403 forbidden" "vera may not"

# 41: basic auth means nothing on an oidc door
S=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -u "$UI_CRED" "$BASE/api/v1/project")
t_is "$S" 401 "basic-auth credentials are no session"

# 43-44: the identity provider is down: sign-in says so, sessions still work
idp_stop
as adam GET /api/v1/project
t_is "$S" 200 "with the IdP down, a signed-in person goes on"
as nobody GET /api/v1/auth/login
t_is "$S $(j .error.code)" "502 idp_unavailable" "a new sign-in: 502 idp_unavailable"

t_done
