#!/usr/bin/env bash
# helm/octopod without helm: t/helm/render.mjs renders the templates (the
# Go template + Sprig subset the chart uses) and t/helm/check.mjs checks
# them: every .Values reference defined, every document valid YAML with
# the expected kinds and names, probes, migrations, RBAC, the power door,
# the CronJob, secrets kept across upgrades; and that the Dockerfile's
# build steps are README's build commands.
cd "$(dirname "$0")/.." || exit 1
if [ ! -d node_modules/yaml ]; then
	npm ci --no-audit --no-fund >/dev/null 2>&1 ||
	    { echo "Bail out! npm ci failed"; exit 1; }
fi
exec node t/helm/check.mjs
