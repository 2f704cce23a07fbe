#!/usr/bin/env bash
# A child told to stop ends by itself STOP_DEADLINE (10 s) later at the
# latest, even when what it waits for never comes: PostgreSQL is frozen
# (SIGSTOP) while a script runs and a request waits on the database, then
# the master is killed with SIGKILL, so that no master is left to SIGKILL
# its children. The runner and the responder log why they give up and
# exit; the client of the stuck request gets an answer (502); once the
# database is back, a new master's runner finds the unrecorded action by
# its stale heartbeat and ends it.
export FAULT_SLEEP=60
. "$(dirname "$0")/lib/fault.sh"
stack_start

PM=$(head -1 "$OCTOPOD_VAR/pg/data/postmaster.pid")
thaw() { kill -CONT "$PM" $(pgrep -P "$PM") 2>/dev/null; return 0; }
t_cleanup_hook() {
	thaw
	stack_stop
	return 0
}

power POST deployments '{"name":"hung","tag":"v1"}'
t_is "$S" 202 "create accepted"
t_is "$(wait_sql "SELECT state FROM actions WHERE deployment_name = 'hung'" running 20)" \
    running "its script runs"

# every responder thread has its connection (made at its first request)
for _ in $(seq 1 20); do ui GET deployments; done
kill -STOP "$PM" $(pgrep -P "$PM")
curl -sS -o /dev/null -w '%{http_code}' -m 40 --cacert "$OCTOPOD_VAR/tls/ca.pem" \
    -u "$UI_CRED" "https://localhost:$UI_PORT/api/v1/deployments/hung" \
    >"$T_TMP/stuck.code" 2>/dev/null &
CURL=$!
# until a responder has accepted it: a connected socket of that path
for _ in $(seq 1 100); do
	awk -v p="$OCTOPOD_VAR/run/fcgi.sock" '$6 == "03" && $8 == p {f = 1} END {exit !f}' \
	    /proc/net/unix && break
	sleep 0.1
done
sleep 0.2
kids=$(pgrep -P "$FCGI_PID" | tr '\n' ' ')
t_is "$(echo $kids | wc -w)" 3 "two responders and a runner"
stack_kill KILL "$FCGI_PID"
start=$(date +%s%N)
for _ in $(seq 1 200); do
	left=""
	for k in $kids; do pid_gone "$k" || left="$left $k"; done
	[ -z "$left" ] && break
	sleep 0.1
done
took=$(( ($(date +%s%N) - start) / 100000000 ))
t_is "$left" "" "the orphans ended by themselves ($took/10 s)"
t_ok "not before the deadline: they were stuck ($took/10 s >= 9 s)" test "$took" -ge 90
t_ok "soon after it ($took/10 s <= 15 s)" test "$took" -le 150
wait "$CURL"
t_is "$(cat "$T_TMP/stuck.code")" 502 "the stuck request was answered (502 from nginx)"
log=$OCTOPOD_VAR/log/octopod-fcgi.log
t_like "$(grep 'still stopping' "$log")" \
    "*runner *: still stopping 10 s after the signal, 1 action(s) not recorded: exiting without them" \
    "the runner said why it gave up"
t_like "$(grep 'still busy' "$log")" \
    "*responder: 1 of 2 thread(s) still busy 10 s after SIGTERM: exiting without them" \
    "the responder said why it gave up"

thaw
stack_fcgi_start
t_ok "a new master answers" wait_ping 20
t_is "$(wait_sql "SELECT state FROM actions WHERE deployment_name = 'hung'" interrupted 40)" \
    interrupted "the new runner ended the unrecorded action by its stale heartbeat"
t_is "$(sql "SELECT from_status || '>' || to_status || ':' || reason FROM status_history
    WHERE deployment_name = 'hung' AND to_status = 'Failure'")" "CreatePending>Failure:interrupted" \
    "the deployment went out of pending to Failure (interrupted)"
t_done
