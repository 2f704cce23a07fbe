#!/usr/bin/env bash
# octo wait, for CI: 0 once Running (or Archived) and not busy; 1 with the
# failure reason on Failure (a check that exits 1, a create that fails);
# 4 when time runs out.
. "$(dirname "$0")/lib/octo.sh"
S=$T_TMP/scripts
mkscripts "$S"
cat >"$S/check" <<'SH'
#!/bin/sh
# sick-*, broken-*: never healthy (a passing check would turn broken-1's
# failed create Running within a second: octo wait, late under the
# sanitizers, then saw Running); others: unhealthy while
# $OCTOPOD_VAR/down-NAME exists
while [ $# -gt 0 ]; do [ "$1" = --name ] && name=$2; shift; done
case $name in sick-*|broken-*) exit 1 ;; esac
[ -e "$OCTOPOD_VAR/down-$name" ] && exit 1
exit 0
SH
cat >"$S/create" <<'SH'
#!/bin/sh
while [ $# -gt 0 ]; do [ "$1" = --name ] && name=$2; shift; done
case $name in broken-*) echo "no luck"; exit 3 ;; esac
exit 0
SH
export CONTROL_SCRIPTS_DIR=$S STATUS_UPDATE_TIMEOUT=3
stack_start

octo create -n ok-1 -t v1 >/dev/null
t_octo 0 "wait: Running" wait -n ok-1 --timeout 30
t_is "$(tail -1 "$T_OUT")" "ok-1: Running" "says where it got"
t_is "$(sql "SELECT status FROM deployments WHERE name = 'ok-1'")" Running "it is Running"
t_octo 0 "wait -o json on a Running deployment" -o json wait ok-1
t_is "$(jq -r '.status + " " + (.busy | tostring)' "$T_OUT")" "Running false" "the deployment's JSON"

# a check that keeps failing: pending until STATUS_UPDATE_TIMEOUT, then Failure
octo create -n sick-1 -t v1 >/dev/null
t_octo 1 "wait: a check that exits 1 ends in Failure" wait -n sick-1 --timeout 30
t_is "$(cat "$T_ERR")" 'octo: deployment "sick-1" is Failure: create timeout, not Running' \
    "exit 1 with the failure reason"
t_like "$(cat "$T_OUT")" "sick-1: CreatePending*sick-1: Failure" "the statuses it saw"

# the create script fails
octo create -n broken-1 -t v1 >/dev/null
t_octo 1 "wait: the create script fails" wait broken-1
t_is "$(cat "$T_ERR")" 'octo: deployment "broken-1" is Failure: script exit 3, not Running' \
    "with the reason"

# Running, then the check fails
touch "$OCTOPOD_VAR/down-ok-1"
t_is "$(wait_status ok-1 Failure)" Failure "ok-1 goes to Failure"
t_octo 1 "wait on a deployment in Failure (not busy)" wait -n ok-1
t_like "$(cat "$T_ERR")" '*"ok-1" is Failure: GenericFailure*' "says GenericFailure"
rm "$OCTOPOD_VAR/down-ok-1"
t_is "$(wait_status ok-1 Running)" Running "Running again once the check passes"
t_octo 0 "then wait says 0" wait -n ok-1

# time runs out
octo create -n sick-2 -t v1 >/dev/null
t0=$(date +%s%N)
t_octo 4 "wait --timeout 1 on a pending deployment" wait -n sick-2 --timeout 1 --interval 100
t1=$(date +%s%N)
t_like "$(cat "$T_ERR")" 'octo: timed out after 1 s waiting for "sick-2" to be Running (it is CreatePending*)' \
    "says what it waited for and where it is"
t_ok "gave up within 2 s ($(( (t1 - t0) / 1000000 )) ms)" test $(( (t1 - t0) / 1000000 )) -lt 2000

# --for archived
octo archive ok-1 >/dev/null
t_octo 0 "wait --for archived" wait -n ok-1 --for archived --timeout 20
t_is "$(sql "SELECT status FROM deployments WHERE name = 'ok-1'")" Archived "it is Archived"
t_octo 1 "wait for running on an archived deployment" wait -n ok-1
t_like "$(cat "$T_ERR")" '*"ok-1" is Archived, not Running' "cannot get there by itself"

# refusals
t_octo 1 "wait: no such deployment" wait -n nope
t_is "$(cat "$T_ERR")" 'octo: no deployment named "nope"' "says so"
t_octo 2 "wait --for something else" wait -n ok-1 --for gone
t_octo 2 "wait --timeout that is no duration" wait -n ok-1 --timeout soon
t_done
