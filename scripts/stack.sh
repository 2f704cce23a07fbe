# scripts/stack.sh: set up and start the parts of an octopod-c stack under
# $OCTOPOD_VAR. Sourced by scripts/run.sh (make run) and t/lib/stack.sh
# (the tests), so that both start the stack the same way.
#
# Knobs (design section 9): OCTOPOD_VAR, UI_PORT, POWER_PORT, DATABASE_URL,
# CONTROL_SCRIPTS_DIR. O is the build directory (build/). STACK_WRAP: a
# command that octopod-fcgi and octopod-notifier are started under (the
# tests' valgrind run, t/valgrind.t).

: "${TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${O:=build}"
case "$O" in /*) ;; *) O="$TOP/$O" ;; esac
: "${OCTOPOD_VAR:=$TOP/var}"
: "${UI_PORT:=8443}"
: "${POWER_PORT:=8444}"
: "${LISTEN_ADDR:=127.0.0.1}"
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
STACK_PIDS=""

stack_log() { echo "octopod: $*" >&2; }
stack_die() { echo "octopod: $*" >&2; exit 1; }

# Run a PostgreSQL program as the postgres user when we are root
# (PostgreSQL refuses to run as root).
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# The directories, and the umask of everything started from here (logs,
# deployments' files: 0640 at most). $OCTOPOD_VAR is only traversable by
# others (the postgres user reaches pg/ when we are root); run/, which
# holds the sockets whose callers the responders trust (docs/API.md), is
# for the owner and its group only.
stack_dirs() {
	umask 027
	mkdir -p "$OCTOPOD_VAR"/{tls,nginx/tmp,run,log,deployments}
	chmod 711 "$OCTOPOD_VAR"
	chmod 750 "$OCTOPOD_VAR/run" "$OCTOPOD_VAR/log" "$OCTOPOD_VAR/nginx" \
	    "$OCTOPOD_VAR/deployments"
	chmod 700 "$OCTOPOD_VAR/tls"
}

# A CA, the server's certificate and the octo client certificate, once.
stack_tls() {
	local t="$OCTOPOD_VAR/tls"
	[ -s "$t/octo.pem" ] && return 0
	(
		set -e
		umask 077
		cd "$t"
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		    -nodes -keyout ca-key.pem -out ca.pem -days 3650 \
		    -subj "/CN=octopod local CA" 2>/dev/null
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		    -nodes -keyout server-key.pem -out server.csr \
		    -subj "/CN=localhost" 2>/dev/null
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem \
		    -CAcreateserial -out server.pem -days 825 -extfile server.ext 2>/dev/null
		stack_client_cert octo octo 825
		rm -f server.csr server.ext
		chmod 644 ca.pem server.pem octo.pem
	) || stack_die "could not generate the TLS certificates"
}

# stack_client_cert NAME CN DAYS: NAME.pem and NAME-key.pem signed by our CA.
stack_client_cert() {
	local t="$OCTOPOD_VAR/tls"
	(
		set -e
		umask 077
		cd "$t"
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		    -nodes -keyout "$1-key.pem" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
		printf 'extendedKeyUsage=clientAuth\n' >"$1.ext"
		openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem \
		    -CAcreateserial -out "$1.pem" -days "$3" -extfile "$1.ext" 2>/dev/null
		rm -f "$1.csr" "$1.ext"
	)
}

# The UI user with a generated password, once: ui-credentials holds
# "user:password" (0600), nginx/htpasswd the hash.
stack_ui_user() {
	local cred="$OCTOPOD_VAR/ui-credentials" pw
	if [ ! -s "$cred" ]; then
		pw=$(openssl rand -base64 24 | tr -dc 'A-Za-z0-9' | cut -c1-20)
		(umask 077; printf 'octopod:%s\n' "$pw" >"$cred")
	fi
	pw=$(cut -d: -f2- "$cred")
	printf '%s:%s\n' "$(cut -d: -f1 "$cred")" \
	    "$(printf '%s' "$pw" | openssl passwd -apr1 -stdin)" \
	    >"$OCTOPOD_VAR/nginx/htpasswd"
	chmod 640 "$OCTOPOD_VAR/nginx/htpasswd"
}

# Render the nginx config from nginx/octopod.conf.in (and the files it
# includes). Knobs: WS_PER_CLIENT websockets per client address and door
# (32), LOGIN_BURST failed basic-auth logins answered at once per client
# address (20), then LOGIN_RATE a second (2).
stack_nginx_conf() {
	local user="" f
	[ "$(id -u)" = 0 ] && user="user root;"
	cp /etc/nginx/mime.types /etc/nginx/fastcgi_params "$OCTOPOD_VAR/nginx/"
	for f in octopod.conf.in:nginx.conf api-errors.conf:api-errors.conf \
	    security-headers.conf:security-headers.conf; do
		sed -e "s|@VAR@|$OCTOPOD_VAR|g" -e "s|@UI_PORT@|$UI_PORT|g" \
		    -e "s|@POWER_PORT@|$POWER_PORT|g" -e "s|@LISTEN@|$LISTEN_ADDR|g" \
		    -e "s|@STATIC@|$TOP/static|g" -e "s|@USER@|$user|g" \
		    -e "s|@ACCESS_LOG@|${ACCESS_LOG:-$OCTOPOD_VAR/log/nginx-access.log}|g" \
		    -e "s|@WS_PER_CLIENT@|${WS_PER_CLIENT:-32}|g" \
		    -e "s|@LOGIN_BURST@|${LOGIN_BURST:-20}|g" \
		    -e "s|@LOGIN_RATE@|${LOGIN_RATE:-2}|g" \
		    "$TOP/nginx/${f%%:*}" >"$OCTOPOD_VAR/nginx/${f#*:}"
	done
}

# The embedded PostgreSQL cluster in $OCTOPOD_VAR/pg: created once,
# listening on a unix socket only (trust, in a private directory).
stack_pg_start() {
	local pg="$OCTOPOD_VAR/pg" opts=""
	mkdir -p "$pg"
	[ "$(id -u)" = 0 ] && chown postgres "$pg"
	if [ ! -s "$pg/data/PG_VERSION" ]; then
		as_pg "$PGBIN/initdb" -D "$pg/data" -U postgres --auth=trust \
		    -E UTF8 --locale=C.UTF-8 >"$OCTOPOD_VAR/log/initdb.log" 2>&1 ||
		    stack_die "initdb failed: see $OCTOPOD_VAR/log/initdb.log"
	fi
	as_pg mkdir -p "$pg/run"
	chmod 700 "$pg/run"
	[ -n "${PG_FAST:-}" ] && opts="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	as_pg "$PGBIN/pg_ctl" -D "$pg/data" -l "$pg/postgres.log" -w -t 60 \
	    -o "-k $pg/run -c listen_addresses= -p 5432 -c max_connections=300 $opts" \
	    start >/dev/null || stack_die "PostgreSQL did not start: see $pg/postgres.log"
	PG_STARTED=1
	export DATABASE_URL="host=$pg/run port=5432 user=postgres dbname=octopod"
	if ! "$PGBIN/psql" -X -q -d "host=$pg/run port=5432 user=postgres dbname=postgres" \
	    -tAc "SELECT 1 FROM pg_database WHERE datname = 'octopod'" | grep -q 1; then
		"$PGBIN/psql" -X -q -d "host=$pg/run port=5432 user=postgres dbname=postgres" \
		    -c "CREATE DATABASE octopod" || stack_die "could not create the database"
	fi
}

stack_pg_stop() {
	[ -n "${PG_STARTED:-}" ] || return 0
	as_pg "$PGBIN/pg_ctl" -D "$OCTOPOD_VAR/pg/data" -m fast -w stop >/dev/null 2>&1
	PG_STARTED=
}

stack_migrate() {
	MIGRATIONS_DIR="$TOP/sql" "$O/bin/octopod-fcgi" -m \
	    2>>"$OCTOPOD_VAR/log/migrate.log" ||
	    stack_die "migrations failed: see $OCTOPOD_VAR/log/migrate.log"
}

# Start octopod-fcgi in the background; FCGI_PID is its pid.
stack_fcgi_start() {
	: "${CONTROL_SCRIPTS_DIR:=$TOP/control/local}"
	export CONTROL_SCRIPTS_DIR OCTOPOD_VAR
	export FCGI_SOCKET="$OCTOPOD_VAR/run/fcgi.sock"
	export MIGRATIONS_DIR="$TOP/sql"
	# shellcheck disable=SC2086
	${STACK_WRAP:-} "$O/bin/octopod-fcgi" "$@" >>"$OCTOPOD_VAR/log/octopod-fcgi.log" 2>&1 &
	FCGI_PID=$!
	STACK_PIDS="$STACK_PIDS $FCGI_PID"
}

# Start octopod-notifier when it is built; NOTIFIER_PID is its pid.
stack_notifier_start() {
	[ -x "$O/bin/octopod-notifier" ] || return 0
	export NOTIFIER_SOCKET="$OCTOPOD_VAR/run/notifier.sock"
	# shellcheck disable=SC2086
	${STACK_WRAP:-} "$O/bin/octopod-notifier" "$@" >>"$OCTOPOD_VAR/log/octopod-notifier.log" 2>&1 &
	NOTIFIER_PID=$!
	STACK_PIDS="$STACK_PIDS $NOTIFIER_PID"
}

stack_nginx_start() {
	"$(command -v nginx || echo /usr/sbin/nginx)" -p "$OCTOPOD_VAR/nginx" \
	    -c "$OCTOPOD_VAR/nginx/nginx.conf" >>"$OCTOPOD_VAR/log/nginx.log" 2>&1 &
	NGINX_PID=$!
	STACK_PIDS="$STACK_PIDS $NGINX_PID"
}

# Wait until the ui door answers /api/v1/ping; 0, or 1 after $1 seconds.
stack_wait_ready() {
	local i p cred
	cred=$(cat "$OCTOPOD_VAR/ui-credentials")
	for i in $(seq 1 $(( ${1:-30} * 10 ))); do
		for p in $STACK_PIDS; do
			kill -0 "$p" 2>/dev/null || return 1
		done
		if curl -fsS --cacert "$OCTOPOD_VAR/tls/ca.pem" -u "$cred" \
		    "https://localhost:$UI_PORT/api/v1/ping" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# Stop what we started: SIGTERM, wait, then PostgreSQL.
stack_stop() {
	local p
	for p in $STACK_PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $STACK_PIDS; do wait "$p" 2>/dev/null; done
	STACK_PIDS=""
	stack_pg_stop
}

# Everything, in order: files, database, migrations, octopod-fcgi, nginx.
stack_up() {
	stack_dirs
	stack_tls
	stack_ui_user
	stack_nginx_conf
	if [ -z "${DATABASE_URL:-}" ]; then
		stack_pg_start
	fi
	stack_migrate
	stack_fcgi_start
	stack_notifier_start
	stack_nginx_start
	stack_wait_ready "${READY_TIMEOUT:-30}" ||
	    stack_die "the stack did not become ready: see $OCTOPOD_VAR/log/"
}
