#!/bin/bash
# Output: stored in chunks with increasing seq and one output event per
# flush; capped at OUTPUT_MAX with one truncation marker, the rest
# drained (the script is not blocked); secret override values masked
# wherever they appear, also when split between writes and chunks.
. "$(dirname "$0")/lib/runner.sh"
pg_start
export OUTPUT_MAX=1048576

script create <<'S'
#!/bin/sh
echo $$ >>"$OUT/pids"
case "$8" in
big)
	yes 'abcdefghijklmnopqrstuvwxyz0123456789' | head -c 10485760
	echo "finished" >"$OUT/big-done" ;;
secret)
	# the secret is not in argv but in OCTOPOD_CONFIG_FILE: echo both
	echo "argv: $* config: $(tr '\n' ' ' <"$OCTOPOD_CONFIG_FILE")"
	printf 'the password is hunter2-'
	sleep 0.3
	printf 'very-secret and again hunter2-very-secret.\n'
	echo "stderr hunter2-very-secret" >&2
	echo "short prefix hunter2 is not the secret"
	# a 200 KiB line with secrets around the 64 KiB cut and at the end
	head -c 65530 /dev/zero | tr '\0' 'a'
	printf 'hunter2-very-secret'
	head -c 140000 /dev/zero | tr '\0' 'b'
	printf 'hunter2-very-secret\n'
	printf 'utf8 \303\251 and bad \377 byte and nul \000 end\n' ;;
esac
S
script check <<'S'
#!/bin/sh
exit 1
S

dep big CreatePending >/dev/null
id=$(dep secret CreatePending)
q "INSERT INTO overrides VALUES ($id, 'app', 'PASSWORD', 'hunter2-very-secret', true),
   ($id, 'deployment', 'PLAIN', 'visible', false)" >/dev/null
runner_start
psql -X -q "$DATABASE_URL" -c "LISTEN octopod_events" -c "SELECT pg_sleep(12)" \
    >"$T/events.txt" 2>&1 &
LISTENER=$!
sleep 0.3

start=$(date +%s.%N)
a=$(queue big create)
is "$(wait_for "SELECT state FROM actions WHERE id = $a" succeeded 30)" succeeded "10 MiB script succeeded"
end=$(date +%s.%N)
echo "# 10 MiB of output took $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') s"
ok $([ -f "$OUT/big-done" ]; echo $?) "the script ran to its end (output drained)"
is "$(q "SELECT output_bytes FROM actions WHERE id = $a")" 1048576 "output_bytes is OUTPUT_MAX"
is "$(q "SELECT sum(length(data)) FILTER (WHERE data NOT LIKE '%truncated%') FROM action_output WHERE action_id = $a")" \
    1048576 "stored bytes capped"
is "$(q "SELECT count(*) FROM action_output WHERE action_id = $a AND data LIKE '%output truncated%'")" 1 "one truncation marker"
is "$(q "SELECT data LIKE '%output truncated%' FROM action_output WHERE action_id = $a ORDER BY seq DESC LIMIT 1")" t "marker is the last chunk"
is "$(q "SELECT max(seq) = count(*) AND min(seq) = 1 FROM action_output WHERE action_id = $a")" t "seq 1..N without gaps"
is "$(q "SELECT max(octet_length(data)) <= 16384 FROM action_output WHERE action_id = $a")" t "chunks of about 16 KiB"

a=$(queue secret create)
is "$(wait_for "SELECT state FROM actions WHERE id = $a" succeeded 30)" succeeded "secret script succeeded"
all=$(q "SELECT string_agg(data, '' ORDER BY seq) FROM action_output WHERE action_id = $a")
ok $(echo "$all" | grep -q 'hunter2-very'; [ $? = 1 ]; echo $?) "secret never stored in output"
is "$(echo "$all" | grep -o '\*\*\*' | wc -l)" 6 "every occurrence masked"
ok $(echo "$all" | grep -q 'the password is \*\*\* and again \*\*\*\.'; echo $?) "masked across a split write"
ok $(echo "$all" | grep -q 'short prefix hunter2 is not'; echo $?) "a mere prefix is kept"
ok $(echo "$all" | grep -q 'PASSWORD=\*\*\* .*PLAIN=visible'; echo $?) "the config echoed by the script is masked"
is "$(q "SELECT data FROM action_output WHERE action_id = $a AND stream = 'stderr'")" "stderr ***" "stderr masked"
ok $(echo "$all" | grep -q "utf8 é and bad � byte and nul � end"; echo $?) "invalid UTF-8 and NUL replaced"
is "$(q "SELECT argv::text LIKE '%PLAIN=visible%' AND argv::text NOT LIKE '%PASSWORD%' FROM actions WHERE id = $a")" t "the secret is not in the stored argv"
is "$(q "SELECT request::text NOT LIKE '%hunter2%' FROM actions WHERE id = $a")" t "nothing else stored"

wait $LISTENER
n_out=$(grep -c '"type":"output"' "$T/events.txt")
ok $([ "$n_out" -ge 10 ] && [ "$n_out" -le 200 ]; echo $?) "output events per flush, not per line ($n_out)"
ok $(grep -q "\"type\":\"output\",\"action\":$a" "$T/events.txt"; echo $?) "output event names the action"
ok $(grep -q '"type":"action".*"state":"running"' "$T/events.txt"; echo $?) "action running event"
ok $(grep -q '"type":"action".*"state":"succeeded","exit_code":0' "$T/events.txt"; echo $?) "action succeeded event"
done_testing
