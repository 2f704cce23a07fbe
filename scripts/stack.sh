# scripts/stack.sh: set up and start the parts of an octopod-c stack under
# $OCTOPOD_VAR. Sourced by scripts/run.sh (make run) and t/lib/stack.sh
# (the tests), so that both start the stack the same way.
#
# Knobs (design section 9): OCTOPOD_VAR, UI_PORT, POWER_PORT, DATABASE_URL,
# CONTROL_SCRIPTS_DIR; PG_TCP=1 (and PG_PORT) for the embedded cluster
# over TCP with TLS and scram-sha-256, as production has it. O is the build directory (build/). STACK_WRAP: a
# command that octopod-fcgi and octopod-notifier are started under (the
# tests' valgrind run, t/valgrind.t). STACK_DETACH=1: octopod-fcgi,
# octopod-notifier and nginx each in a session of their own (setsid), so
# that a signal to the caller's process group (Ctrl-C) does not reach
# them and the caller stops them in order (scripts/run.sh).

: "${TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${O:=build}"
case "$O" in /*) ;; *) O="$TOP/$O" ;; esac
: "${OCTOPOD_VAR:=$TOP/var}"
: "${UI_PORT:=8443}"
: "${POWER_PORT:=8444}"
: "${LISTEN_ADDR:=127.0.0.1}"
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
STACK_PIDS=""
STACK_DETACH=${STACK_DETACH:-}

# the prefix that detaches a part (STACK_DETACH): setsid does not fork
# here (a background job is no group leader), so $! stays the part's pid
stack_detach() { [ -n "$STACK_DETACH" ] && echo setsid; }

stack_log() { echo "octopod: $*" >&2; }
stack_die() { echo "octopod: $*" >&2; exit 1; }

# Run a PostgreSQL program as the postgres user when we are root
# (PostgreSQL refuses to run as root), from / (the current directory may be
# closed to postgres: a checkout in /root).
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		(cd / && exec runuser -u postgres -- "$@")
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

# stack_ca_server CA_NAME: in the current directory, a CA (ca.pem,
# ca-key.pem) and a server certificate of it for localhost and 127.0.0.1
# (server.pem, server-key.pem); fails (set -e callers) on any error.
stack_ca_server() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -keyout ca-key.pem -out ca.pem -days 3650 \
	    -subj "/CN=$1" 2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -keyout server-key.pem -out server.csr \
	    -subj "/CN=localhost" 2>/dev/null &&
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext &&
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem \
	    -CAcreateserial -out server.pem -days 825 -extfile server.ext 2>/dev/null
}

# A CA, the server's certificate and the octo client certificate, once.
stack_tls() {
	local t="$OCTOPOD_VAR/tls"
	[ -s "$t/octo.pem" ] && return 0
	(
		set -e
		umask 077
		cd "$t"
		stack_ca_server "octopod local CA"
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

# The first UI user with a generated password, once: ui-credentials holds
# "user:password" (0600); that user's line of nginx/htpasswd is written
# again from it (0640, replaced atomically), the other users' lines
# (scripts/ui-user.sh) are kept. ui-roles makes that first user an admin
# when there is no ui-roles yet.
stack_ui_user() {
	local cred="$OCTOPOD_VAR/ui-credentials" ht="$OCTOPOD_VAR/nginx/htpasswd" pw user
	if [ ! -s "$cred" ]; then
		pw=$(openssl rand -base64 24 | tr -dc 'A-Za-z0-9' | cut -c1-20)
		(umask 077; printf 'octopod:%s\n' "$pw" >"$cred")
	fi
	user=$(cut -d: -f1 "$cred")
	pw=$(cut -d: -f2- "$cred")
	(
		umask 027
		{
			[ -f "$ht" ] && awk -F: -v u="$user" '$1 != u' "$ht"
			printf '%s:%s\n' "$user" \
			    "$(printf '%s' "$pw" | openssl passwd -apr1 -stdin)"
		} >"$ht.tmp" && chmod 640 "$ht.tmp" && mv -f "$ht.tmp" "$ht"
	) || stack_die "could not write $ht"
	[ -e "$OCTOPOD_VAR/ui-roles" ] ||
	    (umask 027; printf '# name role (viewer, deployer, admin): scripts/ui-user.sh\n%s admin\n' \
	    "$user" >"$OCTOPOD_VAR/ui-roles")
}

# power-roles: the CN of the octo certificate that stack_tls generates is
# an admin, when there is no power-roles yet; other CNs are deployers
# (POWER_DEFAULT_ROLE).
stack_power_roles() {
	[ -e "$OCTOPOD_VAR/power-roles" ] && return 0
	[ -s "$OCTOPOD_VAR/tls/octo.pem" ] || return 0
	(umask 027; printf '# certificate CN and role (viewer, deployer, admin)\nocto admin\n' \
	    >"$OCTOPOD_VAR/power-roles")
}

# TRUSTED_PROXIES (addresses or CIDRs, separated by commas or spaces): the
# proxies whose X-Forwarded-For nginx believes (nginx's realip module), so
# that behind an Ingress the per-address caps and the logs see each
# browser's address; empty, nobody's. Writes real-ip.conf; dies on an
# entry that is not an IPv4 or IPv6 address or CIDR.
stack_real_ip_conf() {
	local out="$OCTOPOD_VAR/nginx/real-ip.conf" p list
	IFS=$', \t\n' read -ra list <<<"${TRUSTED_PROXIES:-}"
	printf '# TRUSTED_PROXIES (scripts/stack.sh stack_real_ip_conf)\n' >"$out.tmp"
	for p in "${list[@]}"; do
		if [[ $p =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})(/([0-9]{1,2}))?$ ]]; then
			[ "${BASH_REMATCH[1]}" -le 255 ] && [ "${BASH_REMATCH[2]}" -le 255 ] &&
			    [ "${BASH_REMATCH[3]}" -le 255 ] && [ "${BASH_REMATCH[4]}" -le 255 ] &&
			    [ "${BASH_REMATCH[6]:-32}" -le 32 ] ||
			    stack_die "TRUSTED_PROXIES: \"$p\" is not an IPv4 address or CIDR"
		elif [[ $p =~ ^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(/([0-9]{1,3}))?$ ]]; then
			[ "${BASH_REMATCH[2]:-128}" -le 128 ] ||
			    stack_die "TRUSTED_PROXIES: \"$p\" is not an IPv6 address or CIDR"
		else
			stack_die "TRUSTED_PROXIES: \"$p\" is not an address or CIDR (e.g. 10.42.0.0/16)"
		fi
		printf 'set_real_ip_from %s;\n' "$p" >>"$out.tmp"
	done
	[ ${#list[@]} = 0 ] || printf 'real_ip_header X-Forwarded-For;\nreal_ip_recursive on;\n' >>"$out.tmp"
	mv "$out.tmp" "$out"
}

# Render the nginx config from nginx/octopod.conf.in (and the files it
# includes). Knobs: WS_PER_CLIENT websockets per client address and door
# (32), LOGIN_BURST failed basic-auth logins answered at once per client
# address (20), then LOGIN_RATE a second (2); TRUSTED_PROXIES (above);
# UI_AUTH basic (default) or oidc: how the ui door knows people
# (nginx/ui-auth-*.conf).
stack_nginx_conf() {
	local user="" f auth=${UI_AUTH:-basic} u401 upage uuser urole uexp
	[ "$(id -u)" = 0 ] && user="user root;"
	case $auth in
	basic) u401=/_err/401 upage="" uuser='$remote_user' urole='""' uexp='""' ;;
	oidc) u401=/_err/401-session upage='error_page 401 = @octopod_sign_in;'
	    uuser='$octopod_user' urole='$octopod_role' uexp='$octopod_expires' ;;
	*) stack_die "UI_AUTH must be basic or oidc, not \"$auth\"" ;;
	esac
	cp /etc/nginx/mime.types /etc/nginx/fastcgi_params "$OCTOPOD_VAR/nginx/"
	stack_real_ip_conf
	for f in octopod.conf.in:nginx.conf api-errors.conf:api-errors.conf \
	    security-headers.conf:security-headers.conf \
	    "ui-auth-$auth.conf:ui-auth.conf"; do
		sed -e "s|@VAR@|$OCTOPOD_VAR|g" -e "s|@UI_PORT@|$UI_PORT|g" \
		    -e "s|@POWER_PORT@|$POWER_PORT|g" -e "s|@LISTEN@|$LISTEN_ADDR|g" \
		    -e "s|@STATIC@|$TOP/static|g" -e "s|@USER@|$user|g" \
		    -e "s|@ACCESS_LOG@|${ACCESS_LOG:-$OCTOPOD_VAR/log/nginx-access.log}|g" \
		    -e "s|@WS_PER_CLIENT@|${WS_PER_CLIENT:-32}|g" \
		    -e "s|@LOGIN_BURST@|${LOGIN_BURST:-20}|g" \
		    -e "s|@LOGIN_RATE@|${LOGIN_RATE:-2}|g" \
		    -e "s|@UI_401@|$u401|g" -e "s|@UI_PAGE_401@|$upage|g" \
		    -e "s|@UI_USER@|$uuser|g" -e "s|@UI_ROLE@|$urole|g" \
		    -e "s|@UI_EXPIRES@|$uexp|g" \
		    "$TOP/nginx/${f%%:*}" >"$OCTOPOD_VAR/nginx/${f#*:}"
	done
}

# stack_pg_dir: PG_DIR, where the embedded cluster is: $OCTOPOD_VAR/pg.
# As root PostgreSQL runs as postgres, who must be able to reach it: when
# a parent is closed to others (a checkout in /root, mode 0700), the
# cluster is kept in /var/lib/octopod/pg-HASH (of $OCTOPOD_VAR) instead
# and $OCTOPOD_VAR/pg is a link to it.
stack_pg_dir() {
	local pg="$OCTOPOD_VAR/pg" real
	PG_DIR=$pg
	if [ -L "$pg" ]; then
		PG_DIR=$(readlink -f "$pg")
		return 0
	fi
	[ "$(id -u)" = 0 ] || return 0
	runuser -u postgres -- test -x "$OCTOPOD_VAR" && return 0
	[ ! -e "$pg/data" ] ||
	    stack_die "the postgres user cannot reach $pg (PostgreSQL refuses to run as root)"
	real=/var/lib/octopod/pg-$(printf '%s' "$OCTOPOD_VAR" | sha256sum | cut -c1-16)
	mkdir -p "$real" && chmod 755 /var/lib/octopod && chown postgres "$real" &&
	    rm -rf "$pg" && ln -s "$real" "$pg" ||
	    stack_die "could not make $real for PostgreSQL"
	PG_DIR=$real
}

# The embedded PostgreSQL cluster in $OCTOPOD_VAR/pg: created once,
# listening on a unix socket only (trust, in a private directory). With
# PG_TCP=1 it listens as production has it instead: on 127.0.0.1:$PG_PORT
# with TLS (a server certificate of its own CA, pg/tls/ca.pem) and only
# hostssl scram-sha-256 lines for TCP; the role octopod has a password
# (pg/password) and owns the database; DATABASE_URL says
# sslmode=verify-full. The unix socket stays (trust, for postgres only).
stack_pg_start() {
	local pg opts="" sock="-c listen_addresses="
	stack_pg_dir
	pg=$PG_DIR
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
	if [ "${PG_TCP:-0}" = 1 ]; then
		: "${PG_PORT:=5433}"
		stack_pg_tls
		printf '%s\n' 'local all postgres trust' \
		    'hostssl all all 127.0.0.1/32 scram-sha-256' \
		    'hostssl all all ::1/128 scram-sha-256' >"$pg/data/pg_hba.conf"
		sock="-c listen_addresses=127.0.0.1 -c ssl=on -c password_encryption=scram-sha-256"
		sock="$sock -c ssl_cert_file=$pg/tls/server.pem -c ssl_key_file=$pg/tls/server-key.pem"
	else
		printf '%s\n' 'local all all trust' >"$pg/data/pg_hba.conf"
		PG_PORT=5432
	fi
	as_pg "$PGBIN/pg_ctl" -D "$pg/data" -l "$pg/postgres.log" -w -t 60 \
	    -o "-k $pg/run $sock -p $PG_PORT -c max_connections=300 $opts" \
	    start >/dev/null || stack_die "PostgreSQL did not start: see $pg/postgres.log"
	PG_STARTED=1
	PG_OPTS="-k $pg/run $sock -p $PG_PORT -c max_connections=300 $opts"
	PG_ADMIN="host=$pg/run port=$PG_PORT user=postgres dbname=postgres"
	if ! "$PGBIN/psql" -X -q -d "$PG_ADMIN" \
	    -tAc "SELECT 1 FROM pg_database WHERE datname = 'octopod'" | grep -q 1; then
		"$PGBIN/psql" -X -q -d "$PG_ADMIN" \
		    -c "CREATE DATABASE octopod" || stack_die "could not create the database"
	fi
	if [ "${PG_TCP:-0}" = 1 ]; then
		stack_pg_role
		export DATABASE_URL="host=127.0.0.1 port=$PG_PORT user=octopod password=$(cat "$pg/password") dbname=octopod sslmode=verify-full sslrootcert=$pg/tls/ca.pem"
	else
		export DATABASE_URL="host=$pg/run port=$PG_PORT user=postgres dbname=octopod"
	fi
}

# The cluster's TLS (PG_TCP=1), once: its own CA (pg/tls/ca.pem, which a
# client verifies the server with) and a server certificate for
# localhost and 127.0.0.1; the key belongs to postgres, mode 0600.
stack_pg_tls() {
	local t="$OCTOPOD_VAR/pg/tls"
	[ -s "$t/server.pem" ] && return 0
	mkdir -p "$t"
	(
		set -e
		umask 077
		cd "$t"
		stack_ca_server "octopod test PostgreSQL CA"
		rm -f server.csr server.ext ca.srl
		chmod 644 ca.pem server.pem
	) || stack_die "could not generate PostgreSQL's TLS certificates"
	[ "$(id -u)" = 0 ] && chown -R postgres "$t"
	chmod 755 "$t"
}

# The role octopod with a generated password (pg/password, 0600), once;
# it owns the database octopod (so that the migrations may create in it).
stack_pg_role() {
	local pg="$OCTOPOD_VAR/pg" pw
	if [ ! -s "$pg/password" ]; then
		pw=$(openssl rand -base64 24 | tr -dc 'A-Za-z0-9' | cut -c1-24)
		(umask 077; printf '%s\n' "$pw" >"$pg/password")
	fi
	pw=$(cat "$pg/password")
	"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -v pw="$pw" -d "$PG_ADMIN" <<'SQL' >/dev/null ||
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'octopod') AS missing \gset
\if :missing
CREATE ROLE octopod LOGIN;
\endif
ALTER ROLE octopod PASSWORD :'pw';
ALTER DATABASE octopod OWNER TO octopod;
SQL
	    stack_die "could not create the role octopod"
}

stack_pg_stop() {
	[ -n "${PG_STARTED:-}" ] || return 0
	as_pg "$PGBIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1
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
	# roles (docs/API.md): the files stack_ui_user and stack_power_roles make
	stack_power_roles
	export UI_ROLES_FILE="${UI_ROLES_FILE-$OCTOPOD_VAR/ui-roles}"
	export POWER_ROLES_FILE="${POWER_ROLES_FILE-$OCTOPOD_VAR/power-roles}"
	# shellcheck disable=SC2086
	$(stack_detach) ${STACK_WRAP:-} "$O/bin/octopod-fcgi" "$@" >>"$OCTOPOD_VAR/log/octopod-fcgi.log" 2>&1 &
	FCGI_PID=$!
	STACK_PIDS="$STACK_PIDS $FCGI_PID"
}

# Start octopod-notifier when it is built; NOTIFIER_PID is its pid.
stack_notifier_start() {
	[ -x "$O/bin/octopod-notifier" ] || return 0
	export NOTIFIER_SOCKET="$OCTOPOD_VAR/run/notifier.sock"
	# shellcheck disable=SC2086
	$(stack_detach) ${STACK_WRAP:-} "$O/bin/octopod-notifier" "$@" >>"$OCTOPOD_VAR/log/octopod-notifier.log" 2>&1 &
	NOTIFIER_PID=$!
	STACK_PIDS="$STACK_PIDS $NOTIFIER_PID"
}

stack_nginx_start() {
	# shellcheck disable=SC2046
	$(stack_detach) "$(command -v nginx || echo /usr/sbin/nginx)" -p "$OCTOPOD_VAR/nginx" \
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
		if [ "${UI_AUTH:-basic}" = oidc ]; then
			# no session: octopod-fcgi itself answers 401 (502 while
			# it is not up)
			[ "$(curl -sS -o /dev/null -w '%{http_code}' --cacert \
			    "$OCTOPOD_VAR/tls/ca.pem" \
			    "https://localhost:$UI_PORT/api/v1/auth/session" \
			    2>/dev/null)" = 401 ] && return 0
		elif curl -fsS --cacert "$OCTOPOD_VAR/tls/ca.pem" -u "$cred" \
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
