#!/usr/bin/env bash
# make run: the whole stack in the foreground on an embedded default.
# Ctrl-C (or SIGTERM) stops everything; the next run keeps the data.
set -u
. "$(dirname "$0")/stack.sh"

PG_STARTED=
DATABASE_URL=${DATABASE_URL:-}
trap 'stack_log "stopping"; stack_stop; exit 0' INT TERM
trap 'stack_stop' EXIT
stack_up

cred=$(cat "$OCTOPOD_VAR/ui-credentials")
cat <<MSG

ready: https://localhost:$UI_PORT/
  UI login:     ${cred%%:*} / ${cred#*:}   (also in $OCTOPOD_VAR/ui-credentials)
  API for octo: https://localhost:$POWER_PORT/api/v1/ (client certificate)

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
# wait for any part to die, or for a signal
while :; do
	for p in $STACK_PIDS; do
		if ! kill -0 "$p" 2>/dev/null; then
			stack_log "a part stopped (pid $p): see $OCTOPOD_VAR/log/"
			exit 1
		fi
	done
	sleep 1 &
	wait $! 2>/dev/null
done
