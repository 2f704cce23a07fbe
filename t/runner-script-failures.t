#!/bin/bash
# A script that exits 1, one that hangs past the timeout (its whole
# process group killed), a missing one and a non-executable one: each
# ends its action with a clear error and the deployment in Failure; the
# runner goes on.
. "$(dirname "$0")/lib/runner.sh"
pg_start
export CONTROL_SCRIPT_TIMEOUT=2 KILL_GRACE=1 CHECK_TIMEOUT=5

script create <<'S'
#!/bin/sh
echo $$ >>"$OUT/pids"
case "$8" in
fails) echo "about to fail"; exit 1 ;;
hangs)
	# a child that ignores SIGTERM, in the same group, and the script itself
	sh -c 'trap "" TERM; echo $$ >"$OUT/grandchild"; while :; do sleep 1; done' &
	echo $$ >"$OUT/hanger"
	trap "" TERM
	while :; do sleep 1; done ;;
esac
S
script update <<'S'
this file is not executable
S
chmod 644 "$T/scripts/update"
script check <<'S'
#!/bin/sh
exit 1
S

dep fails CreatePending >/dev/null
dep hangs CreatePending >/dev/null
dep nosuch Running >/dev/null
dep noexec Running >/dev/null
runner_start

a=$(queue fails create)
is "$(wait_for "SELECT state FROM actions WHERE id = $a" failed)" failed "exit 1: action failed"
is "$(q "SELECT exit_code || '|' || error FROM actions WHERE id = $a")" \
    '1|control script "create" exited with code 1' "exit code and error stored"
is "$(wait_for "SELECT status || '|' || failure_reason FROM deployments WHERE name = 'fails'" "Failure|script exit 1")" \
    "Failure|script exit 1" "deployment Failure, reason script exit 1"
is "$(q "SELECT from_status || '>' || to_status || '|' || reason FROM status_history WHERE deployment_name = 'fails'")" \
    "CreatePending>Failure|script exit 1" "history row of the failure"

start=$(date +%s)
a=$(queue hangs create)
is "$(wait_for "SELECT state FROM actions WHERE id = $a" timed_out 20)" timed_out "hanging script: timed_out"
took=$(( $(date +%s) - start ))
ok $([ "$took" -le 8 ]; echo $?) "killed within timeout + grace (took ${took}s)"
is "$(wait_for "SELECT status || '|' || failure_reason FROM deployments WHERE name = 'hangs'" "Failure|create script timeout")" \
    "Failure|create script timeout" "deployment Failure after a timeout"
sleep 0.5
left=0
for f in hanger grandchild; do
	p=$(cat "$OUT/$f" 2>/dev/null)
	[ -n "$p" ] || { left=1; echo "# no pid in $f"; continue; }
	# a zombie waiting for its new parent to reap it is dead
	st=$(ps -o stat= -p "$p" 2>/dev/null)
	case "$st" in ""|Z*) ;; *) left=1; echo "# $f $p still alive: $st" ;; esac
done
ok $left "no process of the script's group is left"
ok $(q "SELECT error FROM actions WHERE id = $a" | grep -q 'timed out'; echo $?) "error says timed out"
ok $(q "SELECT string_agg(data, '') FROM action_output WHERE action_id = $a" | grep -q 'timed out'; echo $?) "output has a note"

rm "$T/scripts/archive" 2>/dev/null
a=$(queue nosuch archive)
is "$(wait_for "SELECT state FROM actions WHERE id = $a" failed)" failed "missing script: action failed"
is "$(q "SELECT error FROM actions WHERE id = $a")" \
    'could not run control script "archive": No such file or directory' "clear error text"
is "$(q "SELECT stream || ':' || data FROM action_output WHERE action_id = $a")" \
    'stderr:octopod: could not run control script "archive": No such file or directory' "output line"
is "$(wait_for "SELECT status FROM deployments WHERE name = 'nosuch'" Failure)" Failure "deployment Failure"

a=$(queue noexec update)
is "$(wait_for "SELECT state FROM actions WHERE id = $a" failed)" failed "non-executable script: action failed"
is "$(q "SELECT error FROM actions WHERE id = $a")" \
    'could not run control script "update": Permission denied' "clear error text"

# the runner is still there and still works
script archive <<'S'
#!/bin/sh
exit 0
S
q "UPDATE deployments SET status = 'Running' WHERE name = 'nosuch'" >/dev/null
a=$(queue nosuch archive)
is "$(wait_for "SELECT state FROM actions WHERE id = $a" succeeded)" succeeded "runner goes on after failures"
ok $(kill -0 $LAST_PID; echo $?) "octopod-fcgi still running"
done_testing
