#!/usr/bin/env bash
# Runs every unit test program built from t/unit/*.c (cmocka), one TAP
# line per program; their own output is shown as diagnostics on failure.
set -u
T_ROOT=$(cd "$(dirname "$0")/.." && pwd)
O=${O:-build}
case "$O" in /*) ;; *) O="$T_ROOT/$O" ;; esac
n=0 failed=0
for src in "$T_ROOT"/t/unit/*.c; do
	name=$(basename "$src" .c)
	n=$((n + 1))
	if [ ! -x "$O/t/$name" ]; then
		echo "not ok $n - unit $name (not built: run make)"
		failed=$((failed + 1))
		continue
	fi
	if out=$(cd "$T_ROOT" && "$O/t/$name" 2>&1); then
		echo "ok $n - unit $name"
	else
		echo "not ok $n - unit $name"
		printf '%s\n' "$out" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" = 0 ]
