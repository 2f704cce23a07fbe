#!/usr/bin/env bash
# octo create/update --ttl DUR, create --pinned, octo pin/unpin.
. "$(dirname "$0")/lib/octo.sh"
stack_start

t_octo 0 "create --ttl 2h" create -n x1 -t v1 --ttl 2h
power GET deployments/x1
t_is "$(j .ttl)/$(j .pinned)" 7200/false "ttl 2h = 7200 s sent"
t_octo 2 "create --ttl 5x: usage" create -n x2 -t v1 --ttl 5x
t_like "$(cat "$T_ERR")" "*--ttl takes a duration*" "says what --ttl takes"
t_octo 0 "create --ttl 0 --pinned" create -n x3 -t v1 --ttl 0 --pinned
power GET deployments/x3
t_is "$(j .ttl)/$(j .expires_at)/$(j .pinned)" 0/null/true "ttl 0: never expires; pinned"
wait_status x1 Running >/dev/null
t_octo 0 "update --ttl 90m alone" update -n x1 --ttl 90m
power GET deployments/x1
t_is "$(j .ttl)" 5400 "update --ttl sets 5400 s"
wait_status x1 Running >/dev/null
t_octo 0 "pin" pin -n x1
t_like "$(cat "$T_OUT")" '"x1" is pinned; expires at 20*' "pin says so"
power GET deployments/x1
t_is "$(j .pinned)" true "x1 pinned"
t_octo 0 "unpin" unpin x1
t_like "$(cat "$T_OUT")" '"x1" is not pinned*' "unpin says so"
power GET deployments/x1
t_is "$(j .pinned)" false "x1 unpinned"
t_octo 1 "pin of an unknown deployment" pin -n nope
t_done
