#!/usr/bin/env bash
# EXPIRY_WARNING seconds before a deployment expires, the notifications
# script gets --event expiry-warning --expires-at ISO, exactly once; not
# for a pinned deployment, nor one whose expiry is further away.
# (t/fixtures/scripts/notifications appends its argv to calls.log.)
export EXPIRY_WARNING=3
. "$(dirname "$0")/lib/stack.sh"
stack_start
LOG=$OCTOPOD_VAR/calls.log

ui POST deployments '{"name":"w1","tag":"v1","ttl":6}'
ui POST deployments '{"name":"w2","tag":"v1","ttl":6,"pinned":true}'
t_is "$(j .deployment.pinned)" true "pinned at create"
ui POST deployments '{"name":"w3","tag":"v1","ttl":600}'
ui GET deployments/w1
exp=$(j .expires_at)
t_is "$(wait_sql "SELECT count(*) FROM deployments WHERE status = 'Running'" 3 10)" 3 "all running"
warned() { grep -c -- "--event expiry-warning" "$LOG"; }
t_is "$(warned)" 0 "no warning yet (more than 3 s before the expiry)"

t_is "$(wait_sql "SELECT expiry_warned_at IS NOT NULL FROM deployments WHERE name = 'w1'" t 10)" t "w1 marked as warned"
t_is "$(sql "SELECT expiry_warned_at < expires_at AND expiry_warned_at >= expires_at - interval '3.5 s' FROM deployments WHERE name = 'w1'")" t \
    "warned within EXPIRY_WARNING before the expiry"
t_is "$(wait_sql "SELECT status FROM deployments WHERE name = 'w1'" Archived 15)" Archived "w1 then archived"
sleep 1.5
t_is "$(warned)" 1 "exactly one warning"
t_like "$(grep -- "--event expiry-warning" "$LOG")" \
    "notifications --project-name * --name w1 --tag v1 --event expiry-warning --expires-at $exp" \
    "the warning's arguments: the common ones, --event and --expires-at"
t_is "$(grep -c -- '--name w2 .*--event' "$LOG")" 0 "no warning for the pinned w2"
t_is "$(sql "SELECT expiry_warned_at IS NULL FROM deployments WHERE name = 'w3'")" t "no warning for w3, far from expiry"
t_like "$(grep -- '--name w1 .*--old-status Running --new-status ArchivePending' "$LOG")" "notifications *" \
    "the expiry's status change is notified too"
t_done
