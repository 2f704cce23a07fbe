# t/lib/fault.sh: what the fault tests (t/fault-*.t) share. Sourced
# before t/lib/stack.sh: control scripts that log their start and sleep
# (t/fixtures/slow), a load of creates in the background, and the checks
# that no accepted action was lost, ran twice or stayed unfinished.
#
#	load_start PREFIX	create PREFIX-1, PREFIX-2 … through the power
#				door until load_stop; "name status" lines
#				in $T_TMP/load.PREFIX
#	load_stop PREFIX	stop it, wait for it
#	fcgi_child KIND		a live responder or runner pid of $FCGI_PID
#				(never one fault_kill killed)
#	fault_kill PID		kill -9, and remember it
#	wait_deaths KIND N	until the master logged N kills of KIND
#	wait_ping SECONDS	until GET ping is 200; prints the seconds taken
#	fault_verify PREFIX	the TAP checks after the faults

: "${CONTROL_SCRIPTS_DIR:=$(cd "$(dirname "$0")" && pwd)/fixtures/slow}"
export CONTROL_SCRIPTS_DIR
export FAULT_SLEEP=${FAULT_SLEEP:-0.5}
export HEARTBEAT_INTERVAL=${HEARTBEAT_INTERVAL:-1} KILL_GRACE=${KILL_GRACE:-1}
. "$(dirname "$0")/lib/stack.sh"

load_start() {
	local p=$1
	: >"$T_TMP/load.$p"
	rm -f "$T_TMP/load.$p.stop"
	(
		i=0
		while [ ! -e "$T_TMP/load.$p.stop" ]; do
			i=$((i + 1))
			s=$(curl -sS -o /dev/null -w '%{http_code}' -m 10 \
			    --cacert "$OCTOPOD_VAR/tls/ca.pem" \
			    --cert "$OCTOPOD_VAR/tls/octo.pem" \
			    --key "$OCTOPOD_VAR/tls/octo-key.pem" \
			    -H 'Content-Type: application/json' \
			    --data-binary "{\"name\":\"$p-$i\",\"tag\":\"v1\"}" \
			    "https://localhost:$POWER_PORT/api/v1/deployments" 2>/dev/null)
			echo "$p-$i ${s:-000}" >>"$T_TMP/load.$p"
			sleep 0.02
		done
	) &
	eval "LOAD_PID_${p//-/_}=$!"
}

load_stop() {
	local pid
	touch "$T_TMP/load.$1.stop"
	eval "pid=\$LOAD_PID_${1//-/_}"
	wait "$pid" 2>/dev/null
}

# fcgi_child KIND: the pid of a live child of $FCGI_PID of KIND
# (responder|runner), from the master's "started KIND PID" lines
fcgi_child() {
	local p
	for p in $(grep -o "started $1 [0-9]*" "$OCTOPOD_VAR/log/octopod-fcgi.log" |
	    awk '{print $3}' | tac); do
		case " $FAULT_KILLED " in *" $p "*) continue ;; esac
		[ "$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null)" = "$FCGI_PID" ] &&
		    ! pid_gone "$p" &&
		    { echo "$p"; return 0; }
	done
	return 1
}

# A process killed with SIGKILL is not a zombie at once: one built with
# ASan takes a while to unmap its shadow memory. So the killed are never
# picked again, and their deaths are waited for before they are counted.
FAULT_KILLED=
fault_kill() {
	kill -KILL "$1"
	FAULT_KILLED="$FAULT_KILLED $1"
}

wait_deaths() {
	local i
	for i in $(seq 1 300); do
		[ "$(grep -c "$1 [0-9]* killed by signal 9" \
		    "$OCTOPOD_VAR/log/octopod-fcgi.log")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_ping SECONDS: poll GET ping every 0.1 s; prints the tenths of a
# second it took, or fails
wait_ping() {
	local i
	for i in $(seq 0 $(( ${1:-10} * 10 ))); do
		if [ "$(curl -sS -o /dev/null -w '%{http_code}' -m 2 \
		    --cacert "$OCTOPOD_VAR/tls/ca.pem" -u "$UI_CRED" \
		    "https://localhost:$UI_PORT/api/v1/ping" 2>/dev/null)" = 200 ]; then
			echo "$i"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# fault_verify PREFIX [ALLOWED]: every create answered 202 has its
# deployment and exactly one create action, which ends (within 30 s) in a
# terminal state; no deployment stays pending; no create script started
# twice for one name; a succeeded create ran exactly once. ALLOWED: the
# statuses the load may have seen (an extended regex).
fault_verify() {
	local p=$1 allowed=${2:-202} acc bad n
	acc=$(awk '$2 == 202 {print $1}' "$T_TMP/load.$p")
	n=$(echo "$acc" | grep -c .)
	t_diag "$p: $(wc -l <"$T_TMP/load.$p") requests, $(awk '{print $2}' \
	    "$T_TMP/load.$p" | sort | uniq -c | tr '\n' ' ')"
	t_ok "$p: some creates were accepted ($n)" test "$n" -gt 0
	bad=$(awk '{print $2}' "$T_TMP/load.$p" | sort -u | grep -vEx "$allowed" |
	    tr '\n' ' ')
	t_is "$bad" "" "$p: no answer but $allowed"
	t_is "$(wait_sql "SELECT count(*) FROM actions WHERE state IN ('queued','running')
	    AND deployment_name LIKE '$p-%'" 0 40)" 0 "$p: no action left queued or running"
	t_is "$(wait_sql "SELECT count(*) FROM deployments WHERE status LIKE '%Pending'
	    AND name LIKE '$p-%'" 0 30)" 0 "$p: no deployment stays pending"
	printf '%s\n' $acc >"$T_TMP/acc.$p"
	sql "SELECT name FROM deployments WHERE name LIKE '$p-%'" | sort >"$T_TMP/db.$p"
	t_is "$(sort "$T_TMP/acc.$p" | comm -23 - "$T_TMP/db.$p" | tr '\n' ' ')" "" \
	    "$p: every accepted create has its deployment"
	t_is "$(sql "SELECT deployment_name FROM actions WHERE kind = 'create'
	    AND deployment_name LIKE '$p-%' GROUP BY 1 HAVING count(*) <> 1" | tr '\n' ' ')" "" \
	    "$p: one create action per deployment"
	t_is "$(grep "^create " "$OCTOPOD_VAR/starts.log" | grep -o -- "--name $p-[0-9]*" |
	    sort | uniq -d | tr '\n' ' ')" "" "$p: no create script started twice"
	t_is "$(sql "SELECT deployment_name FROM actions WHERE kind = 'create' AND
	    state = 'succeeded' AND deployment_name LIKE '$p-%'" | sort | while read -r d; do
		c=$(grep -c -- "^create .*--name $d\( \|\$\)" "$OCTOPOD_VAR/calls.log")
		[ "$c" = 1 ] || echo "$d:$c"
	done | tr '\n' ' ')" "" "$p: every succeeded create ran its script exactly once"
}
