#!/bin/bash
# SIGTERM: the runner stops claiming, stops its running scripts (their
# process groups), marks their actions interrupted, takes their
# deployments out of pending and exits within a few seconds; queued
# actions stay queued for the next runner.
. "$(dirname "$0")/lib/runner.sh"
pg_start
export ACTION_CONCURRENCY=1 KILL_GRACE=30

script create <<'S'
#!/bin/sh
echo $$ >>"$OUT/pids"
echo $$ >"$OUT/script-$8"
echo "started"
trap '' TERM
sleep 60
S

dep one CreatePending >/dev/null
dep two CreatePending >/dev/null
runner_start
a=$(queue one create)
is "$(wait_for "SELECT state FROM actions WHERE id = $a" running)" running "action running"
b=$(queue two create)
wait_for "SELECT count(*) FROM action_output WHERE action_id = $a" 1 >/dev/null
spid=$(cat "$OUT/script-one")
start=$(date +%s)
kill -TERM "$LAST_PID"
for _ in $(seq 1 150); do kill -0 "$LAST_PID" 2>/dev/null || break; sleep 0.1; done
took=$(( $(date +%s) - start ))
ok $(kill -0 "$LAST_PID" 2>/dev/null; [ $? != 0 ]; echo $?) "octopod-fcgi exited (${took}s)"
ok $([ "$took" -le 10 ]; echo $?) "within 10 s though the script ignores SIGTERM"
ok $(kill -0 "$spid" 2>/dev/null; [ $? != 0 ]; echo $?) "the script's group was killed"
is "$(q "SELECT state FROM actions WHERE id = $a")" interrupted "its action is interrupted"
ok $(q "SELECT error FROM actions WHERE id = $a" | grep -q 'shutting down'; echo $?) "with an error text"
is "$(q "SELECT status || '|' || failure_reason FROM deployments WHERE name = 'one'")" "Failure|interrupted" "deployment out of pending"
is "$(q "SELECT state FROM actions WHERE id = $b")" queued "the queued action stays queued"
ok $([ ! -f "$OUT/script-two" ]; echo $?) "and was not started"
done_testing
