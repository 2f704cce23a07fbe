#!/usr/bin/env bash
# bench/scale.sh: `make bench-scale`. bench/run.sh once per size (SIZES,
# default 1000 10000 100000 deployments, each with app and deployment
# overrides, a secret, and SEED_HISTORY=20 finished actions with output),
# each on a throw-away stack of its own, then one table: every figure at
# every size, its limit measured in the same run, and its ratio to the
# same figure at the first size (flat is the goal; see bench/README.md).
#
# Knobs: SIZES, RUNS (3), DUR (3), IDLE_SECS (60), SEED_HISTORY (20), and
# ONLY as bench/run.sh takes it.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
SIZES=${SIZES:-1000 10000 100000}
export RUNS=${RUNS:-3} DUR=${DUR:-3} IDLE_SECS=${IDLE_SECS:-60}
export SEED_HISTORY=${SEED_HISTORY:-20}
export ONLY=${ONLY:-get list deep search ui checks idle dbsize}
OUT=$(mktemp -d /tmp/octopod-bench-scale.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
t0=$(date +%s)
for n in $SIZES; do
	echo "bench-scale: $n deployments" >&2
	N_DEPLOY=$n "$TOP/bench/run.sh" >"$OUT/$n.table" 2>"$OUT/$n.err" || {
		echo "bench-scale: bench/run.sh failed at $n:" >&2
		tail -5 "$OUT/$n.err" >&2
		exit 1
	}
	grep -E '^bench: (seeded|list|GET|create|fan)' "$OUT/$n.err" | sed "s/^/  [$n] /" >&2
done
# the rows of each table: "figure|value|limit|ratio|goal", in one order
first=${SIZES%% *}
printf '\noctopod-c bench-scale: %s cores, %s; sizes %s; %s s in all\n\n' \
    "$(nproc)" "$(date -u +%Y-%m-%dT%H:%MZ)" "$SIZES" "$(( $(date +%s) - t0 ))"
awk -F'|' -v sizes="$SIZES" -v dir="$OUT" '
function trim(s) { gsub(/^ +| +$/, "", s); return s }
function num(s) { s = trim(s); sub(/[^0-9.].*$/, "", s); return s }
function commas(n,   s) { s = n ""; while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s); sub(/^,/, "", s); gsub(/,,/, ",", s); return s }
BEGIN {
	ns = split(sizes, sz, " ")
	for (k = 1; k <= ns; k++) {
		f = dir "/" sz[k] ".table"; r = 0
		while ((getline line < f) > 0) {
			if (line !~ /\|/ || line ~ /^figure/ || line ~ /^---/) continue
			split(line, c, "|"); r++
			if (k == 1) { fig[r] = trim(c[1]); sub(commas(sz[1]), "N", fig[r]); sub(sz[1], "N", fig[r]) }
			val[k, r] = trim(c[2]); lim[k, r] = trim(c[3]); goal[k, r] = trim(c[5])
		}
		rows = (r > rows) ? r : rows
	}
	printf "%-50s", "figure (N: deployments)"
	for (k = 1; k <= ns; k++) printf "|%11s|%13s", commas(sz[k]), "limit"
	for (k = 2; k <= ns; k++) printf "|%9s", "@" commas(sz[k])
	printf "|%-16s|%s\n", " goal at " commas(sz[ns]), " flat (<= 1.5x)"
	for (i = 1; i <= rows; i++) {
		printf "%-50s", fig[i]
		for (k = 1; k <= ns; k++) printf "|%11s|%13s", val[k, i], lim[k, i]
		last = "-"
		for (k = 2; k <= ns; k++) {
			a = num(val[k, i]); b = num(val[1, i])
			if (a != "" && b != "" && b + 0 > 0) { x = a / b; printf "|%8.2fx", x; last = x } else printf "|%9s", "-"
		}
		# flat: for times (ms, s) the ratio at the largest size; req/s may not fall below 1/1.5
		fl = ""
		if (fig[i] ~ /^CPU/) fl = (num(val[ns, i]) <= 1) ? " ok (<= 1%)" : " MISS (> 1%)"
		else if (last != "-" && fig[i] ~ /ms|, s$/) fl = (last <= 1.5) ? " ok" : " MISS"
		else if (last != "-" && fig[i] ~ /req\/s/ && fig[i] !~ /^\(/) fl = (last >= 1 / 1.5) ? " ok" : " MISS"
		printf "| %-15s|%s\n", goal[ns, i], fl
	}
}'
