#!/usr/bin/env bash
# nginx reloaded (-s reload with the stack's -p/-c) five times under load:
# reads through the ui door and creates through the power door, each a
# fresh connection: not one request fails; the workers were replaced.
. "$(dirname "$0")/lib/fault.sh"
stack_start

read_loop() {	# GETs until $T_TMP/reads.stop; one status a line in $T_TMP/reads
	while [ ! -e "$T_TMP/reads.stop" ]; do
		curl -sS -o /dev/null -w '%{http_code}\n' -m 10 \
		    --cacert "$OCTOPOD_VAR/tls/ca.pem" -u "$UI_CRED" \
		    "https://localhost:$UI_PORT/api/v1/deployments?limit=5" \
		    >>"$T_TMP/reads" 2>/dev/null || echo 000 >>"$T_TMP/reads"
	done
}
workers() { pgrep -P "$NGINX_PID" | sort | tr '\n' ' '; }

load_start nr
read_loop & R1=$!
read_loop & R2=$!
w0=$(workers)
for round in 1 2 3 4 5; do
	sleep 0.8
	nginx -p "$OCTOPOD_VAR/nginx" -c "$OCTOPOD_VAR/nginx/nginx.conf" -s reload 2>>"$T_TMP/reload.err" ||
	    t_result 1 "round $round: nginx -s reload"
done
sleep 1
touch "$T_TMP/reads.stop"
wait "$R1" "$R2"
load_stop nr
t_diag "reads: $(sort "$T_TMP/reads" | uniq -c | tr '\n' ' ')"
t_ok "many reads were made" test "$(wc -l <"$T_TMP/reads")" -gt 50
t_is "$(grep -cv '^200$' "$T_TMP/reads")" 0 "no read failed"
t_ok "the nginx master is the same" kill -0 "$NGINX_PID"
t_isnt "$(workers)" "$w0" "its workers are new"
t_is "$(grep -c 'signal process started' "$T_TMP/reload.err")" 5 "five reloads signalled"
fault_verify nr '202'
t_done
