#!/usr/bin/env bash
# The image, built and run as docs/deployment.md tells an operator to:
# `make image` (podman), the chart's `octopod-fcgi -m` init step, then
# `serve` as the chart's pod runs it (uid 10001, no capabilities, a
# read-only root with writable /var/lib/octopod and /tmp, the Secrets and
# the control scripts mounted read-only) against a PostgreSQL over TCP
# (scram-sha-256, TLS verify-full). Both doors answer; a create through
# the power door with control/local reaches Running (its check needs curl
# in the image) and a websocket client on the ui door sees it; SIGTERM
# stops the container with exit 0 within 10 s; a second container on the
# same database carries on with the deployment.
. "$(dirname "$0")/lib/stack.sh"
. "$(dirname "$0")/lib/ws.sh"
. "$(dirname "$0")/lib/container.sh"

case $O in
*/san)	echo "1..0 # SKIP the image has its own build: nothing of $O runs here"
	exit 0 ;;
esac
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP podman runs rootful here: run as root (docs/deployment.md)"
	exit 0
fi

t_cleanup_hook() {
	ws_cleanup
	ct_cleanup
	pgtcp_stop
}
t_before_done() { :; }

# 1. the image
t0=$(ct_now)
if ! make -C "$T_ROOT" image IMAGE="$CT_IMAGE_NAME" >"$T_TMP/image.log" 2>&1; then
	echo "Bail out! make image failed: $(tail -5 "$T_TMP/image.log")"
	exit 1
fi
t_diag "make image: $(ct_secs "$t0") s"
# the image this build made, even if another checkout retags it meanwhile
CT_IMAGE=$(cat "$T_ROOT/build/image.id")
size=$(ct_podman image inspect -f '{{.Size}}' "$CT_IMAGE")
base=$(ct_podman image inspect -f '{{.Size}}' docker.io/library/debian:12)
above=$(( (size - base) / 1000000 ))
t_diag "image $CT_IMAGE_NAME: $((size / 1000000)) MB, $above MB above debian:12"
t_ok "the image is at most 60 MB above its base ($above MB)" test "$above" -le 60
t_is "$(ct_podman image inspect -f '{{.Config.User}}' "$CT_IMAGE")" 10001:10001 \
    "the image's user is 10001"
# control/local's check probes the deployment's page with curl
t_ok "the image has curl (control/local's check)" \
    ct_podman run --rm --network host --entrypoint sh "$CT_IMAGE" -c 'command -v curl'

# 2. the database, the certificates and the Secrets
pgtcp_start
t_rc 2 "the database refuses TCP without TLS" "$PGBIN/psql" -X -tAc 'SELECT 1' \
    -d "host=127.0.0.1 port=$PGTCP_PORT user=octopod password=$PGTCP_PASSWORD dbname=octopod sslmode=disable"
t_rc 2 "the database refuses a wrong password" "$PGBIN/psql" -X -tAc 'SELECT 1' \
    -d "host=127.0.0.1 port=$PGTCP_PORT user=octopod password=wrong dbname=octopod sslmode=require"
stack_dirs
stack_tls
stack_ui_user
UI_CRED=$(cat "$OCTOPOD_VAR/ui-credentials")
ct_secrets

# 3. migrations: the chart's init container (its command, the same volumes)
CT_NAMES="$CT_NAMES ct-migrate-$$"
t_ok "the chart's migrate step (octopod-fcgi -m) over TCP+TLS+scram" \
    ct_podman run --name ct-migrate-$$ --network host --user 10001:10001 --cap-drop all \
    --read-only --read-only-tmpfs=false --tmpfs /tmp:rw,mode=1777 \
    -v "$CT_SECRETS/db:/etc/octopod/db:ro" -e DATABASE_URL_FILE=/etc/octopod/db/url \
    --entrypoint octopod-fcgi "$CT_IMAGE" -m
t_is "$(sql 'SELECT count(*) > 0 FROM schema_migrations')" t "the migrations are recorded"

# 4. serve, the Secret file way (DATABASE_URL_FILE)
if ! ct_serve ct-one-$$ -e DATABASE_URL_FILE=/etc/octopod/db/url; then
	echo "Bail out! the container did not get ready"
	ct_logs ct-one-$$
	exit 1
fi
t_diag "container one: start to ready $CT_READY_S s"
t_result 0 "it answers on the probe door within 30 s (${CT_READY_S} s)"
t_is "$(ct_podman exec ct-one-$$ id -u)" 10001 "it runs as uid 10001"
t_is "$(ct_podman exec ct-one-$$ sh -c 'cat /proc/[0-9]*/status 2>/dev/null' |
    awk '$1 == "Uid:" { print $2 }' | sort -u | tr '\n' ' ')" "10001 " \
    "every process of it runs as uid 10001"
t_rc 1 "its root filesystem is read-only" ct_podman exec ct-one-$$ touch /usr/local/x

# both doors
ui GET ping
t_is "$S" 200 "ui door: ping with the login"
S=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$OCTOPOD_VAR/tls/ca.pem" \
    "https://localhost:$UI_PORT/api/v1/ping")
t_is "$S" 401 "ui door: no login, 401"
power GET project
t_is "$S" 200 "power door: project with the client certificate"
t_is "$(j .door)" power "the power door says power"
S=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$OCTOPOD_VAR/tls/ca.pem" \
    "https://localhost:$POWER_PORT/api/v1/project")
t_is "$S" 401 "power door: no certificate, 401"

# a create through the power door, seen live on the ui door
t_ok "a websocket client subscribes on the ui door" ws_watch live --sub '{"subscribe":"list"}'
power POST deployments '{"name":"ct-web","tag":"v1"}'
t_is "$S" 202 "create ct-web through the power door"
st=$(wait_sql "SELECT status FROM deployments WHERE name = 'ct-web'" Running 30)
t_is "$st" Running "ct-web goes Running (control/local in the container)"
if [ "$st" != Running ]; then
	t_diag "$(sql "SELECT o.data FROM action_output o JOIN actions a ON a.id = o.action_id
	    JOIN deployments d ON d.id = a.deployment_id WHERE d.name = 'ct-web' ORDER BY o.seq" | tail -5)"
	ct_logs ct-one-$$ 20
fi
t_is "$(sql "SELECT count(*) > 0, bool_and(s.ssl) FROM pg_stat_activity a
    JOIN pg_stat_ssl s USING (pid) WHERE a.usename = 'octopod'")" "t|t" \
    "the container's database sessions are all on TLS"
t_ok "the websocket client saw ct-web Running" \
    ws_wait live 'select(.event.type == "deployment" and .event.name == "ct-web" and .event.status == "Running")' 10
if [ -z "$(ws_msgs live 'select(.event.name == "ct-web")')" ]; then
	t_diag "the websocket client got: $(tail -3 "$T_TMP/live.log" "$T_TMP/live.err" 2>/dev/null)"
	t_diag "the notifier said: $(ct_podman logs ct-one-$$ 2>&1 | grep octopod-notifier | tail -3)"
fi

# SIGTERM, with the websocket client connected and ct-web's nginx running
t0=$(ct_now)
ct_podman stop -t 15 ct-one-$$ >/dev/null
stop_s=$(ct_secs "$t0")
t_ok "the websocket client's connection was closed" ws_wait live 'select(.closed != null)' 5
ws_stop live
t_diag "container one: stop (SIGTERM to exit) $stop_s s"
t_is "$(ct_podman inspect -f '{{.State.ExitCode}}' ct-one-$$)" 0 "SIGTERM: it exits 0"
t_ok "SIGTERM: it stops within 10 s ($stop_s s)" awk -v s="$stop_s" 'BEGIN { exit !(s < 10) }'
t_like "$(ct_podman logs ct-one-$$ 2>&1)" "*octopod: stopping*" "it logged that it stops"

# 5. a second container on the same database (DATABASE_URL in its
# environment), a fresh /var/lib/octopod as a new pod has
if ! ct_serve ct-two-$$ -e DATABASE_URL="$PGTCP_URL"; then
	echo "Bail out! the second container did not get ready"
	ct_logs ct-two-$$
	exit 1
fi
t_diag "container two: start to ready $CT_READY_S s"
ui GET deployments/ct-web
t_is "$S" 200 "the second container knows ct-web"
t_is "$(j .tag)/$(j .created_by)" "v1/octo" "with its tag and who created it"
power PATCH deployments/ct-web '{"tag":"v2"}'
t_is "$S" 202 "update ct-web through the second container"
t_is "$(wait_sql "SELECT tag || ' ' || status FROM deployments WHERE name = 'ct-web'" 'v2 Running' 30)" \
    "v2 Running" "its runner takes ct-web to v2 and Running"
t_is "$(sql "SELECT string_agg(a.kind || ':' || a.state, ' ' ORDER BY a.id) FROM actions a
    JOIN deployments d ON d.id = a.deployment_id WHERE d.name = 'ct-web'")" \
    "create:succeeded update:succeeded" "both actions are in the history"
t0=$(ct_now)
ct_podman stop -t 15 ct-two-$$ >/dev/null
stop_s=$(ct_secs "$t0")
t_diag "container two: stop $stop_s s"
t_is "$(ct_podman inspect -f '{{.State.ExitCode}}' ct-two-$$)" 0 "the second container exits 0 on SIGTERM too"

t_done
