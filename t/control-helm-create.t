#!/bin/sh
# The Helm set's create, update and restore run exactly one
# `helm upgrade --install` with the deployment's values as single --set
# arguments: a value full of shell syntax, commas, backslashes and quotes
# arrives as one argument, helm would read it back intact, nothing runs.
. "$(dirname "$0")/lib/control.sh"
. "$(dirname "$0")/lib/helm.sh"

CANARY=$T_TMP/canary
NASTY="a b, \"q\" 'sq' \$(touch $CANARY) \`touch $CANARY\`; touch $CANARY \\ end"
ESC="a b\\, \"q\" 'sq' \$(touch $CANARY) \`touch $CANARY\`; touch $CANARY \\\\ end"

for s in create update restore; do
	reset_calls
	t_ok "$s (v1)" helm_run $s $COMMON --name pr-1 --tag v1.10 \
	    --app-env-override "NASTY=$NASTY" --app-env-override "LIST={a,b}" \
	    --deployment-override replicas=2
	t_is "$(calls)" 1 "$s: one call"
	t_call 1 "$s: exact helm argv (v1)" helm upgrade --install pr-1 "$CHART" \
	    --namespace=staging \
	    --set-string=global.projectName=Demo \
	    --set-string=global.baseDomain=example.test \
	    --set-string=global.deploymentName=pr-1 \
	    --set-string=image.tag=v1.10 \
	    "--set-string=NASTY=$ESC" \
	    '--set-string=LIST=\{a\,b}' \
	    --set-string=replicas=2 \
	    --create-namespace --wait=false
	t_values 1 "$s: helm reads every value back intact" \
	    global.projectName=Demo global.baseDomain=example.test \
	    global.deploymentName=pr-1 image.tag=v1.10 "NASTY=$NASTY" \
	    "LIST={a,b}" replicas=2
	t_ok "$s: nothing was executed" test ! -e "$CANARY"
done

reset_calls
t_ok "create (v2)" helm_run create $COMMON --name pr-2 \
    --application-config image.tag=2.0 --application-config "A=x,y" \
    --deployment-config "ingress.host=pr-2.example.test"
t_call 1 "exact helm argv (v2)" helm upgrade --install pr-2 "$CHART" \
    --namespace=staging \
    --set-string=global.projectName=Demo \
    --set-string=global.baseDomain=example.test \
    --set-string=global.deploymentName=pr-2 \
    --set-string=image.tag=2.0 \
    '--set-string=A=x\,y' \
    --set-string=ingress.host=pr-2.example.test \
    --create-namespace --wait=false

reset_calls
t_ok "create with every setting" env CHART_VERSION=1.2.3 RELEASE_PREFIX=st- \
    TAG_KEY=app.image.tag APP_VALUES_PREFIX=app.env. DEPLOYMENT_VALUES_PREFIX=app. \
    HELM_SET_FLAG=--set HELM_EXTRA_ARGS="--kube-context ctx" \
    HELM_INSTALL_ARGS="-f /etc/octopod/values.yaml --timeout 5m" \
    "$T_HELM/create" $COMMON --name pr-3 --tag v3 \
    --app-env-override FOO=bar --deployment-override replicas=3
t_call 1 "exact helm argv with every setting" helm --kube-context ctx \
    upgrade --install st-pr-3 "$CHART" --namespace=staging --version=1.2.3 \
    -f /etc/octopod/values.yaml --timeout 5m \
    --set-string=global.projectName=Demo \
    --set-string=global.baseDomain=example.test \
    --set-string=global.deploymentName=pr-3 \
    --set-string=app.image.tag=v3 \
    --set=app.env.FOO=bar \
    --set=app.replicas=3 \
    --create-namespace --wait=false

reset_calls
t_rc 1 "no CHART: refused" env CHART= "$T_HELM/create" $COMMON --name pr-4 --tag v1
t_like "$(cat "$T_ERR")" "*CHART is not set*" "and says so"
t_is "$(calls)" 0 "helm was not run"
t_rc 1 "a bad HELM_SET_FLAG: refused" env HELM_SET_FLAG=--set-file \
    "$T_HELM/create" $COMMON --name pr-4 --tag v1
t_is "$(calls)" 0 "helm was not run"

answer helm.upgrade 1 "" "Error: UPGRADE FAILED: timed out"
t_rc 1 "helm failing fails create" helm_run create $COMMON --name pr-5 --tag v1
t_like "$(cat "$T_ERR")" "*UPGRADE FAILED*" "helm's message is passed on"
t_rc 64 "create without a tag -> 64" helm_run create $COMMON --name pr-5
# secrets come by OCTOPOD_CONFIG_FILE (octopod keeps them off argv): each
# reaches helm as --set-file of a 0600 file, none on helm's command line,
# and the files are gone when the script ends
reset_calls
SECRET='s3cr3t, with "quotes" and $(touch '"$CANARY"')'
CFG=$T_TMP/config
(umask 077; printf '%s\n' '--app-env-override FOO=bar' "--app-env-override DB_PASSWORD=$SECRET" \
    '--deployment-override token=tok-42' '--deployment-override replicas=2' >"$CFG")
TMPDIR=$T_TMP/tmp
mkdir -p "$TMPDIR"
t_ok "create with secrets in OCTOPOD_CONFIG_FILE" env TMPDIR="$TMPDIR" \
    OCTOPOD_CONFIG_FILE="$CFG" OCTOPOD_SECRET_KEYS="app:DB_PASSWORD deployment:token" \
    DEPLOYMENT_VALUES_PREFIX=app. \
    "$T_HELM/create" $COMMON --name pr-6 --tag v6 \
    --app-env-override FOO=bar --deployment-override replicas=2
t_ok "no secret on helm's command line" sh -c "! grep -q -e s3cr3t -e tok-42 '$STANDIN_DIR/call.1'"
t_values 1 "helm reads the secrets from 0600 files" \
    global.projectName=Demo global.baseDomain=example.test \
    global.deploymentName=pr-6 image.tag=v6 FOO=bar app.replicas=2 \
    "$(printf 'DB_PASSWORD=%s\t0600' "$SECRET")" "$(printf 'app.token=tok-42\t0600')"
t_is "$(find "$TMPDIR" -mindepth 1 | wc -l)" 0 "the files are gone when create ends"
t_ok "nothing was executed" test ! -e "$CANARY"
reset_calls
t_ok "a secret already in argv (CONTROL_SCRIPT_SECRETS=argv) is not given twice" env \
    OCTOPOD_CONFIG_FILE="$CFG" OCTOPOD_SECRET_KEYS="app:DB_PASSWORD" \
    "$T_HELM/create" $COMMON --name pr-7 --tag v7 --app-env-override "DB_PASSWORD=$SECRET"
t_is "$(tr '\0' '\n' <"$STANDIN_DIR/call.1" | grep -c -e '--set-file')" 0 "no --set-file then"
t_done
