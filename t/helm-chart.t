#!/usr/bin/env bash
# helm/octopod through Helm's own engine: t/helm/render (Go's
# text/template + Sprig + the functions Helm adds, built from Debian's Go
# packages) renders the chart, t/helm/validate.mjs validates every manifest
# against the Kubernetes API schemas (kubernetes-models: ajv and the
# TypeScript checker, unknown fields refused) for replicas 1 and 3, the
# chart's PostgreSQL and an external one, the CronJob on and off; and
# t/helm/check.mjs checks them: every .Values reference defined, the
# expected kinds and names, probes, migrations, RBAC, the power door, the
# CronJob, secrets kept across upgrades (lookup), required values, and that
# the Dockerfile's build steps are README's build commands.
cd "$(dirname "$0")/.." || exit 1
O=${O:-build}
if [ ! -d node_modules/kubernetes-models ] || [ ! -d node_modules/typescript ] ||
    [ ! -d node_modules/yaml ]; then
	npm ci --no-audit --no-fund >/dev/null 2>&1 ||
	    { echo "Bail out! npm ci failed"; exit 1; }
fi
command -v go >/dev/null 2>&1 ||
    { echo "Bail out! no go (scripts/deps.sh installs golang-go)"; exit 1; }
out=$(make -s O="$O" "$O/bin/helm-render" 2>&1) ||
    { echo "Bail out! could not build the chart renderer: $out"; exit 1; }
O=$O exec node t/helm/check.mjs
