#!/usr/bin/env bash
# Output retention (OUTPUT_RETENTION): the runner removes the stored output
# of actions finished longer ago than that, in small batches; every action
# record stays (who, what, when, exit code, duration), newer output stays,
# and the API, `octo logs` and the UI's words say "output removed after N
# days". Creates through the API are answered promptly while it sweeps.
. "$(dirname "$0")/lib/octo.sh"
export OUTPUT_RETENTION=2592000 OUTPUT_SWEEP_INTERVAL=1 OUTPUT_SWEEP_BATCH=20
stack_start

# history as a year of use leaves it: 3,000 actions finished 40 days ago
# with 40 chunks each, 5 finished a day ago, all of deployment "old";
# counted in the seed's own transaction (the sweep runs every second and
# may start on them as soon as they are committed)
sql "INSERT INTO deployments (name, tag, status, created_by, updated_by)
     VALUES ('old', 'v1', 'Running', 'seed', 'seed')" >/dev/null
seeded=$(sql "INSERT INTO actions (deployment_id, deployment_name, kind, state,
       requested_by, exit_code, output_bytes, queued_at, started_at, finished_at)
     SELECT d.id, 'old', 'update', 'succeeded', 'seed-' || g, g % 3, 400,
       now() - interval '40 days' - g * interval '1 second',
       now() - interval '40 days' - g * interval '1 second',
       now() - interval '40 days' - g * interval '1 second' + interval '2 seconds'
     FROM deployments d, generate_series(1, 3000) g WHERE d.name = 'old';
     INSERT INTO actions (deployment_id, deployment_name, kind, state,
       requested_by, exit_code, output_bytes, queued_at, started_at, finished_at)
     SELECT d.id, 'old', 'update', 'succeeded', 'recent-' || g, 0, 400,
       now() - interval '1 day', now() - interval '1 day',
       now() - interval '1 day' + interval '2 seconds'
     FROM deployments d, generate_series(1, 5) g WHERE d.name = 'old';
     INSERT INTO action_output (action_id, seq, stream, data)
     SELECT a.id, s, 'stdout', 'line ' || s || E' of the deploy\n'
     FROM actions a, generate_series(1, 40) s WHERE a.deployment_name = 'old';
     SELECT count(*) FROM action_output")
t_is "$seeded" 120200 "seeded: 120,200 chunks"
before=$(sql "SELECT md5(string_agg(id || requested_by || exit_code || queued_at || started_at || finished_at, ',' ORDER BY id)) FROM actions")
old1=$(sql "SELECT min(id) FROM actions WHERE requested_by LIKE 'seed-%'")
new1=$(sql "SELECT min(id) FROM actions WHERE requested_by LIKE 'recent-%'")

# creates while the sweep runs: each answered within 2 s. At least 20,
# and on until one is made with the sweep under way (some of the old
# output gone, some left: it takes several runs a second apart), at most
# 300; the creates' own output is not counted
slow=0 n=0 i=0 swept_during=0
old_left() {
	sql "SELECT count(*) FROM action_output o JOIN actions a ON a.id = o.action_id
	     WHERE a.requested_by LIKE 'seed-%'"
}
left=$(old_left)
while [ $i -lt 20 ] || { [ $swept_during = 0 ] && [ $i -lt 300 ]; }; do
	i=$((i + 1))
	before_create=$left
	t0=$(date +%s%N)
	power POST deployments "{\"name\":\"new-$i\",\"tag\":\"v1\"}" --max-time 5
	t1=$(date +%s%N)
	[ "$S" = 202 ] && n=$((n + 1))
	[ $(( (t1 - t0) / 1000000 )) -gt 2000 ] && slow=$((slow + 1))
	left=$(old_left)
	[ "$before_create" -lt 120000 ] && [ "$left" -gt 0 ] && swept_during=1
done
t_is "$n/$slow" "$i/0" "$i creates answered 202 while the sweep ran, none slower than 2 s"
t_is "$swept_during" 1 "the sweep was under way during the creates"

for _ in $(seq 1 600); do
	[ "$(sql "SELECT count(*) FROM action_output o JOIN actions a ON a.id = o.action_id
	    WHERE a.requested_by LIKE 'seed-%'")" = 0 ] && break
	sleep 0.1
done
t_is "$(sql "SELECT count(*) FROM action_output o JOIN actions a ON a.id = o.action_id
    WHERE a.requested_by LIKE 'seed-%'")" 0 "the output of actions finished 40 days ago is gone"
t_is "$(sql "SELECT count(*) FROM action_output o JOIN actions a ON a.id = o.action_id
    WHERE a.requested_by LIKE 'recent-%'")" 200 "the output of actions finished a day ago stays"
t_is "$(sql "SELECT md5(string_agg(id || requested_by || exit_code || queued_at || started_at || finished_at, ',' ORDER BY id)) FROM actions WHERE requested_by LIKE 'seed-%' OR requested_by LIKE 'recent-%'")" \
    "$before" "every action record stays as it was"
t_is "$(sql "SELECT count(*) FROM actions WHERE requested_by LIKE 'seed-%' AND output_removed_at IS NOT NULL AND output_kept_s = 2592000")" \
    3000 "each old action says when its output went, and under which retention"
t_like "$(grep -c 'output of .* action(s) finished over 2592000 s ago removed' "$OCTOPOD_VAR"/log/octopod-fcgi.log)" \
    "[2-9]*" "the sweep went in several runs of small batches (the log)"

ui GET "actions/$old1"
t_is "$(j '.output_removed_at != null')/$(j .output_kept_days)/$(j .exit_code)/$(j .duration_ms)" \
    "true/30/1/2000" "the API: the record, and when its output went"
ui GET "actions/$old1/output"
t_is "$S/$(j '.chunks|length')/$(j .finished)/$(j .output_removed.after_days)" 200/0/true/30 \
    "its output: none, finished, removed after 30 days"
ui GET "actions/$new1/output"
t_is "$(j '.chunks|length')/$(j .output_removed)" 40/null "a recent action's output is all there"

out=$(octo logs -a "$old1" 2>&1)
t_like "$out" "*output removed after 30 days*" "octo logs says the output was removed after 30 days"
t_done
