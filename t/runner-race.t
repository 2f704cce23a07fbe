#!/bin/bash
# The runner's threads under ThreadSanitizer: actions and status checks
# run at once while the main thread sends the heartbeats of both (the
# held sets, fcgi/run_held.c) and claims more; no data race is reported.
# Builds octopod-fcgi with -fsanitize=thread (make TSAN=1, in build/tsan).
. "$(dirname "$0")/lib/runner.sh"

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

command -v clang >/dev/null || skip_all "no clang for -fsanitize=thread"
if ! make -C "$ROOT" --no-print-directory TSAN=1 build/tsan/bin/octopod-fcgi \
    >"$T/build.log" 2>&1; then
	ok 1 "make TSAN=1 builds octopod-fcgi"
	sed 's/^/# /' "$T/build.log" | tail -20
	done_testing
fi
TSAN_BIN="$ROOT/build/tsan/bin/octopod-fcgi"
# TSan wants its own memory layout: some kernels' ASLR breaks it
# ("unexpected memory mapping"); setarch -R runs it without ASLR
if "$TSAN_BIN" -h 2>&1 | grep -q 'FATAL: ThreadSanitizer'; then
	setarch "$(uname -m)" -R "$TSAN_BIN" -h 2>&1 |
	    grep -q 'FATAL: ThreadSanitizer' &&
	    skip_all "ThreadSanitizer cannot run on this kernel"
	cat >"$T/tsan-fcgi" <<S
#!/bin/sh
exec setarch "$(uname -m)" -R "$TSAN_BIN" "\$@"
S
	chmod 755 "$T/tsan-fcgi"
	OCTOPOD_FCGI="$T/tsan-fcgi"
else
	OCTOPOD_FCGI="$TSAN_BIN"
fi
# io_sync=0: every libpq round trip is socket I/O, which TSan takes as
# a synchronisation of all threads (one sync object for all sockets) and
# which would hide every race between the threads
export TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 io_sync=0"

pg_start
export ACTION_CONCURRENCY=4 CHECK_CONCURRENCY=4
export HEARTBEAT_INTERVAL=1 STATUS_CHECK_INTERVAL=1

# actions of different lengths, so that they end between heartbeats
script update <<'S'
#!/bin/sh
echo $$ >>"$OUT/pids"
sleep "0.$(( $$ % 9 + 1 ))"
echo "updated $*"
S
script check <<'S'
#!/bin/sh
sleep 0.1
exit 0
S

for i in $(seq 1 12); do
	dep "chk$i" Running >/dev/null
done
for i in $(seq 1 16); do
	dep "act$i" Running >/dev/null
done
runner_start
for i in $(seq 1 16); do
	queue "act$i" update >/dev/null
done

is "$(wait_for "SELECT count(*) FROM actions WHERE state = 'succeeded'" 16 120)" \
    16 "16 actions succeeded, 4 at a time"
is "$(wait_for "SELECT count(*) > 0 FROM deployments WHERE name LIKE 'chk%'
    AND checked_at IS NOT NULL" t 60)" t "checks ran meanwhile"
# a few more heartbeats with nothing held, then the stop
sleep 2
stop_runners
ok "$(grep -q 'ThreadSanitizer' "$T/runner.log"; echo $((1 - $?)))" \
    "no ThreadSanitizer report"
grep -A 30 'WARNING: ThreadSanitizer' "$T/runner.log" | head -60 | sed 's/^/# /'
done_testing
