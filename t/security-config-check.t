#!/usr/bin/env bash
# issue 14, finding 4: config_check cannot stall the API. It runs outside
# the row-locked transaction (the write re-checks the version: 409 on a
# race), at most CONFIG_CHECK_CONCURRENCY at once per responder process
# and never on every thread (503 with Retry-After past that), on at most
# CONFIG_CHECK_MAX_BYTES of overrides (413), with a 30 s default timeout.
export RESPONDERS=1 THREADS=4 CONFIG_CHECK_CONCURRENCY=2
export CONTROL_SCRIPTS_DIR  # set below, before the stack starts
. "$(dirname "$0")/lib/octo.sh"
CONTROL_SCRIPTS_DIR=$T_TMP/scripts
mkscripts "$CONTROL_SCRIPTS_DIR"
# config_check: marks that it runs, then takes CC_SLEEP seconds if the
# file $T_TMP/slow exists
cat >"$CONTROL_SCRIPTS_DIR/config_check" <<SH
#!/bin/sh
touch "$T_TMP/cc.\$\$"
[ -e "$T_TMP/slow" ] && sleep 3
exit 0
SH
chmod 755 "$CONTROL_SCRIPTS_DIR/config_check"
stack_start

t_like "$(CONFIG_CHECK_TIMEOUT= "$O/bin/octopod-fcgi" -n | grep '^CONFIG_CHECK_TIMEOUT=')" \
    "CONFIG_CHECK_TIMEOUT=30" "the default config_check timeout is 30 s"

# 413: more than 64 KiB of overrides (well under BODY_MAX)
big=$(head -c 3000 /dev/zero | tr '\0' x)
body=$(jq -cn --arg v "$big" '{name: "cc-big", tag: "v1",
    app_overrides: [range(0; 25) | {key: "K\(.)", value: $v}]}')
power POST deployments "$body"
t_is "$S $(j .error.code)" "413 overrides_too_large" "75 kB of overrides: 413 overrides_too_large"
t_like "$(j .error.message)" "*65536*" "the message names the cap"
t_is "$(ls "$T_TMP" | grep -c '^cc\.')" 0 "config_check did not run for it"

power POST deployments '{"name":"cc-one","tag":"v1"}'
t_is "$S" 202 "a create with a quick config_check"
wait_status cc-one Running >/dev/null

# the stall: 12 creates with a slow config_check at once; an unrelated
# list and a ping must still answer at once
touch "$T_TMP/slow"
for i in $(seq 1 12); do
	curl -sS -o "$T_TMP/c$i.body" -D "$T_TMP/c$i.head" -w '%{http_code}\n' \
	    --cacert "$OCTOPOD_VAR/tls/ca.pem" --cert "$OCTOPOD_VAR/tls/octo.pem" \
	    --key "$OCTOPOD_VAR/tls/octo-key.pem" -H 'Content-Type: application/json' \
	    --data-binary "{\"name\":\"cc-s$i\",\"tag\":\"v1\"}" \
	    "https://localhost:$POWER_PORT/api/v1/deployments" >"$T_TMP/c$i.code" &
	pids="${pids:-} $!"
done
# wait until two config_checks run
for i in $(seq 1 100); do
	[ "$(ls "$T_TMP" | grep -c '^cc\.')" -ge 3 ] && break
	sleep 0.05
done
start=$(date +%s.%N)
ui GET deployments
took=$(echo "$(date +%s.%N) - $start" | bc)
t_is "$S" 200 "a list while 12 slow creates are in flight"
t_like "$(echo "$took < 1" | bc)" 1 "it answers at once (took $took s; the finding saw 31.8 s)"
wait $pids
codes=$(cat "$T_TMP"/c*.code | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')
t_diag "codes of the 12 creates: $codes"
n202=$(cat "$T_TMP"/c*.code | grep -c 202)
n503=$(cat "$T_TMP"/c*.code | grep -c 503)
t_is "$((n202 + n503))" 12 "each create is accepted (202) or told to come back (503)"
t_like "$n202" "[1-9]*" "some were accepted ($n202)"
t_like "$n503" "[1-9]*" "the others got 503 ($n503)"
f=$(grep -l 503 "$T_TMP"/c*.code | head -1)
f=${f%.code}
t_is "$(jq -r .error.code "$f.body")" config_check_busy "503 config_check_busy"
t_like "$(tr -d '\r' <"$f.head" | grep -i '^retry-after:')" "Retry-After: [0-9]*" "with Retry-After"
t_is "$(sql "SELECT count(*) FROM deployments WHERE name LIKE 'cc-s%'")" "$n202" \
    "exactly the accepted ones exist"

# outside the transaction: while an update's config_check runs, the row
# is not locked (a pin answers at once) and the update, finding the
# version changed, answers 409
rm -f "$T_TMP"/cc.*
curl -sS -o "$T_TMP/u.body" -w '%{http_code}' -X PATCH \
    --cacert "$OCTOPOD_VAR/tls/ca.pem" --cert "$OCTOPOD_VAR/tls/octo.pem" \
    --key "$OCTOPOD_VAR/tls/octo-key.pem" -H 'Content-Type: application/json' \
    --data-binary '{"tag":"v2"}' \
    "https://localhost:$POWER_PORT/api/v1/deployments/cc-one" >"$T_TMP/u.code" &
upid=$!
for i in $(seq 1 100); do
	ls "$T_TMP" | grep -q '^cc\.' && break
	sleep 0.05
done
start=$(date +%s.%N)
power POST deployments/cc-one/pin
took=$(echo "$(date +%s.%N) - $start" | bc)
t_is "$S" 200 "a pin during the update's config_check"
t_like "$(echo "$took < 1" | bc)" 1 "is not held by a row lock (took $took s)"
wait $upid
t_is "$(cat "$T_TMP/u.code") $(jq -r .error.code "$T_TMP/u.body")" "409 version_conflict" \
    "the update, whose checked version is gone, answers 409 version_conflict"
t_is "$(sql "SELECT tag || ' ' || status FROM deployments WHERE name = 'cc-one'")" \
    "v1 Running" "and changed nothing"
rm -f "$T_TMP/slow"
power PATCH deployments/cc-one '{"tag":"v2"}'
t_is "$S" 202 "without the race, the update goes through"
t_done
