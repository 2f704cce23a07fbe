#!/usr/bin/env bash
# Live output: a client following an action's output gets the chunks
# while the script still runs, all of them in order, then output_end with
# the final state; a late client gets everything from its "after" on; an
# unknown action is an error. The script prints ten lines and, after each,
# waits until the test has seen that line at the client: a line that is
# delivered only at the end never arrives, however slow the machine.
. "$(dirname "$0")/lib/stack.sh"
. "$(dirname "$0")/lib/ws.sh"
mkdir -p "$T_TMP/scripts"
cp -P "$T_ROOT"/t/fixtures/scripts/* "$T_TMP/scripts/"
rm -f "$T_TMP/scripts/create"
cat >"$T_TMP/scripts/create" <<S
#!/bin/sh
for i in 1 2 3 4 5 6 7 8 9 10; do
	echo "line \$i"
	n=0
	while [ ! -e "$T_TMP/seen.\$i" ] && [ \$n -lt 300 ]; do
		sleep 0.1
		n=\$((n + 1))
	done
done
echo "the end" >&2
S
chmod 755 "$T_TMP/scripts/create"
export CONTROL_SCRIPTS_DIR=$T_TMP/scripts
stack_start

ui POST deployments '{"name":"slow","tag":"v1"}'
t_is "$S" 202 "create slow"
act=$(j .action.id)
ws_watch out --sub "{\"subscribe\":\"output\",\"action\":$act,\"after\":0}" --until output_end
live=
for i in $(seq 1 10); do
	ws_wait out "select(.type == \"output\") | .chunks[] | select(.data == \"line $i\n\")" 15 &&
	    live="$live $i"
	touch "$T_TMP/seen.$i"
done
t_is "$live" " $(seq -s ' ' 1 10)" \
    "each line reached the client while the script still ran (waiting for it)"
t_ok "output_end arrives" ws_wait out 'select(.type == "output_end")' 15
ws_stop out

t_like "$(ws_msgs out 'select(.type == "output") | .chunks[0].data' | head -1)" "line 1*" \
    "the first chunk holds the first line"
t_ok "output came in a message per line, and one for the end" \
    test "$(ws_msgs out 'select(.type == "output")' | wc -l)" -ge 11
got=$(ws_msgs out 'select(.type == "output") | .chunks[] | .data' | tr -d '\n')
want=$(sql "SELECT string_agg(data, '' ORDER BY seq) FROM action_output WHERE action_id = $act" | tr -d '\n')
t_is "$got" "$want" "every chunk, in order, as stored"
t_like "$got" "line 1line 2*line 10the end" "the whole output"
n=$(sql "SELECT count(*) FROM action_output WHERE action_id = $act")
t_is "$(ws_msgs out 'select(.type == "output") | .chunks[] | .seq' | tr '\n' ' ')" \
    "$(seq -s ' ' 1 "$n") " "chunk seqs 1..$n, each once"
t_is "$(ws_msgs out 'select(.type == "output") | .chunks[] | select(.data == "the end\n") | .stream')" \
    stderr "the stream is given"
t_is "$(ws_msgs out | tail -1 | jq -c '{type, action, state, exit_code}')" \
    "{\"type\":\"output_end\",\"action\":$act,\"state\":\"succeeded\",\"exit_code\":0}" \
    "output_end is the last message, with the state"
t_is "$(ws_msgs out | head -2 | jq -r .type | tr '\n' ' ')" "hello subscribed " \
    "hello, then the acknowledgement, then output"

# late: the action is over
ws_watch late --sub "{\"subscribe\":\"output\",\"action\":$act,\"after\":3}" --until output_end
ws_wait late 'select(.type == "output_end")' 20
t_is "$(ws_msgs late 'select(.type == "output") | .chunks[] | .seq' | tr '\n' ' ')" \
    "$(seq -s ' ' 4 "$n") " "a late client gets the chunks after its seq"
t_is "$(ws_msgs late 'select(.type == "output_end") | .state')" succeeded "and the end"

ws_watch none --sub '{"subscribe":"list"}' --sub '{"subscribe":"output","action":987654}'
t_ok "an unknown action is answered with an error" \
    ws_wait none 'select(.type == "error" and .action == 987654 and .error.code == "not_found")' 20
ws_done
