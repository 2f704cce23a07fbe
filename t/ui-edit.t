#!/usr/bin/env bash
# Browser: edit sends only the change; the output of an action streams while
# it runs; archive and restore with confirmation; detail page screenshots.
. "$(dirname "$0")/lib/ui.sh"
# an update script that prints slowly, to watch its output arrive live
mkdir -p "$T_TMP/scripts"
for s in "$T_ROOT"/t/fixtures/scripts/*; do ln -s "$s" "$T_TMP/scripts/"; done
rm "$T_TMP/scripts/update"
cat >"$T_TMP/scripts/update" <<'SH'
#!/bin/sh
echo "update: step one"
sleep 2
echo "update: step two" >&2
sleep 2
echo "update: done"
SH
chmod 755 "$T_TMP/scripts/update"
export CONTROL_SCRIPTS_DIR="$T_TMP/scripts"
ui_run edit
