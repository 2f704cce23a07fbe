#!/bin/sh
# The Helm set's info prints the release's ingress hosts as name,url
# lines; config_check renders the chart with helm template and refuses
# with helm's message on stdout.
. "$(dirname "$0")/lib/control.sh"
. "$(dirname "$0")/lib/helm.sh"

A="$COMMON --name pr-1"
answer_file kubectl.get.ingresses ingresses.txt
t_ok "info" helm_run info $A
t_call 1 "info: exact kubectl argv" kubectl get ingresses --namespace=staging \
    --selector=app.kubernetes.io/instance=pr-1 \
    '--output=jsonpath={range .items[*]}{.metadata.name}{"|"}{range .spec.rules[*]}{.host}{" "}{end}{"\n"}{end}'
t_is "$(cat "$T_OUT")" "pr-1-app,https://pr-1.example.test
pr-1-app,https://api.pr-1.example.test
pr-1-admin,https://admin.pr-1.example.test" "info: one line per host"
t_is "$(INFO_SCHEME=http "$T_HELM/info" $A | head -n 1)" "pr-1-app,http://pr-1.example.test" \
    "INFO_SCHEME"
answer kubectl.get.ingresses 0 ""
t_ok "info without ingresses" helm_run info $A
t_is "$(cat "$T_OUT")" "" "prints nothing"
answer kubectl.get.ingresses 1 "" "error: forbidden"
t_rc 1 "info fails when kubectl fails" helm_run info $A

reset_calls
t_rc 0 "config_check accepts what renders" helm_run config_check $A --tag v1 \
    --app-env-override "K=a,b"
t_call 1 "config_check: exact helm argv" helm template pr-1 "$CHART" --namespace=staging \
    --set-string=global.projectName=Demo --set-string=global.baseDomain=example.test \
    --set-string=global.deploymentName=pr-1 --set-string=image.tag=v1 '--set-string=K=a\,b'
t_is "$(cat "$T_OUT")" "" "and says nothing"
answer helm.template 1 "rendered yaml that must not show" \
    "Error: execution error at (app/templates/deployment.yaml:12:4): replicas must be a number"
t_rc 1 "config_check refuses what does not render" helm_run config_check $A --tag v1 \
    --deployment-override replicas=many
t_like "$(cat "$T_OUT")" "*does not accept*replicas must be a number*" "helm's message is on stdout"
case $(cat "$T_OUT") in
*'rendered yaml'*) t_result 1 "the rendered chart is not in the message" ;;
*) t_result 0 "the rendered chart is not in the message" ;;
esac
reset_calls
t_rc 0 "CONFIG_CHECK=none accepts" env CONFIG_CHECK=none "$T_HELM/config_check" $A --tag v1
t_is "$(calls)" 0 "without running helm"
t_done
