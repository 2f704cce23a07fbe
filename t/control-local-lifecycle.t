#!/bin/sh
# The local set's whole life of a deployment with v1 arguments: create
# serves the page, check follows it (0, 3 on another tag, 1 when the
# process is gone), archive keeps the data, restore brings the same page
# back on the same port, cleanup removes everything.
. "$(dirname "$0")/lib/control.sh"
. "$(dirname "$0")/lib/local.sh"

N=life-one
V1="$COMMON --name $N"

t_ok "create starts the deployment" \
    local_run create $V1 --tag v1.0 --app-env-override GREETING=hi --deployment-override replicas=2
t_like "$(cat "$T_OUT")" "*http://127.0.0.1:*" "create says where it serves"
port=$(port_of $N)
t_like "$port" "[0-9]*" "the port is remembered in the data dir"

t_ok "info answers" local_run info $V1
t_is "$(head -n 1 "$T_OUT")" "app,http://127.0.0.1:$port/" "info prints the app link first"

page=$(fetch $N "")
t_like "$page" "*<h1 id=\"name\">$N</h1>*" "the page shows the name"
t_like "$page" "*<code id=\"tag\">v1.0</code>*" "the page shows the tag"
t_like "$page" "*<td>GREETING</td><td>hi</td>*" "the page shows the app override"
t_like "$page" "*<td>replicas</td><td>2</td>*" "the page shows the deployment override"
json=$(fetch $N octopod.json)
t_like "$json" "*\"name\": \"$N\",*\"tag\": \"v1.0\",*" "octopod.json carries name and tag"

t_rc 0 "check: healthy" local_run check $V1 --tag v1.0

www=$OCTOPOD_LOCAL_DATA/$N/www
cp "$www/octopod.json" "$T_TMP/saved.json"
sed 's/"tag": "v1.0"/"tag": "v0.9"/' "$T_TMP/saved.json" > "$www/octopod.json"
t_rc 3 "check: the page reports another tag -> 3" local_run check $V1 --tag v1.0
t_like "$(cat "$T_OUT")" "*mismatch*v0.9*" "check says which tag it saw"
cp "$T_TMP/saved.json" "$www/octopod.json"
t_rc 0 "check: healthy again" local_run check $V1 --tag v1.0

t_rc 1 "archive_check: not archived while it runs" local_run archive_check $V1

t_ok "the process group dies" kill_deployment $N
t_rc 1 "check: process killed -> 1" local_run check $V1 --tag v1.0

t_ok "archive succeeds after the crash" local_run archive $V1
t_ok "archive keeps the data" test -f "$www/octopod.json"
t_rc 0 "archive_check: archived" local_run archive_check $V1

t_ok "restore" local_run restore $V1 --tag v1.0 --app-env-override GREETING=hi --deployment-override replicas=2
t_is "$(port_of $N)" "$port" "restore reuses the port"
t_is "$(fetch $N octopod.json)" "$(cat "$T_TMP/saved.json")" "restore serves the same page"
t_rc 0 "check after restore" local_run check $V1 --tag v1.0
t_rc 1 "archive_check: running again" local_run archive_check $V1

g=$(cat "$OCTOPOD_LOCAL_DATA/$N/nginx.pid")
t_ok "archive" local_run archive $V1
t_ok "archive removed the pid file" test ! -e "$OCTOPOD_LOCAL_DATA/$N/nginx.pid"
t_ok "archive stopped every process" group_gone "$g"
t_rc 1 "check on an archived deployment -> 1" local_run check $V1 --tag v1.0
t_rc 0 "archive_check" local_run archive_check $V1

t_ok "cleanup" local_run cleanup $V1
t_ok "cleanup removed the data" test ! -e "$OCTOPOD_LOCAL_DATA/$N"
t_ok "cleanup of a removed deployment is fine" local_run cleanup $V1

t_done
