#!/usr/bin/env bash
# bench/ui.sh: start a throw-away stack (scripts/stack.sh) on free ports and
# run bench/ui.mjs against it (10,000 deployments). Not part of `make test`.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP O=${O:-$TOP/build}
export OCTOPOD_VAR=$(mktemp -d /tmp/octopod-bench.XXXXXX)/var
chmod 755 "$(dirname "$OCTOPOD_VAR")"
export PG_FAST=1 ACCESS_LOG=off CONTROL_SCRIPTS_DIR=$TOP/t/fixtures/scripts
export UI_PORT=$((20000 + RANDOM % 20000)) POWER_PORT=$((40000 + RANDOM % 20000))
unset DATABASE_URL
. "$TOP/scripts/stack.sh"
trap 'stack_stop; rm -rf "$(dirname "$OCTOPOD_VAR")"' EXIT
stack_up
export DATABASE_URL PGBIN
node "$TOP/bench/ui.mjs"
