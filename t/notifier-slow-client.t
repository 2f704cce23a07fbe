#!/usr/bin/env bash
# 200 clients, one of which never reads: the others get every event, in
# order. Then a flood the sleeper cannot take: its queue passes the bound
# and the notifier drops it, while another client gets all of the flood.
# 200 clients from one address: past the default per-client cap
export WS_PER_CLIENT=256
. "$(dirname "$0")/lib/stack.sh"
. "$(dirname "$0")/lib/ws.sh"
stack_start
ws_env

node "$T_ROOT/t/ws/fanout.mjs" --clients 199 --paused 1 \
    --sub '{"subscribe":"deployment","name":"fan"}' --name fan --expect 300 \
    --ready "$T_TMP/a.ready" --result "$T_TMP/a.json" --resume "$T_TMP/a.resume" \
    --timeout 180 2>"$T_TMP/a.err" &
A=$!
WS_PIDS="$WS_PIDS $A"
node "$T_ROOT/t/ws/fanout.mjs" --clients 1 \
    --sub '{"subscribe":"deployment","name":"big"}' --name big --expect 3000 \
    --ready "$T_TMP/b.ready" --result "$T_TMP/b.json" --timeout 180 2>"$T_TMP/b.err" &
B=$!
WS_PIDS="$WS_PIDS $B"
for i in $(seq 1 300); do
	[ -e "$T_TMP/a.ready" ] && [ -e "$T_TMP/b.ready" ] && break
	sleep 0.1
done
t_ok "200 clients connected and subscribed" test -e "$T_TMP/a.ready"
t_diag "$(cat "$T_TMP/a.err")"

# 300 small events in three transactions
for k in 0 1 2; do
	sql "SELECT pg_notify('octopod_events', json_build_object('type', 'deployment',
	    'name', 'fan', 'status', 'Running', 'i', i)::text)
	    FROM generate_series($((k * 100)), $((k * 100 + 99))) i" >/dev/null
done
for i in $(seq 1 600); do
	[ -s "$T_TMP/a.json" ] && break
	sleep 0.1
done
t_diag "$(cat "$T_TMP/a.json")"
t_is "$(jq -r .complete "$T_TMP/a.json")" 199 "the 199 reading clients got all 300 events, in order"
t_is "$(jq -r .out_of_order "$T_TMP/a.json")" 0 "nothing out of order"
t_is "$(jq -r .readers_closed "$T_TMP/a.json")" 0 "no reading client was dropped"

# a flood of 3000 events of 7 KB (100 transactions of 30, 200 a
# second, which a reading client keeps up with even on a busy machine
# under ASan): more than the sleeper's queue, the kernel's buffers and
# nginx's together
sql "DO \$\$ BEGIN FOR k IN 0..99 LOOP
    PERFORM pg_notify('octopod_events', json_build_object('type', 'deployment',
      'name', 'big', 'status', 'Running', 'i', i, 'pad', repeat('x', 7000))::text)
      FROM generate_series(k * 30, k * 30 + 29) i;
    COMMIT;
    PERFORM pg_sleep(0.15);
  END LOOP; END \$\$" >/dev/null
wait "$B"
t_diag "$(cat "$T_TMP/b.json")"
t_is "$(jq -r .complete "$T_TMP/b.json")" 1 "a reading client got the whole flood, in order"
for i in $(seq 1 100); do
	grep -q 'dropped a slow client' "$OCTOPOD_VAR/log/octopod-notifier.log" && break
	sleep 0.1
done
t_ok "the notifier dropped the sleeper" \
    grep -q 'dropped a slow client (octopod)' "$OCTOPOD_VAR/log/octopod-notifier.log"
touch "$T_TMP/a.resume"
wait "$A"
t_diag "$(cat "$T_TMP/a.json.final")"
t_is "$(jq -r .paused_closed "$T_TMP/a.json.final")" 1 "the sleeper finds its connection closed"
t_ok "it had not got the whole flood" \
    test "$(jq -r .paused_bytes "$T_TMP/a.json.final")" -lt 21000000
t_is "$(jq -r .readers_closed "$T_TMP/a.json.final")" 0 "the others are still connected"
kill -0 "$NOTIFIER_PID"
t_is $? 0 "the notifier is still running"
ws_done
