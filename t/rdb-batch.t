#!/usr/bin/env bash
# rdb_batch with more statements than it prepares (RDB_BATCH_MAX): all of
# them run and answer in order, and nothing is written past the table of
# prepared names (the suite's sanitizer run sees a write out of bounds).
. "$(dirname "$0")/lib/runner.sh"
pg_start
bin="$O/t/db_rdb_batch"
if [ ! -x "$bin" ]; then
	ok 1 "t/db/rdb_batch.c is built (run make)"
	done_testing
fi
out=$("$bin" 2>&1)
ok $? "a batch of RDB_BATCH_MAX + 5 statements, twice, answers each in order"
[ -n "$out" ] && printf '%s\n' "$out" | head -20 | sed 's/^/# /'
case "$out" in *Sanitizer*|*"runtime error"*) bad=1 ;; *) bad=0 ;; esac
ok $bad "no sanitizer report from the batch"
done_testing
