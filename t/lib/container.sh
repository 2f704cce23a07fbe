# t/lib/container.sh: the image (`make image`) run with podman the way
# docs/deployment.md tells an operator to, against a throw-away PostgreSQL
# reached over TCP as production reaches it (scram-sha-256 password, TLS
# with sslmode=verify-full). Sourced by t/container.t after t/lib/stack.sh
# (free_port, stack_tls, ui, power, sql) and t/lib/ws.sh.
#
#	ct_podman ARGS...	podman with the project's containers.conf
#	pgtcp_start		the cluster: 127.0.0.1:$PGTCP_PORT (hostssl,
#				scram only) and a private unix socket (the
#				test's superuser); sets PGTCP_URL (what a
#				container is given) and DATABASE_URL (sql)
#	ct_secrets		the mounted Secrets under $CT_SECRETS: tls/
#				(tls.crt, tls.key, ca.crt), ui/credentials,
#				db/{url,ca.crt}; root:10001, 0440 (fsGroup)
#	ct_serve NAME [OPTS...]	podman run -d the image's `serve` as the
#				chart runs it (non-root, read-only root,
#				writable /var/lib/octopod and /tmp), OPTS
#				before the image; waits until the probe door
#				answers; CT_READY_S: the seconds it took
#	ct_logs NAME		the container's log, as TAP comments
#	ct_cleanup		remove every container this test made
#
# CT_IMAGE: the tag `make image` gives (default localhost/octopod-c:latest);
# the test then runs the image by the id the build wrote (build/image.id).
#
# UI_PORT, POWER_PORT, HEALTH_PORT: free ports on 127.0.0.1 (host network).

CT_IMAGE_NAME=${CT_IMAGE:-localhost/octopod-c:latest}
CT_IMAGE=$CT_IMAGE_NAME
CT_NAMES=""
CT_SECRETS=$T_TMP/secrets
HEALTH_PORT=$(free_port)
export HEALTH_PORT

ct_podman() {
	CONTAINERS_CONF=$T_ROOT/build/containers.conf podman "$@"
}

# now: seconds since the epoch, with a fraction
ct_now() { date +%s.%N; }
# ct_secs T0 [T1]: T1 (default now) - T0, seconds with two decimals
ct_secs() { awk -v a="$1" -v b="${2:-$(ct_now)}" 'BEGIN { printf "%.2f", b - a }'; }

# The database cluster: $T_TMP/pgtcp/{data,run,tls}, owned by postgres.
PGTCP=$T_TMP/pgtcp
pgtcp_start() {
	local try pw
	mkdir -p "$PGTCP/run" "$PGTCP/tls"
	# a CA of its own and the server's certificate for 127.0.0.1/localhost
	(
		set -e
		umask 077
		cd "$PGTCP/tls"
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		    -nodes -keyout ca-key.pem -out ca.pem -days 2 \
		    -subj "/CN=octopod test database CA" 2>/dev/null
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		    -nodes -keyout server-key.pem -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem \
		    -CAcreateserial -out server.pem -days 2 -extfile server.ext 2>/dev/null
		chmod 644 ca.pem server.pem
	) || stack_die "could not make the database's certificates"
	chown -R postgres "$PGTCP"
	chmod 700 "$PGTCP/run"
	as_pg "$PGBIN/initdb" -D "$PGTCP/data" -U postgres --auth-local=trust \
	    --auth-host=reject -E UTF8 --locale=C.UTF-8 >"$PGTCP/initdb.log" 2>&1 ||
	    stack_die "initdb failed: $(tail -3 "$PGTCP/initdb.log")"
	# TCP: TLS and a scram password only; the unix socket: our superuser
	as_pg sh -c "cat >'$PGTCP/data/pg_hba.conf'" <<-EOF
	local	all	postgres		trust
	hostssl	octopod	octopod	127.0.0.1/32	scram-sha-256
	EOF
	for try in 1 2 3; do
		PGTCP_PORT=$(free_port)
		as_pg "$PGBIN/pg_ctl" -D "$PGTCP/data" -l "$PGTCP/postgres.log" -w -t 60 \
		    -o "-k $PGTCP/run -h 127.0.0.1 -p $PGTCP_PORT -c ssl=on \
		    -c ssl_cert_file=$PGTCP/tls/server.pem -c ssl_key_file=$PGTCP/tls/server-key.pem \
		    -c password_encryption=scram-sha-256 -c max_connections=200 \
		    -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
		    start >/dev/null 2>&1 && { PGTCP_STARTED=1; break; }
		grep -q 'already in use' "$PGTCP/postgres.log" 2>/dev/null ||
		    stack_die "PostgreSQL did not start: $(tail -5 "$PGTCP/postgres.log")"
	done
	[ -n "${PGTCP_STARTED:-}" ] || stack_die "PostgreSQL found no free port"
	export DATABASE_URL="host=$PGTCP/run port=$PGTCP_PORT user=postgres dbname=octopod"
	pw=$(openssl rand -hex 16)
	"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 \
	    -d "host=$PGTCP/run port=$PGTCP_PORT user=postgres dbname=postgres" <<-EOF ||
	CREATE ROLE octopod LOGIN PASSWORD '$pw';
	CREATE DATABASE octopod OWNER octopod;
	EOF
	    stack_die "could not make the role and the database"
	PGTCP_PASSWORD=$pw
	PGTCP_URL="host=127.0.0.1 port=$PGTCP_PORT user=octopod password=$pw dbname=octopod sslmode=verify-full sslrootcert=/etc/octopod/db/ca.crt"
}

pgtcp_stop() {
	[ -n "${PGTCP_STARTED:-}" ] || return 0
	as_pg "$PGBIN/pg_ctl" -D "$PGTCP/data" -m immediate -w stop >/dev/null 2>&1
	PGTCP_STARTED=
}

# The Secrets the chart mounts, from the files stack_tls and stack_ui_user
# made under $OCTOPOD_VAR (the test's CA, server and octo certificates)
ct_secrets() {
	mkdir -p "$CT_SECRETS"/{tls,ui,db}
	cp "$OCTOPOD_VAR/tls/server.pem" "$CT_SECRETS/tls/tls.crt"
	cp "$OCTOPOD_VAR/tls/server-key.pem" "$CT_SECRETS/tls/tls.key"
	cp "$OCTOPOD_VAR/tls/ca.pem" "$CT_SECRETS/tls/ca.crt"
	cp "$OCTOPOD_VAR/ui-credentials" "$CT_SECRETS/ui/credentials"
	printf '%s\n' "$PGTCP_URL" >"$CT_SECRETS/db/url"
	cp "$PGTCP/tls/ca.pem" "$CT_SECRETS/db/ca.crt"
	chown -R 0:10001 "$CT_SECRETS"
	chmod 755 "$CT_SECRETS" "$CT_SECRETS"/*
	chmod 440 "$CT_SECRETS"/*/*
}

# ct_run NAME [OPTS...] [-- ARGS...]: podman run -d NAME, the chart's pod
# spec in podman's words: uid/gid 10001, no capabilities, a read-only root
# with emptyDirs at /var/lib/octopod and /tmp, the Secrets and the
# control scripts read-only
ct_run() {
	local name=$1 opts=() args=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	[ $# -gt 0 ] && { shift; args=("$@"); }
	CT_NAMES="$CT_NAMES $name"
	ct_podman run -d --name "$name" --network host \
	    --user 10001:10001 --cap-drop all --security-opt no-new-privileges \
	    --read-only --read-only-tmpfs=false \
	    --tmpfs /var/lib/octopod:rw,U --tmpfs /tmp:rw,mode=1777 \
	    -v "$CT_SECRETS/tls:/etc/octopod/tls:ro" \
	    -v "$CT_SECRETS/ui:/etc/octopod/ui:ro" \
	    -v "$CT_SECRETS/db:/etc/octopod/db:ro" \
	    -v "$T_ROOT/control/local:/control:ro" \
	    -e LISTEN_ADDR=127.0.0.1 -e UI_PORT="$UI_PORT" -e POWER_PORT="$POWER_PORT" \
	    -e HEALTH_PORT="$HEALTH_PORT" -e STATUS_CHECK_INTERVAL=1 \
	    "${opts[@]}" "$CT_IMAGE" "${args[@]}" >/dev/null
}

# ct_running NAME: the container is running
ct_running() {
	[ "$(ct_podman inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]
}

# ct_serve NAME [OPTS...]: start NAME and wait (30 s) until the probe door
# answers 200; another test may take a port between the choice and the
# bind: then choose again. Returns 1 when it never got ready.
ct_serve() {
	local name=$1 try i t0
	shift
	for try in 1 2 3; do
		t0=$(ct_now)
		ct_run "$name" "$@" || return 1
		for i in $(seq 1 300); do
			if curl -fsS -o /dev/null --max-time 2 \
			    "http://127.0.0.1:$HEALTH_PORT/api/v1/ping" 2>/dev/null; then
				CT_READY_S=$(ct_secs "$t0")
				return 0
			fi
			if [ $((i % 10)) = 0 ] && ! ct_running "$name"; then
				break
			fi
			sleep 0.1
		done
		ct_podman logs "$name" 2>&1 | grep -q 'Address already in use' || return 1
		ct_podman rm -f "$name" >/dev/null 2>&1
		UI_PORT=$(free_port) POWER_PORT=$(free_port) HEALTH_PORT=$(free_port)
		export UI_PORT POWER_PORT HEALTH_PORT
	done
	return 1
}

ct_logs() {
	ct_podman logs "$1" 2>&1 | tail -n "${2:-40}" | sed 's/^/# /'
}

ct_cleanup() {
	local n
	for n in $CT_NAMES; do ct_podman rm -f -t 0 "$n" >/dev/null 2>&1; done
	CT_NAMES=""
}
