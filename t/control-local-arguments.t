#!/bin/sh
# Every script of the local set refuses what it does not understand with
# exit 64 and a message on stderr, and takes both argument styles.
. "$(dirname "$0")/lib/control.sh"
. "$(dirname "$0")/lib/local.sh"

LIFE="create update restore archive archive_check cleanup check config_check info"
KEYS="app_keys deployment_keys app_overrides deployment_overrides"
A="$COMMON --name args-one"

for s in $LIFE notifications $KEYS; do
	t_rc 64 "$s: unknown option -> 64" local_run $s $A --bogus x
	t_like "$(cat "$T_ERR")" "*unknown argument*--bogus*" "$s: says which argument"
	t_rc 64 "$s: stray word -> 64" local_run $s $A stray
	t_rc 64 "$s: option without its value -> 64" local_run $s $A --namespace
done

for s in $LIFE notifications; do
	t_rc 64 "$s: no --name -> 64" local_run $s $COMMON
	t_rc 64 "$s: bad name -> 64" local_run $s $COMMON --name ../etc
	t_like "$(cat "$T_ERR")" "*invalid deployment name*" "$s: says the name is bad"
done

for s in $LIFE; do
	t_rc 64 "$s: --old-status is not for it" local_run $s $A --old-status Running
	t_rc 64 "$s: override without = -> 64" local_run $s $A --app-env-override NOEQUALS
	t_rc 64 "$s: config with an empty key -> 64" local_run $s $A --deployment-config =v
done
# notifications takes --tag (the runner sends the current tag, as the seed did)
t_rc 0 "notifications: --tag is accepted" local_run notifications $A \
    --old-status a --new-status b --tag v1
for o in --tag --app-env-override --application-config; do
	[ "$o" != --tag ] &&
	t_rc 64 "notifications: $o is not for it" local_run notifications $A \
	    --old-status a --new-status b $o K=V
	t_rc 64 "app_keys: $o is not for it" local_run app_keys $A $o K=V
done
t_rc 64 "notifications: --new-status is required" local_run notifications $A --old-status Running

# both styles are understood by every script (whatever the script then
# decides, it is not a usage error)
for s in $LIFE; do
	local_run $s $A --tag t1 --app-env-override K=V --deployment-override D=1 \
	    >/dev/null 2>&1
	rc=$?
	t_isnt "$rc" 64 "$s: v1 arguments understood (exit $rc)"
	local_run $s $A --application-config image.tag=t1 \
	    --application-config K=V --deployment-config D=1 >/dev/null 2>&1
	rc=$?
	t_isnt "$rc" 64 "$s: v2 arguments understood (exit $rc)"
done
for s in $KEYS; do
	t_ok "$s: v1 deployment overrides understood" local_run $s $A --deployment-override D=1
	t_ok "$s: v2 deployment config understood" local_run $s $A --deployment-config D=1
	t_ok "$s: --name is optional" local_run $s $COMMON
done
t_ok "notifications: its arguments understood" local_run notifications $A \
    --old-status CreatePending --new-status Running
local_run cleanup $A >/dev/null 2>&1
t_done
