#!/bin/sh
# Every script of the Helm set refuses what it does not understand with
# exit 64 and a message on stderr, before running helm or kubectl.
. "$(dirname "$0")/lib/control.sh"
. "$(dirname "$0")/lib/helm.sh"

LIFE="create update restore archive archive_check cleanup check config_check info"
A="$COMMON --name pr-1"
for s in $LIFE notifications; do
	t_rc 64 "$s: unknown option -> 64" helm_run $s $A --bogus x
	t_like "$(cat "$T_ERR")" "*unknown argument*--bogus*" "$s: says which argument"
	t_rc 64 "$s: stray word -> 64" helm_run $s $A stray
	t_rc 64 "$s: option without a value -> 64" helm_run $s $A --tag
	t_rc 64 "$s: no --name -> 64" helm_run $s $COMMON
	t_rc 64 "$s: bad name -> 64" helm_run $s $COMMON --name 'x;y'
	t_rc 64 "$s: no --namespace -> 64" helm_run $s --name pr-1
done
for s in $LIFE; do
	t_rc 64 "$s: --new-status is not for it" helm_run $s $A --new-status Running
	t_rc 64 "$s: override without = -> 64" helm_run $s $A --app-env-override NOEQUALS
	t_rc 64 "$s: config with an empty key -> 64" helm_run $s $A --application-config =x
done
# notifications takes the runner's --tag, and the expiry warning's event
t_rc 0 "notifications: --tag is accepted (the runner sends it)" helm_run notifications $A \
    --old-status a --new-status b --tag v1
t_rc 64 "notifications: --app-env-override is not for it" helm_run notifications $A \
    --old-status a --new-status b --app-env-override K=V
t_rc 64 "notifications: an unknown event" helm_run notifications $A --event nope
t_is "$(calls)" 0 "neither helm nor kubectl ran"

answer_file kubectl.get.deployments,statefulsets workloads-healthy.txt
for s in $LIFE; do
	helm_run $s $A --tag v1.10 --app-env-override K=V --deployment-override D=1 \
	    >/dev/null 2>&1
	t_isnt "$?" 64 "$s: v1 arguments understood"
	helm_run $s $A --application-config image.tag=v1.10 --application-config K=V \
	    --deployment-config D=1 >/dev/null 2>&1
	t_isnt "$?" 64 "$s: v2 arguments understood"
done
t_ok "notifications" helm_run notifications $A --old-status UpdatePending --new-status Running
t_is "$(cat "$T_OUT")" "pr-1: UpdatePending -> Running" "notifications logs the change"
t_ok "notifications: expiry warning" helm_run notifications $A --tag v1 \
    --event expiry-warning --expires-at 2026-11-25T12:00:00.000Z
t_is "$(cat "$T_OUT")" "pr-1: expires at 2026-11-25T12:00:00.000Z" "the warning is logged"
t_done
