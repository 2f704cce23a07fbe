#!/usr/bin/env bash
# issue 14, finding 6: websocket connections are capped per client (nginx
# limit_conn per address and door: WS_PER_CLIENT, 429) and for the whole
# notifier (NOTIFIER_MAX_CLIENTS, 503), both in the API's error shape;
# everyone else is still served.
export WS_PER_CLIENT=4 NOTIFIER_MAX_CLIENTS=6
. "$(dirname "$0")/lib/stack.sh"

stack_start
export UI_PORT OCTOPOD_VAR UI_CRED
pw=(--url "wss://localhost:$POWER_PORT/api/v1/events"
    --cert "$OCTOPOD_VAR/tls/octo.pem" --key "$OCTOPOD_VAR/tls/octo-key.pem")

# hold NAME N [args]: N connections held by one node process until
# release NAME; waits for its "held" line, in HELD
hold() {
	local name=$1 n=$2 i
	shift 2
	node "$T_ROOT/t/ws/connect.mjs" --hold "$n" --stop "$T_TMP/$name.stop" "$@" \
	    >"$T_TMP/$name.out" 2>&1 &
	eval "HOLD_$name=$!"
	for i in $(seq 1 200); do
		grep -q '^held' "$T_TMP/$name.out" && break
		sleep 0.1
	done
	HELD=$(cat "$T_TMP/$name.out")
}
release() {
	local pid
	eval "pid=\$HOLD_$1"
	touch "$T_TMP/$1.stop"
	wait "$pid" 2>/dev/null
}
c() { node "$T_ROOT/t/ws/connect.mjs" "$@" 2>&1; }
err_of() { printf '%s' "${1#HTTP * }" | jq -r .error.code 2>/dev/null; }

hold a 5
out=$HELD
t_like "$out" "held 4 HTTP 429 *" "ui: the 5th websocket of one client is refused with 429"
t_is "$(err_of "${out#held 4 }")" too_many_connections "in the API's error shape"
power GET ping
t_is "$S" 200 "a power-door ping still works while one client holds the cap"
ui GET deployments
t_is "$S" 200 "and the ui door's API"

# the notifier-wide cap: 4 held on the ui door, 2 more on the power door
# fill it
hold b 4 "${pw[@]}"
out=$HELD
t_like "$out" "held 2 HTTP 503 *" "the notifier refuses past NOTIFIER_MAX_CLIENTS with 503"
t_is "$(err_of "${out#held 2 }")" too_many_clients "in the API's error shape"
power GET ping
t_is "$S" 200 "the power door's API still answers"

release a
release b
# once they are gone, new clients are served again
for i in $(seq 1 50); do
	out=$(c)
	[ "$out" = "open hello" ] && break
	sleep 0.1
done
t_is "$out" "open hello" "after the holders leave, a new client is served"
t_done
