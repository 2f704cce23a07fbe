# t/lib/patroni.sh: a real PostgreSQL HA cluster for a test: one etcd
# member (Debian's etcd-server) and two PostgreSQL 15 nodes run by Debian's
# Patroni, on free ports of 127.0.0.1, everything under $T_TMP/ha. Sourced
# after t/lib/stack.sh (free_port, T_TMP, t_diag).
#
# Knobs, set before ha_start:
#	HA_SYNC		1 (default): synchronous_mode: true, a commit is
#			answered once the standby has it; 0: asynchronous
#	HA_TTL		Patroni's leader ttl (10: a shorter one makes
#			failovers nobody asked for on a busy 2-core box)
#
#	ha_start		etcd, both nodes; waits until one is primary
#				and (HA_SYNC=1) the other its sync standby;
#				creates the app role and database. Sets
#				HA_URL (multi-host conninfo, no password)
#				and exports PGPASSFILE (0600) for it
#	ha_primary		prints the node (1 or 2) that is primary
#	ha_kill_primary		SIGKILL the primary's Patroni, postmaster and
#				every backend at once (its machine dies);
#				HA_KILLED is the node, HA_KILL_AT the time
#	ha_wait_primary [SEC]	wait until the other node is primary; prints
#				the seconds since the kill
#	ha_rejoin [SEC]		start the killed node's Patroni again, wait
#				until it is back (its /sync, or /replica
#				with HA_SYNC=0)
#	ha_lag_standby		stop (SIGSTOP) the standby's WAL receiver: a
#				standby falling behind, as over a slow network
#	ha_lag_drop		SIGKILL it, with what its socket holds: the
#				standby never gets the WAL sent since
#				ha_lag_standby (its PostgreSQL restarts and
#				replays what it had)
#	ha_lag_end		let it go on (SIGCONT)
#	ha_stop			every Patroni (and its PostgreSQL), then etcd
#	ha_psql NODE SQL	psql as postgres on NODE's unix socket
#
# Everything waits on a condition with a deadline (the REST API's
# /primary, /sync, /replica; etcd's /health), never on a fixed sleep.
# Patroni runs on /usr/bin/python3 (a python3 elsewhere on PATH may lack
# psycopg2) as the postgres user through setpriv, so that $! is Patroni.

HA_DIR=$T_TMP/ha
HA_SYNC=${HA_SYNC:-1}
HA_TTL=${HA_TTL:-10}
HA_PG_BIN=/usr/lib/postgresql/15/bin
HA_SCOPE=octopod-ha
HA_APP_USER=octopod
HA_PIDS=""
HA_ETCD_PID=""
HA_KILLED=""

# ha_now: seconds since the epoch with tenths
ha_now() { date +%s.%N | cut -c1-13; }

# ha_rest NODE PATH: the HTTP status of Patroni's REST API on NODE
ha_rest() {
	local port
	eval "port=\$HA_REST_$1"
	curl -s -o /dev/null -w '%{http_code}' -m 2 "http://127.0.0.1:$port/$2" 2>/dev/null
}

# ha_until SECONDS CMD...: run CMD every 0.2 s until it succeeds; 1 on timeout
ha_until() {
	local end
	end=$(( $(date +%s) + $1 ))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.2
	done
}

ha_is() { [ "$(ha_rest "$1" "$2")" = 200 ]; }

ha_die() {
	local f
	for f in "$HA_DIR"/etcd.log "$HA_DIR"/pg*/patroni.log "$HA_DIR"/pg*/log/*; do
		[ -f "$f" ] && { echo "# ==> $f"; tail -15 "$f" | sed 's/^/# /'; } >&2
	done
	ha_stop
	echo "Bail out! $(basename "$0"): $*"
	exit 1
}

ha_ports() {
	local used=" " v p
	for v in HA_ETCD_CLIENT HA_ETCD_PEER HA_PG_1 HA_PG_2 HA_REST_1 HA_REST_2; do
		p=$(free_port)
		while case "$used" in *" $p "*) true ;; *) false ;; esac; do p=$(free_port); done
		used="$used$p "
		eval "$v=$p"
	done
}

ha_etcd_start() {
	mkdir -p "$HA_DIR/etcd"
	chmod 700 "$HA_DIR/etcd"
	etcd --name e1 --data-dir "$HA_DIR/etcd" \
	    --listen-client-urls "http://127.0.0.1:$HA_ETCD_CLIENT" \
	    --advertise-client-urls "http://127.0.0.1:$HA_ETCD_CLIENT" \
	    --listen-peer-urls "http://127.0.0.1:$HA_ETCD_PEER" \
	    --initial-advertise-peer-urls "http://127.0.0.1:$HA_ETCD_PEER" \
	    --initial-cluster "e1=http://127.0.0.1:$HA_ETCD_PEER" \
	    --initial-cluster-state new --heartbeat-interval 200 --election-timeout 2000 \
	    >"$HA_DIR/etcd.log" 2>&1 &
	HA_ETCD_PID=$!
	ha_until 30 ha_etcd_healthy || ha_die "etcd did not become healthy"
}
ha_etcd_healthy() {
	curl -s -m 2 "http://127.0.0.1:$HA_ETCD_CLIENT/health" 2>/dev/null | grep -q '"health":"true"'
}

# ha_config NODE: the Patroni configuration of NODE
ha_config() {
	local n=$1 pg rest sync=true
	eval "pg=\$HA_PG_$n rest=\$HA_REST_$n"
	[ "$HA_SYNC" = 1 ] || sync=false
	cat <<EOF
scope: $HA_SCOPE
namespace: /octopod-t/
name: pg$n
log:
  level: INFO
  dir: $HA_DIR/pg$n/log
restapi:
  listen: 127.0.0.1:$rest
  connect_address: 127.0.0.1:$rest
etcd3:
  hosts: 127.0.0.1:$HA_ETCD_CLIENT
bootstrap:
  dcs:
    ttl: $HA_TTL
    loop_wait: 1
    retry_timeout: 4
    maximum_lag_on_failover: 16777216
    master_start_timeout: 0
    synchronous_mode: $sync
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_connections: 300
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 128MB
        synchronous_commit: "on"
  initdb:
  - encoding: UTF8
  - locale: C.UTF-8
  pg_hba:
  - local all all trust
  - host replication replicator 127.0.0.1/32 scram-sha-256
  - host all all 127.0.0.1/32 scram-sha-256
postgresql:
  listen: 127.0.0.1:$pg
  connect_address: 127.0.0.1:$pg
  data_dir: $HA_DIR/pg$n/data
  bin_dir: $HA_PG_BIN
  pgpass: $HA_DIR/pg$n/pgpass
  authentication:
    superuser:
      username: postgres
      password: $HA_SUPER_PW
    replication:
      username: replicator
      password: $HA_REPL_PW
    rewind:
      username: postgres
      password: $HA_SUPER_PW
  parameters:
    unix_socket_directories: $HA_DIR/pg$n/run
    logging_collector: "off"
tags:
  nofailover: false
  noloadbalance: false
  clonefrom: false
  nosync: false
EOF
}

# ha_patroni_start NODE: start NODE's Patroni; HA_PID_NODE is its pid
ha_patroni_start() {
	local n=$1
	# from a directory postgres may enter (the checkout may be in a 0700
	# home: Patroni's child processes chdir back to where it started);
	# exec all the way, so that $! is Patroni
	(cd "$HA_DIR" && exec env -i PATH=/usr/bin:/bin LANG=C.UTF-8 \
	    HOME="$HA_DIR/pg$n" \
	    setpriv --reuid=postgres --regid=postgres --init-groups \
	    /usr/bin/python3 /usr/bin/patroni "$HA_DIR/pg$n/patroni.yml") \
	    >>"$HA_DIR/pg$n/patroni.log" 2>&1 &
	eval "HA_PID_$n=$!"
	HA_PIDS="$HA_PIDS $!"
}

ha_pw() { openssl rand -hex 16; }

ha_start() {
	local n other
	command -v patroni >/dev/null && command -v etcd >/dev/null &&
	    [ -x "$HA_PG_BIN/postgres" ] ||
	    ha_die "patroni, etcd-server and postgresql-15 are needed (scripts/deps.sh)"
	mkdir -p "$HA_DIR"
	chmod 755 "$HA_DIR"
	HA_SUPER_PW=$(ha_pw) HA_REPL_PW=$(ha_pw) HA_APP_PW=$(ha_pw)
	ha_ports
	ha_etcd_start
	for n in 1 2; do
		mkdir -p "$HA_DIR/pg$n/log" "$HA_DIR/pg$n/run"
		(umask 077; ha_config "$n" >"$HA_DIR/pg$n/patroni.yml")
		chown -R postgres:postgres "$HA_DIR/pg$n"
		chmod 700 "$HA_DIR/pg$n"
	done
	# the first node bootstraps, the second clones it
	ha_patroni_start 1
	ha_until 90 ha_is 1 primary || ha_die "node 1 did not become primary"
	ha_patroni_start 2
	if [ "$HA_SYNC" = 1 ]; then
		ha_until 120 ha_is 2 sync || ha_die "node 2 did not become the sync standby"
	else
		ha_until 120 ha_is 2 replica || ha_die "node 2 did not become a replica"
	fi
	n=$(ha_primary) || ha_die "no primary"
	ha_psql "$n" "CREATE ROLE $HA_APP_USER LOGIN PASSWORD '$HA_APP_PW'" >/dev/null ||
	    ha_die "could not create the app role"
	ha_psql "$n" "CREATE DATABASE octopod OWNER $HA_APP_USER" >/dev/null ||
	    ha_die "could not create the database"
	(
		umask 077
		for other in 1 2; do
			eval "printf '127.0.0.1:%s:*:%s:%s\n' \$HA_PG_$other \$HA_APP_USER \$HA_APP_PW"
		done >"$HA_DIR/app.pgpass"
	)
	export PGPASSFILE=$HA_DIR/app.pgpass
	HA_URL="host=127.0.0.1,127.0.0.1 port=$HA_PG_1,$HA_PG_2 user=$HA_APP_USER dbname=octopod target_session_attrs=read-write connect_timeout=2 keepalives_idle=5 keepalives_interval=2 keepalives_count=2"
}

ha_psql() {
	"$HA_PG_BIN/psql" -X -q -tA -v ON_ERROR_STOP=1 \
	    -d "host=$HA_DIR/pg$1/run port=$(eval "echo \$HA_PG_$1") user=postgres dbname=${3:-postgres}" \
	    -c "$2"
}

ha_rw() { [ "$(ha_psql "$1" 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ]; }

ha_primary() {
	local n
	for n in 1 2; do
		[ "$n" = "$HA_KILLED" ] && continue
		ha_is "$n" primary && { echo "$n"; return 0; }
	done
	return 1
}

# ha_kill_primary: the primary's machine dies: its Patroni, its postmaster
# and every PostgreSQL process under it get SIGKILL in one kill(1)
ha_kill_primary() {
	local n pm pids pid
	n=$(ha_primary) || { t_diag "no primary to kill"; return 1; }
	pm=$(head -1 "$HA_DIR/pg$n/data/postmaster.pid" 2>/dev/null)
	eval "pid=\$HA_PID_$n"
	pids="$pid $pm $(pgrep -P "$pm" 2>/dev/null | tr '\n' ' ')"
	HA_KILL_AT=$(ha_now)
	# shellcheck disable=SC2086
	kill -KILL $pids 2>/dev/null
	wait "$pid" 2>/dev/null
	HA_PIDS=${HA_PIDS/ $pid/}
	HA_KILLED=$n
	# the postmaster is not our child: wait until it is gone
	ha_until 20 test ! -e "/proc/$pm" || t_diag "postmaster $pm of node $n still there"
}

# ha_wait_primary [SECONDS]: the node that was not killed is primary;
# prints the seconds since the kill
ha_wait_primary() {
	local other=$((3 - HA_KILLED))
	# /primary says 200 once Patroni took the leader key, maybe before
	# PostgreSQL has left recovery: wait for both
	ha_until "${1:-60}" ha_is "$other" primary || return 1
	ha_until 30 ha_rw "$other" || return 1
	echo "$(ha_now) $HA_KILL_AT" | awk '{printf "%.1f\n", $1 - $2}'
}

# ha_rejoin [SECONDS]: the killed node's Patroni again; it rewinds its
# PostgreSQL and follows the new primary (as its sync standby with HA_SYNC=1)
ha_rejoin() {
	local n=$HA_KILLED want=sync
	[ -n "$n" ] || return 1
	[ "$HA_SYNC" = 1 ] || want=replica
	ha_patroni_start "$n"
	HA_KILLED=""
	ha_until "${1:-90}" ha_is "$n" "$want"
}

ha_lag_standby() {
	local n=$((3 - $(ha_primary))) pm
	pm=$(head -1 "$HA_DIR/pg$n/data/postmaster.pid" 2>/dev/null)
	HA_LAGGED=$(pgrep -P "$pm" -f walreceiver 2>/dev/null | head -1)
	[ -n "$HA_LAGGED" ] && kill -STOP "$HA_LAGGED"
}
ha_lag_drop() {
	[ -n "${HA_LAGGED:-}" ] && kill -KILL "$HA_LAGGED" 2>/dev/null
	HA_LAGGED=""
	return 0
}
ha_lag_end() {
	[ -n "${HA_LAGGED:-}" ] && kill -CONT "$HA_LAGGED" 2>/dev/null
	HA_LAGGED=""
	return 0
}

# ha_stop: every Patroni first (each stops its PostgreSQL), then etcd
# ha_end PID...: SIGTERM, up to 20 s to go, then SIGKILL; reaped. A Patroni
# that hangs (seen: one stuck in its bootstrap) must not hold the test,
# and so prove, for ever.
ha_end() {
	local p i
	for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
	for p in "$@"; do
		for i in $(seq 1 200); do
			pid_gone "$p" && break
			sleep 0.1
		done
		pid_gone "$p" || kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}

ha_stop() {
	local p n pm
	ha_lag_end
	# shellcheck disable=SC2086
	ha_end $HA_PIDS
	HA_PIDS=""
	# a postmaster left behind (Patroni killed, or stopped too late)
	for n in 1 2; do
		pm=$(head -1 "$HA_DIR/pg$n/data/postmaster.pid" 2>/dev/null)
		[ -n "$pm" ] && [ -e "/proc/$pm" ] &&
		    runuser -u postgres -- "$HA_PG_BIN/pg_ctl" -D "$HA_DIR/pg$n/data" \
		    -m immediate -w -t 20 stop >/dev/null 2>&1
	done
	if [ -n "$HA_ETCD_PID" ]; then
		ha_end "$HA_ETCD_PID"
		HA_ETCD_PID=""
	fi
	return 0
}
