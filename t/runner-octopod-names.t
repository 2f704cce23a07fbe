#!/bin/bash
# Octopod's settings and names (issue 15): scripts named only by
# Octopod's settings (CREATION_COMMAND, CHECKING_COMMAND,
# NOTIFICATION_COMMAND ...) run; octopod-fcgi -n fails naming a missing
# create or check; restore runs a directory's "unarchive"; notifications
# get Octopod's status names in both styles (TagMismatch, not Failure,
# also as the old status when the deployment recovers).
. "$(dirname "$0")/lib/runner.sh"
pg_start
unset CONTROL_SCRIPTS_DIR
export CONTROL_SCRIPT_ARGS=v2

out=$("$OCTOPOD_FCGI" -n 2>&1 >/dev/null); rc=$?
is "$rc" 1 "-n with no script set: exit 1"
ok $(printf '%s' "$out" | grep -q 'no control script "create" is set.*CREATION_COMMAND'; echo $?) "names create and Octopod's setting"
ok $(printf '%s' "$out" | grep -q 'no control script "check" is set.*CHECKING_COMMAND'; echo $?) "names check and Octopod's setting"

mkdir -p "$T/octopod"
for s in create check archive archive_check unarchive notifications; do
	cat >"$T/octopod/$s" <<S
#!/bin/sh
echo "$s \$*" >>"\$OUT/calls"
case $s in
check) [ -e "\$OUT/sick" ] && exit 3 ;;
esac
exit 0
S
	chmod 755 "$T/octopod/$s"
done
export CREATION_COMMAND="$T/octopod/create" CHECKING_COMMAND="$T/octopod/check" \
    NOTIFICATION_COMMAND="$T/octopod/notifications"
"$OCTOPOD_FCGI" -n >/dev/null 2>&1
is "$?" 0 "-n with CREATION_COMMAND and CHECKING_COMMAND: exit 0"

dep web CreatePending v1 >/dev/null
req web CreatePending
a=$(queue web create)
runner_start
is "$(wait_for "SELECT state FROM actions WHERE id = $a" succeeded)" succeeded "CREATION_COMMAND ran create"
is "$(wait_for "SELECT status FROM deployments WHERE name = 'web'" Running)" Running "CHECKING_COMMAND ran check"
touch "$OUT/sick"
is "$(wait_for "SELECT status || '|' || failure_reason FROM deployments WHERE name = 'web'" "Failure|TagMismatch")" \
    "Failure|TagMismatch" "check exit 3: Failure (TagMismatch)"
rm -f "$OUT/sick"
is "$(wait_for "SELECT status FROM deployments WHERE name = 'web'" Running)" Running "and back"
for i in $(seq 1 50); do grep -q 'new-status Running$' <(grep -- '--old-status TagMismatch' "$OUT/calls" 2>/dev/null) && break; sleep 0.1; done
ok $(grep -q -- "^notifications --project-name proj --base-domain example.test --namespace ns --name web --old-status Running --new-status TagMismatch$" "$OUT/calls"; echo $?) \
    "v2 notifications: Running -> TagMismatch, no --tag"
ok $(grep -q -- "--old-status TagMismatch --new-status Running$" "$OUT/calls"; echo $?) "and TagMismatch -> Running"
is "$(grep -c -- '--new-status Failure\|--old-status Failure' "$OUT/calls")" 0 "never Failure"

# restore found as Octopod 2's unarchive in CONTROL_SCRIPTS_DIR
stop_runners
export CONTROL_SCRIPTS_DIR="$T/octopod"
unset CREATION_COMMAND
q "UPDATE deployments SET status = 'Archived' WHERE name = 'web'" >/dev/null
req web CreatePending
a=$(queue web restore)
runner_start unarchive
is "$(wait_for "SELECT state FROM actions WHERE id = $a" succeeded)" succeeded "restore ran CONTROL_SCRIPTS_DIR/unarchive"
ok $(grep -q "^unarchive --project-name proj .* --name web --application-config image.tag=v1$" "$OUT/calls"; echo $?) "with the v2 config"
done_testing
