#!/usr/bin/env bash
# Every answer says how long the server took to make it, encoding
# included: Server-Timing: app;dur=MS (what browsers' developer tools show
# beside each request). A create whose config_check takes 0.3 s says at
# least 300 ms; a read says less, and more than nothing; so do errors.
. "$(dirname "$0")/lib/stack.sh"
cp -a "$T_ROOT/t/fixtures/scripts" "$T_TMP/scripts"
rm "$T_TMP/scripts/config_check"
printf '#!/bin/sh\nsleep 0.3\nexec "%s" "$@"\n' "$T_ROOT/t/fixtures/scripts/config_check" \
    >"$T_TMP/scripts/config_check"
chmod 755 "$T_TMP/scripts/config_check"
export CONTROL_SCRIPTS_DIR=$T_TMP/scripts
stack_start

# dur METHOD PATH [BODY] [DOOR]: the answer's status and Server-Timing dur
dur() {
	"${4:-power}" "$1" "$2" "${3-}" -D "$T_TMP/.h"
	D=$(tr -d '\r' <"$T_TMP/.h" | sed -n 's/^[Ss]erver-[Tt]iming: app;dur=\([0-9.]*\)$/\1/p')
}
ms_ge() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a + 0 >= b + 0)}'; }

dur POST deployments '{"name":"timed","tag":"v1"}'
t_is "$S" 202 "create accepted"
t_ok "its Server-Timing counts the 0.3 s config_check ($D ms)" ms_ge "$D" 300
t_ok "and not much more ($D ms < 5000)" ms_ge 5000 "$D"
dur GET deployments/timed
t_is "$S" 200 "read"
t_ok "a read's Server-Timing is under 300 ms ($D ms)" ms_ge 300 "$D"
t_ok "and above nothing ($D ms)" ms_ge "$D" 0.001
dur GET deployments "" ui
t_ok "the list, on the ui door, has one too ($D ms)" ms_ge "$D" 0.001
dur GET deployments/nosuch
t_is "$S" 404 "an error"
t_ok "has one too ($D ms)" ms_ge "$D" 0.001
t_done
