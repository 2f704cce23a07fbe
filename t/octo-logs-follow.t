#!/usr/bin/env bash
# octo logs -f prints a script's lines while the script is still running
# (polling actions/ID/output), ends with the action and exits with its
# result; changes to a busy deployment are refused.
. "$(dirname "$0")/lib/octo.sh"
S=$T_TMP/scripts
mkscripts "$S"
cat >"$S/create" <<'SH'
#!/bin/sh
# slow-*: a line every 300 ms for 3 s; broken-*: fail with exit 3
while [ $# -gt 0 ]; do [ "$1" = --name ] && name=$2; shift; done
case $name in
slow-*)	i=1
	while [ $i -le 10 ]; do echo "line $i"; i=$((i + 1)); sleep 0.3; done ;;
broken-*) echo "going wrong"; echo "oops" >&2; exit 3 ;;
esac
exit 0
SH
export CONTROL_SCRIPTS_DIR=$S
stack_start

id=$(octo -o json create -n slow-1 -t v1 | jq -r .action.id)
t_like "$id" "[0-9]*" "create answered with the action's id"
"$OCTO_BIN" logs -f -a "$id" >"$T_TMP/follow.out" 2>"$T_TMP/follow.err" &
FOLLOW=$!
t0=$(date +%s%N)
for _ in $(seq 100); do
	grep -q "line 1" "$T_TMP/follow.out" && break
	sleep 0.05
done
t1=$(date +%s%N)
t_is "$(head -1 "$T_TMP/follow.out")" "line 1" "the first line arrived"
t_is "$(sql "SELECT state FROM actions WHERE id = $id")" running \
    "while the action is still running ($(( (t1 - t0) / 1000000 )) ms after the start)"
t_ok "before the last line" sh -c "! grep -q 'line 10' '$T_TMP/follow.out'"

# a busy deployment refuses changes
t_octo 1 "update while busy" update -n slow-1 -e A=1
t_is "$(cat "$T_ERR")" 'octo: deployment "slow-1" is busy with another action; try again when it is done' \
    "the server's message, one line"
t_octo 1 "forget while busy" forget -n slow-1
t_like "$(cat "$T_ERR")" '*busy*' "busy"

wait "$FOLLOW"
rc=$?
t2=$(date +%s%N)
t_is "$rc" 0 "logs -f exits 0 when the action succeeded"
t_is "$(tr '\n' ' ' <"$T_TMP/follow.out")" "line 1 line 2 line 3 line 4 line 5 line 6 line 7 line 8 line 9 line 10 " \
    "every line once, in order"
t_is "$(sql "SELECT state FROM actions WHERE id = $id")" succeeded "it ended with the action"
t_ok "within a second of the end ($(( (t2 - t0) / 1000000 )) ms in all)" \
    test "$(sql "SELECT extract(epoch FROM clock_timestamp() - finished_at) < 1.5 FROM actions WHERE id = $id")" = t
t_is "$(cat "$T_TMP/follow.err")" "" "nothing on stderr"

t_octo 0 "logs -n NAME: the last action's output" logs -n slow-1
t_is "$(wc -l <"$T_OUT")" 10 "all ten lines"
t_octo 0 "logs -f of a finished action returns at once" logs -f -a "$id"
t_is "$(wc -l <"$T_OUT")" 10 "the same ten lines"

# a failing action: its output, then exit 1 and why
id=$(octo -o json create -n broken-1 -t v1 | jq -r .action.id)
t_octo 1 "logs -f of a failing action exits 1" logs -f -a "$id"
t_like "$(cat "$T_OUT")" "*going wrong*oops*" "stdout and stderr of the script"
t_is "$(cat "$T_ERR")" "octo: action $id (create of \"broken-1\") failed: control script \"create\" exited with code 3" \
    "says how it ended"
t_octo 1 "logs -f -o json: one object a chunk" -o json logs -f -a "$id" --interval 50
t_is "$(jq -r .data "$T_OUT" | tr -d '\n')" "going wrongoops" "every line parses with jq"
t_octo 2 "logs needs -a or -n" logs -f
t_done
