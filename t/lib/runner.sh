# t/lib/runner.sh: what the runner tests share. A throw-away PostgreSQL
# cluster (unix socket only, in a temp dir), the schema, the runner
# started from the real octopod-fcgi binary, TAP output. Sourced by
# t/runner-*.t (bash). Everything started here is stopped on exit.

set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
O=${O:-build}
case "$O" in /*) ;; *) O="$ROOT/$O" ;; esac
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
# the binary whose runner process is tested (master forks it)
OCTOPOD_FCGI=${OCTOPOD_FCGI:-$O/bin/octopod-fcgi}

T=$(mktemp -d /tmp/octopod-runner-t.XXXXXX)
chmod 755 "$T"
mkdir -p "$T/sock" "$T/scripts" "$T/out"
chown postgres "$T/sock"
chmod 777 "$T/out"
TAP_N=0
TAP_FAILED=0
RUNNER_PIDS=""
PG_UP=0

t_cleanup() {
	local p
	for p in $RUNNER_PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $RUNNER_PIDS; do
		for _ in $(seq 1 100); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	# scripts started by a killed runner live in their own groups
	if [ -f "$T/out/pids" ]; then
		while read -r p; do
			kill -KILL -- "-$p" 2>/dev/null
		done <"$T/out/pids"
	fi
	if [ "$PG_UP" = 1 ]; then
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$T/pg" -m immediate \
		    stop >/dev/null 2>&1
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		echo "# kept $T" >&2
	else
		rm -rf "$T"
	fi
}
trap t_cleanup EXIT
trap 'exit 1' INT TERM

ok() {	# ok COND-STATUS DESCRIPTION
	TAP_N=$((TAP_N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $TAP_N - $2"
	else
		echo "not ok $TAP_N - $2"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}

is() {	# is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
	fi
}

# stop_runners: SIGTERM every octopod-fcgi started here and wait for it
stop_runners() {
	local p
	for p in $RUNNER_PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $RUNNER_PIDS; do
		for _ in $(seq 1 150); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	RUNNER_PIDS=""
}

done_testing() {
	stop_runners
	# a sanitizer build (O=build/san) reports in the logs
	ok $(! cat "$T"/*.log 2>/dev/null | grep -qE \
	    'AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error:'; echo $?) \
	    "no sanitizer report in the logs"
	echo "1..$TAP_N"
	if [ "$TAP_FAILED" != 0 ]; then
		echo "# logs:"; tail -n 40 "$T"/*.log 2>/dev/null | sed 's/^/#   /'
		exit 1
	fi
	exit 0
}

bail() {
	echo "Bail out! $*"
	exit 1
}

pg_start() {
	mkdir -p "$T/pg"
	chown postgres "$T/pg"
	runuser -u postgres -- "$PGBIN/initdb" -D "$T/pg" -A trust -E UTF8 \
	    --no-locale >"$T/initdb.log" 2>&1 || bail "initdb failed"
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$T/pg" -l "$T/sock/pg.log" -w \
	    -o "-k $T/sock -c listen_addresses= -c fsync=off \
	    -c synchronous_commit=off -c max_connections=200" start \
	    >/dev/null 2>&1 || bail "postgres did not start: $(tail -3 "$T/sock/pg.log")"
	PG_UP=1
	export DATABASE_URL="host=$T/sock dbname=postgres user=postgres"
	local f
	for f in "$ROOT"/sql/*.sql; do
		psql -X -q -v ON_ERROR_STOP=1 "$DATABASE_URL" -f "$f" \
		    >/dev/null || bail "migration $f failed"
	done
}

q() {	# q SQL: one query, unaligned, no header
	psql -X -A -t -q -v ON_ERROR_STOP=1 "$DATABASE_URL" -c "$1"
}

# wait_for SQL WANT [SECONDS]: until SQL returns WANT; prints the last value
wait_for() {
	local got="" i
	for i in $(seq 1 $((${3:-15} * 10))); do
		got=$(q "$1" 2>/dev/null)
		[ "$got" = "$2" ] && break
		sleep 0.1
	done
	printf '%s' "$got"
}

# script NAME: the body comes on stdin; written to $T/scripts/NAME
script() {
	cat >"$T/scripts/$1"
	chmod 755 "$T/scripts/$1"
}

# settings the tests share; each test may change them before runner_start
export CONTROL_SCRIPTS_DIR="$T/scripts"
export PROJECT_NAME=proj BASE_DOMAIN=example.test NAMESPACE=ns
export STATUS_CHECK_INTERVAL=1 HEARTBEAT_INTERVAL=1 KILL_GRACE=1
export FCGI_SOCKET="$T/fcgi.sock" MIGRATIONS_DIR="$ROOT/sql"
export RESPONDERS=1 THREADS=1
export OUT="$T/out"

# runner_start [NAME]: start octopod-fcgi (master + runner); log in $T/NAME.log
runner_start() {
	local name=${1:-runner}
	# shellcheck disable=SC2086
	"$OCTOPOD_FCGI" ${OCTOPOD_FCGI_ARGS--d} >"$T/$name.log" 2>&1 &
	LAST_PID=$!
	RUNNER_PIDS="$RUNNER_PIDS $LAST_PID"
	sleep 0.3
	kill -0 "$LAST_PID" 2>/dev/null || bail "octopod-fcgi did not start: $(tail -3 "$T/$name.log")"
}

# dep NAME STATUS [TAG]: a deployment row as a responder leaves it
dep() {
	q "INSERT INTO deployments (name, tag, status, created_by, updated_by)
	   VALUES ('$1', '${3:-v1}', '$2', 'tester', 'tester') RETURNING id"
}

# queue NAME KIND: a queued action, as a responder queues it; prints its id
queue() {
	q "WITH a AS (INSERT INTO actions (deployment_id, deployment_name, kind,
	     requested_by) SELECT id, name, '$2', 'tester' FROM deployments
	     WHERE name = '$1' RETURNING id)
	   SELECT id, pg_notify('octopod_queue', id::text) FROM a" | cut -d'|' -f1
}

# the status of deployment NAME
status_of() {
	q "SELECT status FROM deployments WHERE name = '$1'"
}

# req NAME STATUS: what a responder does to a deployment before it queues
# an action: the new status, version bumped, a history row
req() {
	q "WITH d AS (SELECT id, status FROM deployments WHERE name = '$1'),
	     u AS (UPDATE deployments SET status = '$2', version = version + 1,
	       status_changed_at = now() WHERE name = '$1')
	   INSERT INTO status_history (deployment_id, deployment_name,
	     from_status, to_status, actor) SELECT id, '$1', status, '$2',
	     'tester' FROM d" >/dev/null
}
