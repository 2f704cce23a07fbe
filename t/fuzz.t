#!/usr/bin/env bash
# Replays every fuzz target's corpus (t/fuzz/corpus/TARGET) through the
# target built with a plain main (t/fuzz/replay.c): in `make test` and,
# with O=build/san, under ASan+UBSan. `make fuzz` runs them under libFuzzer.
set -u
T_ROOT=$(cd "$(dirname "$0")/.." && pwd)
O=${O:-build}
case "$O" in /*) ;; *) O="$T_ROOT/$O" ;; esac
n=0 failed=0
for src in "$T_ROOT"/t/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	n=$((n + 1))
	if out=$("$O/t/$name" "$T_ROOT/t/fuzz/corpus/$name" 2>&1); then
		echo "ok $n - $name: $out"
	else
		echo "not ok $n - $name"
		printf '%s\n' "$out" | tail -30 | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" = 0 ]
