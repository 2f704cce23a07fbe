#!/usr/bin/env bash
# Browser: the detail page shows why the last status check failed (issue
# 15): the check's output (secrets masked) and its exit code.
. "$(dirname "$0")/lib/ui.sh"
mkdir -p "$T_TMP/scripts"
for s in "$T_ROOT"/t/fixtures/scripts/*; do ln -s "$s" "$T_TMP/scripts/"; done
rm "$T_TMP/scripts/check"
cat >"$T_TMP/scripts/check" <<'SH'
#!/bin/sh
pw=$(sed -n 's/^--app-env-override PW=//p' "$OCTOPOD_CONFIG_FILE")
echo "tag mismatch: serving v9 (password $pw)"
exit 3
SH
chmod 755 "$T_TMP/scripts/check"
export CONTROL_SCRIPTS_DIR="$T_TMP/scripts"
# it never passes: Failure (create timeout) two seconds after the create
export STATUS_UPDATE_TIMEOUT=2
ui_run check-failure
