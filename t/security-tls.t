#!/usr/bin/env bash
# issue 14, finding 9: both doors send HSTS and a strict CSP, TLS 1.2
# offers AEAD suites only (no CBC), TLS 1.3 is on, failed basic-auth
# logins are throttled per client (delayed, still answered 401). The TLS
# side is checked by Debian's testssl.sh (its per-protocol cipher list and
# its header check), as an outsider would.
export LOGIN_BURST=5 LOGIN_RATE=2
. "$(dirname "$0")/lib/stack.sh"

command -v testssl >/dev/null || { echo "1..0 # SKIP testssl (Debian's testssl.sh) is not installed"; exit 0; }
stack_start

for door in ui power; do
	[ $door = ui ] && port=$UI_PORT || port=$POWER_PORT
	h=$(curl -sS -D - -o /dev/null --cacert "$OCTOPOD_VAR/tls/ca.pem" \
	    "https://localhost:$port/" | tr -d '\r')
	t_like "$h" "*Strict-Transport-Security: max-age=31536000*" "$door: HSTS"
	t_like "$h" "*Content-Security-Policy: default-src 'self';*frame-ancestors 'none'*" \
	    "$door: a strict CSP"
done
h=$(curl -sS -D - -o /dev/null --cacert "$OCTOPOD_VAR/tls/ca.pem" -u "$UI_CRED" \
    "https://localhost:$UI_PORT/api/v1/ping" | tr -d '\r')
t_like "$h" "*Strict-Transport-Security:*Content-Security-Policy:*" "ui: the API's answers carry them too"
h=$(curl -sS -D - -o /dev/null --cacert "$OCTOPOD_VAR/tls/ca.pem" -u "$UI_CRED" \
    "https://localhost:$UI_PORT/" | tr -d '\r')
t_like "$h" "*Content-Security-Policy:*" "ui: and the UI's page"

# testssl: ciphers per protocol (-E) and headers (-h) of each door
for door in ui power; do
	[ $door = ui ] && port=$UI_PORT || port=$POWER_PORT
	start=$(date +%s)
	testssl --quiet --color 0 --warnings off --fast -E -h -p \
	    --jsonfile "$T_TMP/testssl-$door.json" "localhost:$port" \
	    >"$T_TMP/testssl-$door.txt" 2>&1
	t_diag "testssl $door: $(( $(date +%s) - start )) s"
	js=$T_TMP/testssl-$door.json
	t_is "$(jq -r '[.[] | select(.id | test("^cipher-tls1_2_")) | .finding |
	    select(test("CBC|SHA1? *$|RC4|3DES|NULL"; "i"))] | length' "$js")" 0 \
	    "$door: testssl finds no CBC (or weaker) suite in TLS 1.2"
	t_isnt "$(jq -r '[.[] | select(.id | test("^cipher-tls1_2_"))] | length' "$js")" 0 \
	    "$door: testssl lists TLS 1.2 suites (it did look)"
	t_is "$(jq -r '.[] | select(.id == "TLS1_3") | .finding' "$js")" "offered with final" \
	    "$door: TLS 1.3 offered"
	t_is "$(jq -r '.[] | select(.id == "TLS1_1") | .finding' "$js")" "not offered" \
	    "$door: TLS 1.1 not offered"
	t_like "$(jq -r '.[] | select(.id == "HSTS_time") | .finding' "$js")" "365 days*" \
	    "$door: testssl sees HSTS"
done

# failed logins: LOGIN_BURST at once, then LOGIN_RATE a second, each 401
start=$(date +%s.%N)
codes=$(for i in $(seq 1 15); do
	curl -sS -o /dev/null -w '%{http_code}\n' --cacert "$OCTOPOD_VAR/tls/ca.pem" \
	    -u octopod:wrong "https://localhost:$UI_PORT/api/v1/ping"
done | sort | uniq -c | awk '{print $2 "x" $1}')
took=$(echo "$(date +%s.%N) - $start" | bc)
t_is "$codes" "401x15" "every failed login is still answered 401"
t_like "$(echo "$took >= 3" | bc)" 1 "15 failed logins take at least 3 s past a burst of 5 at 2/s (took $took s)"
start=$(date +%s.%N)
ui GET ping
took=$(echo "$(date +%s.%N) - $start" | bc)
t_is "$S" 200 "the right password is still let in"
t_like "$(echo "$took < 1" | bc)" 1 "at once: only failures are throttled (took $took s)"
t_done
