#!/usr/bin/env bash
# Garbage from a client gets an error frame each, never a crash, and the
# connection goes on working; messages are bounded (4096 bytes); only
# /events upgrades. SIGTERM stops the notifier cleanly.
. "$(dirname "$0")/lib/stack.sh"
. "$(dirname "$0")/lib/ws.sh"
stack_start
ws_env

g() { node "$T_ROOT/t/ws/garbage.mjs" "$@" >"$T_TMP/g.out" 2>"$T_TMP/g.err"; }
errs() { jq -r 'select(.type == "error") | .error.code' "$T_TMP/g.out" | tr '\n' ' '; }

t_ok "bad frames, then a good subscription" g \
    --frame 'not json' --frame '[1,2]' --frame '"str"' --frame '{}' \
    --frame '{"subscribe":"nope"}' --frame '{"subscribe":42}' \
    --frame '{"subscribe":"deployment"}' --frame '{"subscribe":"deployment","name":"../x"}' \
    --frame '{"subscribe":"output","action":"1"}' --frame '{"subscribe":"output","action":-4}' \
    --frame '{"subscribe":"output","action":1,"after":"x"}' \
    --frame '{"subscribe":"list","subscribe":"list"}' --frame '{"subscribe":"list"'
t_is "$(errs)" "bad_json bad_message bad_json bad_message bad_message bad_message bad_message bad_message bad_message bad_message bad_message bad_json bad_json " \
    "one error frame per bad message, in order"
t_like "$(jq -c 'select(.type == "error")' "$T_TMP/g.out" | head -1)" \
    '{"type":"error","error":{"code":"bad_json","message":"invalid JSON: *"}}' "the error shape"

t_ok "an oversized message, then a good one" g --big 5000
t_is "$(errs)" "too_large " "a 5000-byte message is refused"
t_ok "a huge message (1 MiB), then a good one" g --big 1048576
t_is "$(errs)" "too_large " "a 1 MiB message is refused once"

t_ok "a binary frame, then a good one" g --binary 0 --frame '{"subscribe":"list"}'
t_is "$(errs)" "bad_message " "binary frames are refused"

t_ok "invalid UTF-8 closes only that connection" \
    node -e '
	import("'"$T_ROOT"'/t/ws/lib.mjs").then(async ({ open }) => {
		const ws = await open();
		ws.on("close", (c) => { console.log(c); process.exit(0); });
		ws._socket.write(Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0xc3, 0x28]));
		setTimeout(() => process.exit(1), 5000);
	});'
t_ok "and the notifier still serves" g --frame '{"subscribe":"list"}'

U="https://localhost:$UI_PORT/api/v1/events"
S=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$OCTOPOD_VAR/tls/ca.pem" -u "$UI_CRED" "$U")
t_like "$S" "4*" "a plain GET (no upgrade) is refused ($S)"
S=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$OCTOPOD_VAR/tls/ca.pem" "$U" \
    -H 'Upgrade: websocket' -H 'Connection: Upgrade' -H 'Sec-WebSocket-Version: 13' \
    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==')
t_is "$S" 401 "no login on the ui door: 401"
S=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 \
    --unix-socket "$OCTOPOD_VAR/run/notifier.sock" http://x/elsewhere 2>/dev/null \
    -H 'Upgrade: websocket' -H 'Connection: Upgrade' -H 'Sec-WebSocket-Version: 13' \
    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==')
t_isnt "$S" 101 "only /events upgrades ($S)"
t_is "$(stat -c %a "$OCTOPOD_VAR/run/notifier.sock")" 660 "the socket is 0660 (owner and SOCKET_GROUP only)"

kill -0 "$NOTIFIER_PID"
t_is $? 0 "the notifier survived all of it"
kill -TERM "$NOTIFIER_PID"
for i in $(seq 1 50); do kill -0 "$NOTIFIER_PID" 2>/dev/null || break; sleep 0.1; done
wait "$NOTIFIER_PID"
t_is $? 0 "SIGTERM: exit 0"
t_ok "it said it stopped" grep -q 'stopping' "$OCTOPOD_VAR/log/octopod-notifier.log"
t_ok "the socket is gone" test ! -e "$OCTOPOD_VAR/run/notifier.sock"
STACK_PIDS=${STACK_PIDS/$NOTIFIER_PID/}
ws_done
