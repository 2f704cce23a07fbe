#!/bin/bash
# The runner's round (fcgi/run_main.c due_now, SQL_RUNNER_DUE): with
# nothing due it asks again when the first check falls due, not every
# second and not ROUND_MAX (5 s) later. One deployment falls due 6 s after
# the runner starts; its rounds before then come 5 s apart at most, so a
# round that only woke every 5 s would first see it at 10 s; the check
# must run within 2.5 s of falling due, and not before. A deployment never
# checked is due at once, and asking about it does not fail.
. "$(dirname "$0")/lib/runner.sh"
pg_start
script check <<'S'
#!/bin/sh
date +%s.%N >>"$OUT/check.at"
exit 0
S
export STATUS_CHECK_INTERVAL=1
# due when checked_at + 1 s has passed: 6 s from now
q "INSERT INTO deployments (name, tag, status, created_by, updated_by, checked_at)
   VALUES ('soon', 'v1', 'Running', 's', 's', now() + interval '5 seconds')" >/dev/null
due=$(q "SELECT extract(epoch FROM checked_at + interval '1 second') FROM deployments WHERE name = 'soon'")
runner_start
for _ in $(seq 1 200); do
	[ -s "$OUT/check.at" ] && break
	sleep 0.1
done
at=$(head -1 "$OUT/check.at" 2>/dev/null)
ok $([ -n "$at" ]; echo $?) "the check ran"
late=$(awk -v a="${at:-0}" -v d="$due" 'BEGIN { printf "%.2f", a - d }')
ok $(awk -v l="$late" 'BEGIN { exit !(l >= 0 && l <= 2.5) }'; echo $?) \
    "within 2.5 s of falling due, not before ($late s)"
# a deployment never checked (checked_at NULL: due since ever) is checked,
# and the question about it does not fail (an infinite time)
q "INSERT INTO deployments (name, tag, status, created_by, updated_by)
   VALUES ('fresh', 'v1', 'Running', 's', 's')" >/dev/null
is "$(wait_for "SELECT checked_at IS NOT NULL FROM deployments WHERE name = 'fresh'" t)" t \
    "a deployment never checked is checked"
# (the round that claimed its check asked first, and logs before it claims)
is "$(grep -c 'ask what is due' "$T/runner.log")" 0 "and the runner's question never failed"
done_testing
