# t/lib/run.sh: a real `make run` (scripts/run.sh) for a test, on free
# ports with OCTOPOD_VAR in the test's directory, started the way a
# terminal starts it: in a process group of its own, with SIGINT at its
# default (a background job of a script would inherit it ignored), so
# that `kill -INT -PGID` is the user's Ctrl-C.
#
#	run_start LOG		start it; bail out unless it prints "ready:"
#	run_signal SIG		signal its process group, wait; RUN_RC
#	var_procs		pids of live processes whose command line
#				names $OCTOPOD_VAR (what the stack left)
#
# octo is set up as in t/lib/octo.sh.

export CONTROL_SCRIPTS_DIR=${CONTROL_SCRIPTS_DIR:-$(cd "$(dirname "$0")/.." && pwd)/control/local}
. "$(dirname "$0")/lib/octo.sh"
unset FCGI_ARGS
RUN_PID=

run_start() {
	local i
	: >"$1"
	setsid env --default-signal=INT "$T_ROOT/scripts/run.sh" >"$1" 2>&1 </dev/null &
	RUN_PID=$!
	for i in $(seq 1 900); do
		grep -q '^ready: ' "$1" && return 0
		kill -0 "$RUN_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "Bail out! scripts/run.sh did not get ready"
	sed 's/^/# /' "$1"
	exit 1
}

run_signal() {
	kill -"$1" -- "-$RUN_PID"
	wait "$RUN_PID"
	RUN_RC=$?
	RUN_PID=
}

var_procs() {
	local d pid st
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		[ "$pid" = $$ ] && continue
		st=$(awk '{ print $3 }' "$d/stat" 2>/dev/null) || continue
		[ "$st" = Z ] || [ -z "$st" ] && continue
		tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -qF -- "$OCTOPOD_VAR/" &&
		    echo "$pid"
	done
}

t_cleanup_hook() {
	local p
	if [ -n "$RUN_PID" ]; then
		kill -TERM -- "-$RUN_PID" 2>/dev/null
		wait "$RUN_PID" 2>/dev/null
	fi
	# whatever it left (a failed test): only this test's own processes
	for p in $(var_procs); do kill -KILL "$p" 2>/dev/null; done
}
