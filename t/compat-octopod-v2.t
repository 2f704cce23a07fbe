#!/usr/bin/env bash
# Octopod 2.x's control scripts unchanged (structopt CliOpts, name
# unarchive): the full effective config -- defaults from app_overrides and
# deployment_overrides (Octopod's key,value CSV), then the overrides, the
# tag as image.tag -- to all nine lifecycle scripts; the effective
# deployment config to app_overrides and app_keys; no secret in any cmdline.
STYLE=v2
. "$(dirname "$0")/lib/compat.sh"
full='--application-config LOG_LEVEL=info --application-config image.repository=registry.test/app --application-config image.tag=v1 --application-config GREETING=hi there --deployment-config replicas=2 --deployment-config chart=stable/app'
t_like "$(grep '^create ' "$STRICT_LOG/calls" | head -1)" "create --project-name * --name pr-1 $full" "create: the full effective config"
for s in check archive archive_check unarchive cleanup info; do
	t_like "$(grep "^$s " "$STRICT_LOG/calls" | tail -1)" "*--name pr-1 --application-config LOG_LEVEL=info*--deployment-config chart=stable/app" "$s gets the full config"
done
t_like "$(grep '^config_check ' "$STRICT_LOG/calls" | head -1)" "*--name pr-1 --application-config*image.tag=v1*" "config_check gets the full config"
t_like "$(grep '^app_overrides ' "$STRICT_LOG/calls" | head -1)" "*--deployment-config replicas=2 --deployment-config chart=stable/app" "app_overrides gets the effective deployment config"
t_like "$(grep '^notifications ' "$STRICT_LOG/calls" | head -1)" "notifications --project-name * --name pr-1 --old-status * --new-status *" "notifications: the statuses, no --tag"

# Octopod's deleted override: a default's key removed from the config
power POST deployments '{"name":"pr-3","tag":"v1"}'
t_is "$(wait_status pr-3 Running)" Running "pr-3 Running"
wait_idle pr-3
ui PATCH deployments/pr-3 '{"app_overrides":{"delete":["LOG_LEVEL"]}}'
t_is "$S" 202 "update: delete the default LOG_LEVEL"
sleep 0.2
t_is "$(wait_status pr-3 Running)" Running "update -> Running"
last=$(grep '^update --project-name .* --name pr-3 ' "$STRICT_LOG/calls" | tail -1)
t_like "$last" "*--application-config image.repository=registry.test/app*" "update: the other defaults"
t_is "$(printf '%s' "$last" | grep -c LOG_LEVEL)" 0 "update: LOG_LEVEL removed from the config"
t_is "$(cat "$STRICT_LOG/refused" 2>/dev/null)" "" "still no refused argv"
t_done
