#!/usr/bin/env bash
# Octopod 1.x's control scripts unchanged (strict argv, names tag_check and
# restore): create with overrides, update, archive, restore, archive,
# cleanup; every argv as Octopod 1.x gave it; no secret in any cmdline.
STYLE=v1
. "$(dirname "$0")/lib/compat.sh"
# v1: check and tag_check get --tag and nothing more; archive, cleanup, info the four
t_is "$(grep '^check ' "$STRICT_LOG/calls" | grep -c -- '-override')" 0 "check gets no overrides"
t_like "$(grep '^create ' "$STRICT_LOG/calls" | head -1)" \
    "create --project-name * --name pr-1 --tag v1 --app-env-override GREETING=hi there --deployment-override replicas=2" \
    "create: the four, --tag, the overrides (no secret)"
t_like "$(grep '^notifications ' "$STRICT_LOG/calls" | head -1)" "*--name pr-1 --tag v1 --old-status * --new-status *" "notifications: --tag and the statuses"
t_is "$(grep '^archive ' "$STRICT_LOG/calls" | head -1 | wc -w)" 9 "archive: the four options only"
t_done
