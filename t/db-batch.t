#!/usr/bin/env bash
# db_batch with more statements than the old runner's batch named (16,
# RDB_BATCH_MAX, where it wrote past its table): all of them run, prepared
# from the one statement table, and answer in order, twice (the suite's
# sanitizer run sees a write out of bounds).
. "$(dirname "$0")/lib/runner.sh"
pg_start
bin="$O/t/db_batch"
if [ ! -x "$bin" ]; then
	ok 1 "t/db/batch.c is built (run make)"
	done_testing
fi
for i in $(seq 1 2 20); do
	dep "b$i" Running >/dev/null
done
out=$("$bin" 2>&1)
ok $? "a batch of 21 statements, twice, answers each in order"
[ -n "$out" ] && printf '%s\n' "$out" | head -20 | sed 's/^/# /'
case "$out" in *Sanitizer*|*"runtime error"*) bad=1 ;; *) bad=0 ;; esac
ok $bad "no sanitizer report from the batch"
done_testing
