#!/usr/bin/env bash
# Long (VALGRIND=1; `make valgrind`): octopod-fcgi (RESPONDERS=1 THREADS=2,
# its runner too) and the notifier under valgrind during a short
# integration run (creates, reads, updates, archives, a websocket
# client), stopped with SIGTERM: no memory error, no definite leak in any
# process.
if [ "${VALGRIND:-0}" != 1 ]; then
	echo "1..0 # SKIP long: VALGRIND=1 (make valgrind)"
	exit 0
fi
export RESPONDERS=1 THREADS=2
. "$(dirname "$0")/lib/stack.sh"
. "$(dirname "$0")/lib/ws.sh"
VG_DIR=$T_TMP/vg
mkdir -p "$VG_DIR"
export STACK_WRAP="valgrind --leak-check=full --errors-for-leak-kinds=definite
    --error-exitcode=99 --child-silent-after-fork=no --log-file=$VG_DIR/vg.%p.log"
stack_start

ws_watch w --sub '{"subscribe":"list"}' || t_result 1 "a websocket client"
for i in 1 2 3 4 5; do
	power POST deployments "{\"name\":\"vg-$i\",\"tag\":\"v1\",\"app_overrides\":[{\"key\":\"K\",\"value\":\"v$i\"},{\"key\":\"S\",\"value\":\"s\",\"secret\":true}]}"
	[ "$S" = 202 ] || t_diag "create vg-$i: $S $B"
done
t_is "$(wait_sql "SELECT count(*) FROM deployments WHERE status = 'Running'" 5 60)" 5 \
    "five deployments created and Running"
for i in 1 2 3; do
	ui GET deployments
	ui GET "deployments/vg-$i"
	ui GET "deployments/vg-$i/actions"
	ui GET "deployments/vg-$i/history"
	ui GET "deployments?q=vg&limit=2"
	ui GET "nope"
	ui POST deployments '{"name":"Bad","tag":"v1"}'
done
power PATCH deployments/vg-1 '{"tag":"v2","app_overrides":{"set":[{"key":"K","value":"x"}],"unset":["S"]}}'
t_is "$S" 202 "an update"
power POST deployments/vg-2/archive
t_is "$S" 202 "an archive"
a=$(sql "SELECT max(id) FROM actions")
ui GET "actions/$a/output"
t_is "$(wait_sql "SELECT count(*) FROM actions WHERE state IN ('queued','running')" 0 60)" 0 \
    "every action finished"
ws_wait w 'select(.event.name == "vg-2")' 10
t_is $? 0 "the client got events"
ws_cleanup

# SIGTERM; valgrind writes one log per process (master, children)
for p in $NOTIFIER_PID $FCGI_PID; do kill -TERM "$p"; done
rc_n=0 rc_f=0
wait "$NOTIFIER_PID" || rc_n=$?
wait "$FCGI_PID" || rc_f=$?
STACK_PIDS=${STACK_PIDS/ $FCGI_PID/}
STACK_PIDS=${STACK_PIDS/ $NOTIFIER_PID/}
t_is "$rc_n" 0 "the notifier exits 0 under valgrind"
t_is "$rc_f" 0 "octopod-fcgi exits 0 under valgrind"
# a log without a summary is a child that exec'd a control script
sums=$(grep -l 'ERROR SUMMARY' "$VG_DIR"/vg.*.log)
n=$(echo "$sums" | grep -c .)
t_ok "a valgrind summary of every process: master, responder, runner, notifier ($n)" \
    test "$n" -ge 4
bad=$(grep -L 'ERROR SUMMARY: 0 errors' $sums | tr '\n' ' ')
t_is "$bad" "" "no memory error and no definite leak in any process"
for f in $bad; do t_diag "$(grep -A25 -E 'definitely lost in|Invalid|uninitialised' "$f" | head -60)"; done
t_diag "$(grep -h -o 'definitely lost: .*\|ERROR SUMMARY: [0-9]* errors' $sums | sort | uniq -c)"
t_done
