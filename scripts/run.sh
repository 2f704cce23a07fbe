#!/usr/bin/env bash
# make run: the whole stack in the foreground on an embedded default.
# Ctrl-C (or SIGTERM) stops everything, the local deployments' nginx
# included, and exits 0; the next run keeps the data and starts again the
# local deployments that were running, before octopod's first status
# check sees them. Every CLEAN_ARCHIVE_INTERVAL seconds (3600; 0: never)
# it runs `octo clean-archive`, as the chart's CronJob does.
set -u
. "$(dirname "$0")/stack.sh"

PG_STARTED=
DATABASE_URL=${DATABASE_URL:-}
CLEAN_ARCHIVE_INTERVAL=${CLEAN_ARCHIVE_INTERVAL:-3600}
case $CLEAN_ARCHIVE_INTERVAL in
'' | *[!0-9]*) stack_die "CLEAN_ARCHIVE_INTERVAL must be seconds, not \"$CLEAN_ARCHIVE_INTERVAL\"" ;;
esac
# each part in a session of its own: the terminal's Ctrl-C (SIGINT to the
# foreground process group) reaches this script only, which stops the
# parts in order, instead of killing them behind its back
STACK_DETACH=1
CLEAN_PID=

# The local deployments (control/local, the default set): each an nginx
# that daemonizes (its own session) with its pid in DIR/nginx.pid and its
# config in DIR/nginx.conf, DIR = $LOCAL_DATA/NAME (control/local/lib.sh).
# They are this machine's "cluster": stopped with the stack, started
# again with it. LOCAL_RUNNING lists the ones this script stopped.
: "${CONTROL_SCRIPTS_DIR:=$TOP/control/local}"
LOCAL_DATA=${OCTOPOD_LOCAL_DATA:-$OCTOPOD_VAR/deployments}
LOCAL_RUNNING=$OCTOPOD_VAR/run/local-deployments
local_set() { [ "$CONTROL_SCRIPTS_DIR" -ef "$TOP/control/local" ]; }

# group_alive PGID: a live (not zombie) process in process group PGID.
group_alive() {
	local st line rest
	for st in /proc/[0-9]*/stat; do
		{ read -r line <"$st"; } 2>/dev/null || continue
		rest=${line##*) }
		set -- $rest
		[ "$1" != Z ] && [ "$3" = "$PGID" ] && return 0
	done
	return 1
}

# local_pgid DIR: PGID of the deployment's live nginx, else return 1.
local_pgid() {
	PGID=
	[ -s "$1/nginx.pid" ] && read -r PGID <"$1/nginx.pid" 2>/dev/null
	case $PGID in '' | *[!0-9]*) return 1 ;; esac
	group_alive
}

# Stop every local deployment's nginx (TERM, KILL after 5 s), noting
# which were running.
local_stop() {
	local d i list=
	local_set || return 0
	for d in "$LOCAL_DATA"/*/; do
		d=${d%/}
		local_pgid "$d" || continue
		list="$list $PGID"
		printf '%s\n' "${d##*/}" >>"$LOCAL_RUNNING.new"
		kill -TERM -- "-$PGID" 2>/dev/null
	done
	[ -f "$LOCAL_RUNNING.new" ] && mv "$LOCAL_RUNNING.new" "$LOCAL_RUNNING"
	for PGID in $list; do
		for i in $(seq 100); do
			group_alive || break
			[ "$i" = 50 ] && kill -KILL -- "-$PGID" 2>/dev/null
			sleep 0.1
		done
	done
	[ -n "$list" ] && stack_log "stopped the local deployments:" \
	    $(tr '\n' ' ' <"$LOCAL_RUNNING")
	return 0
}

# Start again, with their data and on their port, the local deployments
# this script stopped, and any whose nginx.pid outlived its nginx (the
# machine went down under it). One that cannot start is left to the
# status check, which then shows it as failed.
local_start() {
	local d n started=
	local_set || return 0
	{
		[ -f "$LOCAL_RUNNING" ] && cat "$LOCAL_RUNNING"
		for d in "$LOCAL_DATA"/*/nginx.pid; do
			[ -f "$d" ] && d=${d%/nginx.pid} && printf '%s\n' "${d##*/}"
		done
	} | sort -u >"$LOCAL_RUNNING.todo"
	while read -r n; do
		d=$LOCAL_DATA/$n
		[ -f "$d/nginx.conf" ] || continue
		local_pgid "$d" && continue
		rm -f "$d/nginx.pid"
		if "$(command -v nginx || echo /usr/sbin/nginx)" -p "$d/" \
		    -c "$d/nginx.conf" -e "$d/logs/error.log" \
		    >>"$OCTOPOD_VAR/log/local-deployments.log" 2>&1; then
			started="$started $n"
		else
			stack_log "could not start the local deployment $n again" \
			    "(see $OCTOPOD_VAR/log/local-deployments.log)"
		fi
	done <"$LOCAL_RUNNING.todo"
	rm -f "$LOCAL_RUNNING" "$LOCAL_RUNNING.todo"
	[ -n "$started" ] && stack_log "started the local deployments again:$started"
	return 0
}

# `octo clean-archive` in the background, unless the last one still runs
# (the CronJob's concurrencyPolicy: Forbid); output in log/clean-archive.log.
clean_archive() {
	[ -n "$CLEAN_PID" ] && kill -0 "$CLEAN_PID" 2>/dev/null && return 0
	{
		date -u +%Y-%m-%dT%H:%M:%SZ
		"$O/bin/octo" --url "https://localhost:$POWER_PORT" \
		    --cacert "$OCTOPOD_VAR/tls/ca.pem" --cert "$OCTOPOD_VAR/tls/octo.pem" \
		    --key "$OCTOPOD_VAR/tls/octo-key.pem" clean-archive 2>&1
	} >>"$OCTOPOD_VAR/log/clean-archive.log" 2>&1 </dev/null &
	CLEAN_PID=$!
}

# Stop everything, once; a second Ctrl-C (or a signal to the group,
# which pg_ctl would die of) does not cut the stop short.
STOPPED=
stop_all() {
	trap '' INT TERM
	[ -n "$STOPPED" ] && return 0
	STOPPED=1
	[ -n "$CLEAN_PID" ] && kill -TERM "$CLEAN_PID" 2>/dev/null
	stack_stop
	local_stop
}
trap 'stack_log "stopping"; stop_all; exit 0' INT TERM
trap 'stop_all' EXIT
stack_dirs
local_start
stack_up

cred=$(cat "$OCTOPOD_VAR/ui-credentials")
if [ "${UI_AUTH:-basic}" = oidc ]; then
	login="UI sign-in:   with your account at ${OIDC_ISSUER:-} (UI_AUTH=oidc; roles from OIDC_ROLE_MAP)"
	users=""
else
	login="UI login:     ${cred%%:*} / ${cred#*:}   (an admin; also in $OCTOPOD_VAR/ui-credentials)"
	users="  more users:   OCTOPOD_VAR=$OCTOPOD_VAR $TOP/scripts/ui-user.sh add NAME viewer|deployer|admin
"
fi
cat <<MSG

ready: https://localhost:$UI_PORT/
  $login
${users}  API for octo: https://localhost:$POWER_PORT/api/v1/ (client certificate)

Try it with octo (paste into another shell):
  export OCTOPOD_URL=https://localhost:$POWER_PORT TLS_CA_PATH=$OCTOPOD_VAR/tls/ca.pem \\
    TLS_CERT_PATH=$OCTOPOD_VAR/tls/octo.pem TLS_KEY_PATH=$OCTOPOD_VAR/tls/octo-key.pem
  $O/bin/octo create -n hello -t v1 -e GREETING=hi
  $O/bin/octo wait -n hello && $O/bin/octo info -n hello

or with curl:
  curl --cacert $OCTOPOD_VAR/tls/ca.pem --cert $OCTOPOD_VAR/tls/octo.pem \\
    --key $OCTOPOD_VAR/tls/octo-key.pem \\
    -H 'Content-Type: application/json' -d '{"name":"hello","tag":"v1"}' \\
    https://localhost:$POWER_PORT/api/v1/deployments

Logs in $OCTOPOD_VAR/log/. Ctrl-C stops everything.
MSG
# wait for any part to die, or for a signal; the archive cleanup at the
# start and every CLEAN_ARCHIVE_INTERVAL seconds
next_clean=$SECONDS
while :; do
	for p in $STACK_PIDS; do
		if ! kill -0 "$p" 2>/dev/null; then
			stack_log "a part stopped (pid $p): see $OCTOPOD_VAR/log/"
			exit 1
		fi
	done
	if [ "$CLEAN_ARCHIVE_INTERVAL" -gt 0 ] && [ "$SECONDS" -ge "$next_clean" ]; then
		clean_archive
		next_clean=$((SECONDS + CLEAN_ARCHIVE_INTERVAL))
	fi
	sleep 1 &
	wait $! 2>/dev/null
done
