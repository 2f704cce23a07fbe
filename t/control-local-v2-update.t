#!/bin/sh
# The local set with v2 arguments (the tag as image.tag in
# --application-config): create, check, update to a new tag and config
# (nginx reloaded, not restarted), check against the old tag -> 3.
. "$(dirname "$0")/lib/control.sh"
. "$(dirname "$0")/lib/local.sh"

N=v2-one
V2="$COMMON --name $N"

t_ok "create (v2)" local_run create $V2 --application-config image.tag=2.0 \
    --application-config LOG_LEVEL=info --deployment-config replicas=1
json=$(fetch $N octopod.json)
t_like "$json" "*\"tag\": \"2.0\",*" "image.tag became the tag"
t_like "$json" "*\"app_overrides\": \[{\"key\": \"LOG_LEVEL\", \"value\": \"info\"}\],*" \
    "image.tag is not listed as an override"
t_like "$json" "*\"deployment_overrides\": \[{\"key\": \"replicas\", \"value\": \"1\"}\],*" \
    "deployment config on the page"
t_rc 0 "check (v2)" local_run check $V2 --application-config image.tag=2.0 \
    --application-config LOG_LEVEL=info --deployment-config replicas=1
t_rc 3 "check (v2) with another image.tag -> 3" local_run check $V2 \
    --application-config image.tag=2.1 --deployment-config replicas=1

g=$(cat "$OCTOPOD_LOCAL_DATA/$N/nginx.pid")
port=$(port_of $N)
t_ok "update (v2)" local_run update $V2 --application-config image.tag=2.1 \
    --application-config LOG_LEVEL=debug --deployment-config replicas=3
json=$(fetch $N octopod.json)
t_like "$json" "*\"tag\": \"2.1\",*" "update: new tag served"
t_like "$json" "*\"value\": \"debug\"*\"value\": \"3\"*" "update: new config served"
t_is "$(cat "$OCTOPOD_LOCAL_DATA/$N/nginx.pid")" "$g" "update reloads the same nginx"
t_is "$(port_of $N)" "$port" "update keeps the port"
t_rc 0 "check the new tag" local_run check $V2 --application-config image.tag=2.1
t_rc 3 "check the old tag -> 3" local_run check $V2 --application-config image.tag=2.0

t_ok "update (v1 style) works on the same deployment" \
    local_run update $V2 --tag 2.2 --app-env-override LOG_LEVEL=warn
t_rc 0 "check (v1) the v1 update" local_run check $V2 --tag 2.2

t_ok "the process group dies" kill_deployment $N
t_rc 1 "check after the process died -> 1" local_run check $V2 --tag 2.2
t_ok "update starts a dead deployment again" local_run update $V2 --tag 2.3
t_rc 0 "check after that update" local_run check $V2 --tag 2.3

t_ok "archive (v2)" local_run archive $V2 --application-config image.tag=2.3
t_rc 0 "archive_check (v2)" local_run archive_check $V2 --application-config image.tag=2.3
t_ok "restore (v2)" local_run restore $V2 --application-config image.tag=2.3
t_rc 0 "check after restore (v2)" local_run check $V2 --application-config image.tag=2.3
t_ok "cleanup (v2)" local_run cleanup $V2 --application-config image.tag=2.3 --deployment-config replicas=3
t_ok "cleanup removed the data" test ! -e "$OCTOPOD_LOCAL_DATA/$N"
t_done
