# t/lib/stack.sh: the whole stack for a test, started the way `make run`
# starts it (scripts/stack.sh): a throw-away PostgreSQL cluster, real nginx
# with generated certificates on free ports, the real octopod-fcgi. Sourced
# by t/*.t (bash) after setting any knobs:
#
#	FCGI_ARGS	flags for octopod-fcgi (-R: no runner)
#	CONTROL_SCRIPTS_DIR	default t/fixtures/scripts (record argv, exit 0)
#	PG_TCP=1	PostgreSQL over TCP with TLS and scram-sha-256 (scripts/
#			stack.sh); DATABASE_URL then says sslmode=verify-full
#	PG_URL_FILE=1	octopod-fcgi and octopod-notifier get the conninfo
#			from DATABASE_URL_FILE ($OCTOPOD_VAR/database-url,
#			0600, as a mounted Secret), not from DATABASE_URL
#	STACK_DATABASE_URL	a database of the test's own (t/lib/patroni.sh)
#				instead of the throw-away cluster
#
#	stack_start		start everything; bail out if it cannot
#	ui METHOD PATH [BODY] [curl args...]	through the ui door (basic auth,
#				X-Requested-With); sets S (status) and B (body)
#	power METHOD PATH [BODY] [curl args...]	through the power door (octo cert)
#	j FILTER		jq -r FILTER on $B
#	sql SQL [ARGS...]	psql, unaligned, no header (psql variables :'v1'…)
#
# TAP helpers come from t/lib/control.sh (t_is, t_like, t_ok, t_done).

. "$(dirname "$0")/lib/control.sh"
chmod 755 "$T_TMP"

export O=${O:-build}
case "$O" in /*) ;; *) O="$T_ROOT/$O" ;; esac
export OCTOPOD_VAR="$T_TMP/var"
export PG_FAST=1
export ACCESS_LOG=off
export TOP=$T_ROOT
export CONTROL_SCRIPTS_DIR=${CONTROL_SCRIPTS_DIR:-$T_ROOT/t/fixtures/scripts}
export STATUS_CHECK_INTERVAL=${STATUS_CHECK_INTERVAL:-1}
export RESPONDERS=${RESPONDERS:-2} THREADS=${THREADS:-2}
unset DATABASE_URL
FCGI_ARGS=${FCGI_ARGS:-}

. "$T_ROOT/scripts/free-port.sh"
UI_PORT=$(free_port)
POWER_PORT=$(free_port)
while [ "$POWER_PORT" = "$UI_PORT" ]; do POWER_PORT=$(free_port); done
export UI_PORT POWER_PORT
if [ "${PG_TCP:-0}" = 1 ]; then
	PG_PORT=$(free_port)
	while [ "$PG_PORT" = "$UI_PORT" ] || [ "$PG_PORT" = "$POWER_PORT" ]; do
		PG_PORT=$(free_port)
	done
	export PG_TCP PG_PORT
fi

. "$T_ROOT/scripts/stack.sh"
stack_die() {
	echo "Bail out! $(basename "$0"): $*"
	for f in "$OCTOPOD_VAR"/log/*.log "$OCTOPOD_VAR"/pg/postgres.log; do
		[ -f "$f" ] && { echo "# ==> $f"; tail -20 "$f" | sed 's/^/# /'; } >&2
	done
	exit 1
}

t_cleanup_hook() {
	stack_stop
	if [ "${KEEP:-0}" = 1 ]; then
		cp -r "$T_TMP" "$T_TMP.kept"
		echo "# kept $T_TMP.kept" >&2
	fi
}

# Before the plan: stop the stack and fail if any process's log holds a
# sanitizer report (the suite also runs under ASan+UBSan).
t_before_done() {
	local hits
	stack_stop
	hits=$(grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
	    "$OCTOPOD_VAR"/log/*.log 2>/dev/null)
	t_is "$hits" "" "no sanitizer report in the logs"
	[ -n "$hits" ] && grep -h -A20 -E 'Sanitizer|runtime error:' $hits | head -60 | sed 's/^/# /'
	return 0
}

stack_start() {
	stack_dirs
	stack_tls
	stack_ui_user
	stack_nginx_conf
	if [ -n "${STACK_DATABASE_URL:-}" ]; then
		export DATABASE_URL=$STACK_DATABASE_URL
	else
		stack_pg_start
	fi
	stack_migrate
	if [ "${PG_URL_FILE:-0}" = 1 ]; then
		(umask 077; printf '%s\n' "$DATABASE_URL" >"$OCTOPOD_VAR/database-url")
		export DATABASE_URL_FILE="$OCTOPOD_VAR/database-url"
		local url=$DATABASE_URL
		unset DATABASE_URL
	fi
	# shellcheck disable=SC2086
	stack_fcgi_start $FCGI_ARGS
	stack_notifier_start
	if [ "${PG_URL_FILE:-0}" = 1 ]; then
		export DATABASE_URL=$url
		unset DATABASE_URL_FILE
	fi
	# another test may take our ports between the choice and the bind:
	# then choose again
	for try in 1 2 3; do
		stack_nginx_start
		sleep 0.3
		kill -0 "$NGINX_PID" 2>/dev/null && break
		grep -q 'Address already in use' "$OCTOPOD_VAR/log/nginx-error.log" \
		    "$OCTOPOD_VAR/log/nginx.log" 2>/dev/null || break
		wait "$NGINX_PID" 2>/dev/null
		STACK_PIDS=${STACK_PIDS/ $NGINX_PID/}
		: >"$OCTOPOD_VAR/log/nginx-error.log"
		UI_PORT=$(free_port)
		POWER_PORT=$(free_port)
		stack_nginx_conf
	done
	stack_wait_ready 30 || stack_die "the stack did not become ready"
	UI_CRED=$(cat "$OCTOPOD_VAR/ui-credentials")
}

# _call DOOR METHOD PATH [BODY] [curl args...]
_call() {
	local door=$1 method=$2 path=$3 body=${4-} port
	shift 3
	[ $# -gt 0 ] && shift
	local args=(-sS -o "$T_TMP/.body" -w '%{http_code}' -X "$method"
	    --cacert "$OCTOPOD_VAR/tls/ca.pem")
	if [ "$door" = ui ]; then
		port=$UI_PORT
		args+=(-u "$UI_CRED" -H 'X-Requested-With: octopod')
	else
		port=$POWER_PORT
		args+=(--cert "$OCTOPOD_VAR/tls/octo.pem"
		    --key "$OCTOPOD_VAR/tls/octo-key.pem")
	fi
	if [ -n "$body" ]; then
		args+=(-H 'Content-Type: application/json' --data-binary "$body")
	fi
	S=$(curl "${args[@]}" "$@" "https://localhost:$port/api/v1/$path")
	B=$(cat "$T_TMP/.body")
}
# stack_kill SIGNAL PID: signal a process of the stack, wait for it, and
# leave it out of what stack_stop stops
stack_kill() {
	kill -"$1" "$2"
	wait "$2" 2>/dev/null
	STACK_PIDS=${STACK_PIDS/ $2/}
}

ui() { _call ui "$@"; }
power() { _call power "$@"; }
j() { printf '%s' "$B" | jq -r "$1"; }

sql() {
	local q=$1
	shift
	"$PGBIN/psql" -X -q -tA -v ON_ERROR_STOP=1 -d "$DATABASE_URL" "$@" -c "$q"
}

# wait_sql SQL WANT [SECONDS]: poll until SQL returns WANT; prints the last value
wait_sql() {
	local i got
	for i in $(seq 1 $(( ${3:-20} * 10 ))); do
		got=$(sql "$1" 2>/dev/null)
		[ "$got" = "$2" ] && break
		sleep 0.1
	done
	printf '%s' "$got"
}
