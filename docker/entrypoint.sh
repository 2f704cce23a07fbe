#!/usr/bin/env bash
# docker/entrypoint.sh: the container image's entrypoint (installed as
# /usr/local/bin/octopod-entrypoint). It sets up and starts the stack with
# the functions of scripts/stack.sh, the same ones `make run` uses.
#
#	octopod-entrypoint [serve]	nginx + octopod-fcgi + octopod-notifier
#	octopod-entrypoint migrate	apply the migrations and exit
#	octopod-entrypoint octo ARGS…	the CLI (the clean-archive CronJob)
#	octopod-entrypoint CMD ARGS…	any other command, as is
#
# serve: renders the nginx config from nginx/octopod.conf.in (unprivileged
# ports, every temporary path under OCTOPOD_VAR), runs the migrations first
# when MIGRATE=1, starts the three programs, exits when one of them exits
# (the container restarts) and forwards SIGTERM to all of them.
#
# Files it reads (mounted Secrets; Helm chart helm/octopod):
#	$OCTOPOD_TLS_DIR/tls.crt, tls.key	the server certificate of both doors
#	$OCTOPOD_TLS_DIR/ca.crt		the CA whose client certificates the
#					power door accepts
#	$OCTOPOD_UI_DIR/htpasswd	the UI users, or
#	$OCTOPOD_UI_DIR/credentials	user:password lines (hashed here)
# Without them (a trial run of the image alone) it generates a CA, the
# certificates and a UI user under OCTOPOD_VAR, as `make run` does.
set -u
: "${TOP:=/usr/local/share/octopod}"
: "${O:=/usr/local}"
: "${OCTOPOD_VAR:=/var/lib/octopod}"
: "${LISTEN_ADDR:=0.0.0.0}"
: "${HEALTH_PORT:=8080}"
: "${OCTOPOD_TLS_DIR:=/etc/octopod/tls}"
: "${OCTOPOD_UI_DIR:=/etc/octopod/ui}"
: "${LOG_TO_FILES:=0}"
export TOP O OCTOPOD_VAR LISTEN_ADDR HEALTH_PORT
# shellcheck source=../scripts/stack.sh
. "$TOP/scripts/stack.sh"

# Container logs go to the container's stdout/stderr unless LOG_TO_FILES=1:
# each log file of scripts/stack.sh becomes a FIFO drained by a cat that
# inherited our stdout/stderr (a non-root process may not reopen
# /dev/stderr when it belongs to root). A FIFO opened read-write never
# blocks and never sees EOF, so one cat serves every writer in turn.
LOG_PIDS=""
entry_logs() {
	local f p
	[ "$LOG_TO_FILES" = 1 ] && return 0
	for f in octopod-fcgi octopod-notifier nginx nginx-error migrate nginx-access; do
		p="$OCTOPOD_VAR/log/$f.log"
		rm -f "$p"
		mkfifo -m 600 "$p" || stack_die "could not create the FIFO $p"
		if [ "$f" = nginx-access ]; then
			cat 0<>"$p" &
		else
			cat 0<>"$p" >&2 &
		fi
		LOG_PIDS="$LOG_PIDS $!"
	done
	: "${ACCESS_LOG:=$OCTOPOD_VAR/log/nginx-access.log}"
	export ACCESS_LOG
}

entry_logs_stop() {
	local p
	for p in $LOG_PIDS; do kill "$p" 2>/dev/null; done
	for p in $LOG_PIDS; do wait "$p" 2>/dev/null; done
	LOG_PIDS=""
}

# The server certificate and the client CA from the mounted Secret; a
# generated set (stack_tls) when nothing is mounted.
entry_tls() {
	local t="$OCTOPOD_VAR/tls" d="$OCTOPOD_TLS_DIR"
	if [ -r "$d/tls.crt" ] && [ -r "$d/tls.key" ] && [ -r "$d/ca.crt" ]; then
		(umask 077
		 cp "$d/tls.key" "$t/server-key.pem" &&
		 cp "$d/tls.crt" "$t/server.pem" &&
		 cp "$d/ca.crt" "$t/ca.pem") ||
		    stack_die "could not copy the certificates from $d"
		return 0
	fi
	stack_log "no certificates in $d: generating a CA and certificates (trial only)"
	stack_tls
}

# The UI users: a ready htpasswd, or user:password lines hashed with
# openssl (apr1, as stack_ui_user), or a generated user (stack_ui_user).
entry_ui_users() {
	local d="$OCTOPOD_UI_DIR" out="$OCTOPOD_VAR/nginx/htpasswd" user pw
	if [ -s "$d/htpasswd" ]; then
		cp "$d/htpasswd" "$out"
	elif [ -s "$d/credentials" ]; then
		: >"$out"
		while IFS=: read -r user pw; do
			[ -n "$user" ] || continue
			printf '%s:%s\n' "$user" \
			    "$(printf '%s' "$pw" | openssl passwd -apr1 -stdin)" >>"$out"
		done <"$d/credentials"
	else
		stack_log "no UI users in $d: generated one, see $OCTOPOD_VAR/ui-credentials"
		stack_ui_user
		return 0
	fi
	chmod 640 "$out"
}

# An extra server block for the kubelet's probes: plain HTTP on
# HEALTH_PORT, only /api/v1/ping (through FastCGI to PostgreSQL).
entry_health_conf() {
	mkdir -p "$OCTOPOD_VAR/nginx/conf.d"
	sed -e "s|@VAR@|$OCTOPOD_VAR|g" -e "s|@HEALTH_PORT@|$HEALTH_PORT|g" \
	    -e "s|@LISTEN@|$LISTEN_ADDR|g" \
	    "$TOP/nginx/health.conf.in" >"$OCTOPOD_VAR/nginx/conf.d/health.conf"
}

entry_stop() {
	trap - TERM INT
	stack_log "stopping"
	stack_stop
	entry_logs_stop
	exit 0
}

entry_serve() {
	local rc
	trap entry_logs_stop EXIT
	stack_dirs
	entry_logs
	entry_tls
	entry_ui_users
	stack_nginx_conf
	entry_health_conf
	[ -n "${DATABASE_URL:-}${DATABASE_URL_FILE:-}" ] ||
	    stack_die "DATABASE_URL (or DATABASE_URL_FILE) is not set"
	if [ "${MIGRATE:-0}" = 1 ]; then
		stack_migrate
	fi
	trap entry_stop TERM INT
	stack_fcgi_start
	stack_notifier_start
	stack_nginx_start
	stack_log "started: octopod-fcgi ${FCGI_PID}${NOTIFIER_PID:+, octopod-notifier $NOTIFIER_PID}, nginx $NGINX_PID"
	# the first of them to exit ends the container
	wait -n
	rc=$?
	trap - TERM INT
	stack_log "a process exited ($rc): stopping the others"
	stack_stop
	entry_logs_stop
	exit $(( rc == 0 ? 1 : rc ))
}

# octo refuses a key file with group access, and Secret volumes are
# group-readable (fsGroup): use a private copy.
entry_octo() {
	if [ -n "${TLS_KEY_PATH:-}" ] && [ -r "$TLS_KEY_PATH" ]; then
		local k
		k=$(mktemp "${TMPDIR:-/tmp}/octo-key.XXXXXX") || exit 1
		cat "$TLS_KEY_PATH" >"$k"
		chmod 600 "$k"
		TLS_KEY_PATH=$k
		export TLS_KEY_PATH
	fi
	exec "$O/bin/octo" "$@"
}

case "${1:-serve}" in
serve)	entry_serve ;;
migrate) MIGRATIONS_DIR="$TOP/sql" exec "$O/bin/octopod-fcgi" -m ;;
octo)	shift; entry_octo "$@" ;;
*)	exec "$@" ;;
esac
