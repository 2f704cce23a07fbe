# t/lib/ws.sh: websocket clients (node, t/ws/*.mjs) against the stack of
# t/lib/stack.sh. Sourced after it; call after stack_start.
#
#	ws_watch NAME [watch.mjs args...]	start a logging client in the
#		background (log $T_TMP/NAME.log); waits until it is subscribed
#	ws_stop NAME		stop it (and wait for it)
#	ws_msgs NAME [JQ]	its messages (.m of each line), filtered by JQ
#	ws_wait NAME JQ [SEC]	wait until some message matches JQ (select)

WS_PIDS=""
export UI_PORT

ws_env() {
	UI_CRED=$(cat "$OCTOPOD_VAR/ui-credentials")
	export UI_CRED OCTOPOD_VAR
}

ws_watch() {
	local name=$1 i
	shift
	ws_env
	rm -f "$T_TMP/$name.ready" "$T_TMP/$name.stop"
	node "$T_ROOT/t/ws/watch.mjs" --out "$T_TMP/$name.log" \
	    --ready "$T_TMP/$name.ready" --stop "$T_TMP/$name.stop" "$@" \
	    2>>"$T_TMP/$name.err" &
	eval "WS_PID_$name=$!"
	WS_PIDS="$WS_PIDS $!"
	for i in $(seq 1 100); do
		[ -e "$T_TMP/$name.ready" ] && return 0
		sleep 0.1
	done
	t_diag "client $name did not get ready: $(cat "$T_TMP/$name.err" "$T_TMP/$name.log" 2>/dev/null)"
	return 1
}

ws_stop() {
	local pid
	eval "pid=\${WS_PID_$1:-}"
	touch "$T_TMP/$1.stop"
	[ -n "$pid" ] && wait "$pid" 2>/dev/null
	return 0
}

ws_msgs() {
	jq -cr ".m | ${2:-.}" "$T_TMP/$1.log" 2>/dev/null
}

ws_wait() {
	local i
	for i in $(seq 1 $(( ${3:-20} * 10 ))); do
		[ -n "$(jq -c ".m | $2" "$T_TMP/$1.log" 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	return 1
}

ws_cleanup() {
	local p
	for p in $WS_PIDS; do kill "$p" 2>/dev/null; done
	for p in $WS_PIDS; do wait "$p" 2>/dev/null; done
	WS_PIDS=""
}

t_cleanup_hook() {
	ws_cleanup
	stack_stop
	if [ "${KEEP:-0}" = 1 ]; then
		cp -r "$T_TMP" "$T_TMP.kept"
		echo "# kept $T_TMP.kept" >&2
	fi
}

# ws_done: stop the clients and the notifier (SIGTERM: a sanitizer build
# reports leaks at exit), check its log for sanitizer reports, t_done.
ws_done() {
	local rc
	ws_cleanup
	if [ -n "${NOTIFIER_PID:-}" ] && kill -0 "$NOTIFIER_PID" 2>/dev/null; then
		kill -TERM "$NOTIFIER_PID"
		wait "$NOTIFIER_PID"
		rc=$?
		t_is "$rc" 0 "the notifier exits 0 on SIGTERM"
		STACK_PIDS=${STACK_PIDS/$NOTIFIER_PID/}
	fi
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' \
	    "$OCTOPOD_VAR/log/octopod-notifier.log"; then
		t_result 1 "no sanitizer report from the notifier"
		t_diag "$(grep -E -A30 'AddressSanitizer|LeakSanitizer|runtime error:' \
		    "$OCTOPOD_VAR/log/octopod-notifier.log" | head -60)"
	else
		t_result 0 "no sanitizer report from the notifier"
	fi
	t_done
}
