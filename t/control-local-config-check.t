#!/bin/sh
# The local set's config_check demo rule: the tag "bad" and an override
# key FORBIDDEN (either scope, either style) are refused with a message
# on stdout; anything else passes silently.
. "$(dirname "$0")/lib/control.sh"
. "$(dirname "$0")/lib/local.sh"

A="$COMMON --name cc-one"
t_rc 0 "a good tag passes (v1)" local_run config_check $A --tag v1 --app-env-override K=V
t_is "$(cat "$T_OUT")" "" "and says nothing"
t_rc 0 "a good tag passes (v2)" local_run config_check $A --application-config image.tag=v1

t_rc 1 "tag bad is refused (v1)" local_run config_check $A --tag bad
t_like "$(cat "$T_OUT")" '*tag "bad" is refused*' "the message is on stdout"
t_rc 1 "tag bad is refused (v2)" local_run config_check $A --application-config image.tag=bad
t_rc 0 "a tag merely containing bad passes" local_run config_check $A --tag badger

t_rc 1 "app key FORBIDDEN is refused (v1)" local_run config_check $A --tag v1 \
    --app-env-override FORBIDDEN=1
t_like "$(cat "$T_OUT")" '*key "FORBIDDEN" is refused*' "the message names the key"
t_rc 1 "deployment key FORBIDDEN is refused (v1)" local_run config_check $A --tag v1 \
    --deployment-override FORBIDDEN=
t_rc 1 "app key FORBIDDEN is refused (v2)" local_run config_check $A \
    --application-config image.tag=v1 --application-config FORBIDDEN=x
t_rc 1 "deployment key FORBIDDEN is refused (v2)" local_run config_check $A \
    --application-config image.tag=v1 --deployment-config FORBIDDEN=x
t_rc 0 "FORBIDDEN as a value passes" local_run config_check $A --tag v1 \
    --app-env-override K=FORBIDDEN
t_rc 1 "both at once: refused" local_run config_check $A --tag bad --app-env-override FORBIDDEN=1
t_is "$(wc -l < "$T_OUT" | tr -d ' ')" 2 "both reasons are given"
t_ok "config_check starts nothing" test ! -e "$OCTOPOD_LOCAL_DATA/cc-one"
t_done
