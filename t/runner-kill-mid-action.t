#!/bin/bash
# kill -9 of a runner (and its master) in the middle of an action: another
# runner finds the action by its stale heartbeat, marks it interrupted
# (output kept), takes the deployment out of pending (Failure,
# interrupted), never runs it again; two new octopod-fcgi masters on the
# same database finish the queue and no action runs twice.
. "$(dirname "$0")/lib/runner.sh"
pg_start
export ACTION_CONCURRENCY=1

script create <<'S'
#!/bin/sh
echo $$ >>"$OUT/pids"
echo "$8" >>"$OUT/runs"
echo "started $8"
[ "$8" = slow ] && sleep 60
sleep 0.2
S
script check <<'S'
#!/bin/sh
exit 1
S

dep slow CreatePending >/dev/null
for i in $(seq 1 12); do dep "d$i" CreatePending >/dev/null; done
runner_start first
FIRST=$LAST_PID
a=$(queue slow create)
is "$(wait_for "SELECT state FROM actions WHERE id = $a" running)" running "slow action running"
wait_for "SELECT count(*) FROM action_output WHERE action_id = $a" 1 >/dev/null
for i in $(seq 1 12); do queue "d$i" create >/dev/null; done
sleep 0.3
is "$(q "SELECT count(*) FROM actions WHERE state = 'queued'")" 12 "the rest waits (ACTION_CONCURRENCY=1)"

rpid=$(q "SELECT split_part(runner, ':', 2) FROM actions WHERE id = $a")
ok $([ -n "$rpid" ] && kill -0 "$rpid"; echo $?) "runner pid $rpid from actions.runner"
kill -KILL "$rpid" "$FIRST" 2>/dev/null
wait "$FIRST" 2>/dev/null
# a killed orphan may linger as a zombie until init reaps it; a thread
# in uninterruptible I/O holds its exit back (once more than 5 s, on a
# busy container's disk)
gone() { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
for i in $(seq 1 600); do gone "$rpid" && break; sleep 0.1; done
gone "$rpid" || echo "# pid $rpid after $((i / 10)) s: $(cat "/proc/$rpid/stat" 2>&1)" \
    "wchan $(cat "/proc/$rpid/wchan" 2>&1)" >&2
ok $(gone "$rpid"; echo $?) "runner killed"

export ACTION_CONCURRENCY=3
runner_start second
runner_start third
is "$(wait_for "SELECT state FROM actions WHERE id = $a" interrupted 15)" interrupted "the killed runner's action is interrupted"
ok $(q "SELECT error FROM actions WHERE id = $a" | grep -q 'stopped sending heartbeats'; echo $?) "with an error text"
is "$(q "SELECT string_agg(data, '' ORDER BY seq) LIKE 'started slow%the runner of this action stopped%' FROM action_output WHERE action_id = $a")" t "its output kept, a note added"
is "$(wait_for "SELECT status || '|' || failure_reason FROM deployments WHERE name = 'slow'" "Failure|interrupted")" "Failure|interrupted" "deployment out of pending"
is "$(wait_for "SELECT count(*) FROM actions WHERE state IN ('queued', 'running')" 0 30)" 0 "the queue is finished"
is "$(q "SELECT count(*) FROM actions WHERE state = 'succeeded'")" 12 "every other action succeeded"
is "$(sort "$OUT/runs" | uniq -d | wc -l)" 0 "no action ran twice"
is "$(wc -l <"$OUT/runs")" 13 "each ran once"
is "$(q "SELECT count(DISTINCT runner) FROM actions WHERE state = 'succeeded'")" 2 "both new runners took work"
sleep 2
is "$(grep -c '^slow$' "$OUT/runs")" 1 "the interrupted action was not re-run"
done_testing
