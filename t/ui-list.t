#!/usr/bin/env bash
# Browser: the list with 1,000+ deployments: paging, search by name, tag, key
# and value, status filter, the archived section, rows updated in place,
# the offline notice; list screenshots.
. "$(dirname "$0")/lib/ui.sh"
ui_run list
