#!/bin/sh
# The local set never writes a secret value out (issue 14): a secret
# override reaches create only in the 0600 file OCTOPOD_CONFIG_FILE (or,
# with CONTROL_SCRIPT_SECRETS=argv, in argv) and OCTOPOD_SECRET_KEYS says
# which keys are secret; the page it serves without login, octopod.json
# and every file of its data directory show "***" instead.
. "$(dirname "$0")/lib/control.sh"
. "$(dirname "$0")/lib/local.sh"

N=sec-one
V1="$COMMON --name $N"
SECRET='hunter2-do-not-show'

cfg=$T_TMP/config
umask 077
printf '%s\n' "--app-env-override GREETING=hi" \
    "--app-env-override DB_PASSWORD=$SECRET" \
    "--deployment-override replicas=2" >"$cfg"
umask 022

# the file style: the secret is not in argv
t_ok "create with the secret in the config file" \
    env OCTOPOD_CONFIG_FILE="$cfg" OCTOPOD_SECRET_KEYS=app:DB_PASSWORD \
    "$T_LOCAL/create" $V1 --tag v1 --app-env-override GREETING=hi \
    --deployment-override replicas=2
page=$(fetch $N "")
t_like "$page" "*<td>DB_PASSWORD</td><td>***</td>*" "the page shows the secret key, masked"
t_like "$page" "*<td>GREETING</td><td>hi</td>*" "and the other overrides"
t_like "$page" "*<td>replicas</td><td>2</td>*" "deployment overrides from the file"
json=$(fetch $N octopod.json)
t_like "$json" '*"key": "DB_PASSWORD", "value": "\*\*\*"*' "octopod.json masks it"
t_is "$(grep -rl -- "$SECRET" "$OCTOPOD_LOCAL_DATA" | wc -l)" 0 "no file of the data directory holds the secret"

# Octopod's style: the secret in argv, still masked on the page
t_ok "update with the secret in argv" \
    env OCTOPOD_SECRET_KEYS=app:DB_PASSWORD \
    "$T_LOCAL/update" $V1 --tag v2 --app-env-override "DB_PASSWORD=$SECRET"
page=$(fetch $N "")
t_like "$page" "*<td>DB_PASSWORD</td><td>***</td>*" "argv style: masked on the page"
t_is "$(grep -rl -- "$SECRET" "$OCTOPOD_LOCAL_DATA" | wc -l)" 0 "argv style: no file holds the secret"

# config_check sees the keys of the file (v1 passes it --tag only)
printf '%s\n' "--app-env-override FORBIDDEN=1" >"$cfg"
t_rc 1 "config_check refuses FORBIDDEN from the config file" \
    env OCTOPOD_CONFIG_FILE="$cfg" "$T_LOCAL/config_check" $V1 --tag v1
t_like "$(cat "$T_OUT")" '*override key "FORBIDDEN" is refused*' "with its reason"

t_ok "cleanup" local_run cleanup $V1
t_done
