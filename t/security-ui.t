#!/usr/bin/env bash
# issue 14, finding 9 (browser): the UI works under the doors' strict CSP
# and makes anchors of http(s) info links only (javascript: is text).
. "$(dirname "$0")/lib/ui.sh"
ui_run security
