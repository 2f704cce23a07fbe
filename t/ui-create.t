#!/usr/bin/env bash
# Browser: create through the form (mouse and keyboard only), see it become
# Running; a bad name shows the rule next to the field and sends nothing;
# a taken name is refused in place.
. "$(dirname "$0")/lib/ui.sh"
ui_run create
